"""For unit tests that call domain functions directly."""
import inspect

PUBLIC_URL = "http://127.0.0.1:8000"


def with_public_url(function, *args):
    """Call a domain function that mails a link. Before issue 8's contracts change the link's
    base URL was an argument; with it, notify builds the link from the event's facts and the
    argument is gone. Tests of the rules pass it only where it is still asked for."""
    if "public_url" in inspect.signature(function).parameters:
        return function(*args, PUBLIC_URL)
    return function(*args)
