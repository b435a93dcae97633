"""The web shell: the Jinja2 templates, the signed session cookie and CSRF (pages are
rendered by gateway/pages.py).

Session: a signed cookie (itsdangerous) holding a CSRF token (and, later, the login). A
browser request that changes state and carries the session cookie must send the token back
(form field `csrf_token` or header `X-CSRF-Token`); API clients using a Bearer token do not
send the cookie, so they need none.
"""
import hmac
import secrets
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Response

from tradecert import config
from tradecert.errors import Forbidden

SESSION_COOKIE = "tc_session"
SESSION_ID = "sid"  # the page login's cookie credential (identity: an opaque session id)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(config.secret_key(), salt="tradecert-session")


def load_session(request) -> dict:
    """The request's session (a fresh one when absent or tampered with); cached on the request."""
    if "tradecert.session" not in request.environ:
        session = {}
        raw = request.cookies.get(SESSION_COOKIE)
        if raw:
            try:
                session = _serializer().loads(raw)
            except BadSignature:
                session = {}
        if "csrf" not in session:
            session = {**session, "csrf": secrets.token_urlsafe(32), "new": True}
        request.environ["tradecert.session"] = session
    return request.environ["tradecert.session"]


def cookie_secure() -> bool:
    """Cookies go over HTTPS only whenever the public URL is https (or when forced)."""
    gateway = config.section("GATEWAY")
    configured = str(gateway.get("cookie_secure", "")).strip().lower()
    return configured in ("true", "1", "yes") or \
        str(gateway.get("public_url", "")).lower().startswith("https://")


def save_session(response: Response, session: dict) -> None:
    if session.pop("new", False) or session.pop("changed", False):
        response.set_cookie(
            SESSION_COOKIE, _serializer().dumps(session), httponly=True, samesite="Lax",
            secure=cookie_secure(), path="/")


def check_csrf(request) -> None:
    """Refuse a cookie-authenticated state change that does not echo the session's token."""
    if request.method not in UNSAFE_METHODS or SESSION_COOKIE not in request.cookies:
        return
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    expected = load_session(request).get("csrf", "")
    if not (sent and hmac.compare_digest(sent, expected)):
        raise Forbidden(code="csrf_failed", message="missing or wrong CSRF token")
