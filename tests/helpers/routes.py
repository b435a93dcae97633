"""The gateway's routes, from the class itself: the permission matrix (tests/api/
test_permissions.py) and `make bench-scale`'s cross-chamber run (benchmarks/scale.py) walk
the same list."""
import inspect

from gateway.auth import APPLICATION, PUBLIC


def routes() -> list[tuple[str, str, str | None]]:
    """(method, url rule, action) of every gateway route."""
    from gateway.http import HttpEntrypoint
    from gateway.service import GatewayService

    found = []
    for _, fn in inspect.getmembers(GatewayService, inspect.isfunction):
        for entrypoint in getattr(fn, "nameko_entrypoints", ()):
            if isinstance(entrypoint, HttpEntrypoint):
                found.append((entrypoint.method, entrypoint.url, getattr(fn, "action", None)))
    return sorted(found)


def login_routes() -> list[tuple[str, str, str]]:
    """The API routes that need a login (neither public nor an application's own token)."""
    return [(method, url, action) for method, url, action in routes()
            if action not in (PUBLIC, APPLICATION) and url.startswith("/api/")]
