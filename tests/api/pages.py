"""Helpers of the page tests through the gateway: a form posted as the browser would (with
the CSRF token of the page it came from), the page's text, where a redirect goes."""
import html
import re
from urllib.parse import urlparse


def csrf_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def text_of(page) -> str:
    """The page's text, tags dropped and entities decoded, for asserting on what people read."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page.text))


def submit(client, path, data, form_page=None, **kwargs):
    """POST a form as the browser would: with the CSRF token of the page it came from."""
    form_page = form_page or client.get(path)
    return client.post(path, data={"csrf_token": csrf_of(form_page), **data},
                       allow_redirects=False, **kwargs)


def log_in(client, login_id, password, cci_code="1504"):
    return submit(client, f"/c/{cci_code}/login", {"login_id": login_id, "password": password})


def location(response) -> str:
    assert response.status_code == 303, (response.status_code, response.text[:500])
    parsed = urlparse(response.headers["Location"])
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")
