"""Session cookie and CSRF rules of the web shell (gateway/web.py), on plain requests."""
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway import i18n, web
from tradecert.errors import Forbidden


def request(method="GET", headers=None, cookies=None, data=None, query=None) -> Request:
    builder = EnvironBuilder(method=method, path="/x", headers=headers or {}, data=data,
                             query_string=query)
    for name, value in (cookies or {}).items():
        builder.headers.add("Cookie", f"{name}={value}")
    return Request(builder.get_environ())


def session_cookie() -> tuple[str, str]:
    """A signed session cookie as the gateway sets it, and its CSRF token."""
    session = web.load_session(request())
    response = Response()
    web.save_session(response, session)
    value = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    return value, session["csrf"]


def test_unsafe_request_with_the_session_cookie_needs_the_token():
    cookie, token = session_cookie()
    cookies = {web.SESSION_COOKIE: cookie}

    with pytest.raises(Forbidden) as caught:
        web.check_csrf(request("POST", cookies=cookies))
    assert caught.value.code == "csrf_failed"
    with pytest.raises(Forbidden):
        web.check_csrf(request("POST", cookies=cookies, headers={web.CSRF_HEADER: "wrong"}))

    web.check_csrf(request("POST", cookies=cookies, headers={web.CSRF_HEADER: token}))
    web.check_csrf(request("PUT", cookies=cookies, data={web.CSRF_FIELD: token}))


def test_safe_methods_bearer_clients_and_cookieless_clients_need_no_token():
    cookie, _ = session_cookie()
    web.check_csrf(request("GET", cookies={web.SESSION_COOKIE: cookie}))
    web.check_csrf(request("POST", cookies={web.SESSION_COOKIE: cookie},
                           headers={"Authorization": "Bearer abc"}))
    web.check_csrf(request("POST"))


def test_a_tampered_session_cookie_is_replaced_not_trusted():
    cookie, token = session_cookie()
    tampered = request(cookies={web.SESSION_COOKIE: cookie[:-2] + "xx"})

    assert web.load_session(tampered)["csrf"] != token
    with pytest.raises(Forbidden):
        web.check_csrf(request("POST", cookies={web.SESSION_COOKIE: cookie[:-2] + "xx"},
                               headers={web.CSRF_HEADER: token}))


@pytest.mark.parametrize(("query", "headers", "cookies", "expected"), [
    (None, {}, {}, "ja"),
    (None, {"Accept-Language": "en-US,en;q=0.9"}, {}, "en"),
    (None, {"Accept-Language": "fr"}, {}, "ja"),
    (None, {"Accept-Language": "en"}, {"lang": "ja"}, "ja"),
    ("lang=en", {}, {"lang": "ja"}, "en"),
    ("lang=xx", {}, {}, "ja"),
])
def test_language_negotiation(query, headers, cookies, expected):
    assert i18n.negotiate(request(query=query, headers=headers, cookies=cookies)) == expected


def test_every_japanese_ui_message_has_an_english_twin_or_is_english():
    ja = i18n._catalog("ja")
    assert all(message.string for message in ja if message.id), "untranslated Japanese"
    en = i18n._catalog("en")
    error_ids = {m.id for m in ja if m.id and str(m.id).startswith("error.")}
    assert error_ids <= {m.id for m in en if m.id}, "error codes without English text"
