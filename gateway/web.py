"""The web shell: Jinja2 pages in the base layout, the signed session cookie and CSRF.

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

from gateway import i18n
from tradecert import config
from tradecert.errors import Forbidden

SESSION_COOKIE = "tc_session"
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


def save_session(response: Response, session: dict) -> None:
    if session.pop("new", False) or session.pop("changed", False):
        response.set_cookie(
            SESSION_COOKIE, _serializer().dumps(session), httponly=True, samesite="Lax",
            secure=bool(config.section("GATEWAY").get("cookie_secure")), path="/")


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


def render(request, template: str, status: int = 200, headers=None, **context) -> Response:
    lang = i18n.negotiate(request)
    session = load_session(request)
    translate = i18n.translations(lang).gettext
    html = templates.get_template(template).render(
        _=translate, lang=lang, other_lang="en" if lang == "ja" else "ja",
        csrf_token=session["csrf"], request_path=request.full_path.rstrip("?"),
        request_id=request.environ.get("tradecert.request_id", ""), **context)
    response = Response(html, status=status, headers=headers,
                        content_type="text/html; charset=utf-8")
    if request.args.get("lang") in i18n.LANGUAGES:  # the language switch remembers the choice
        response.set_cookie(i18n.LANG_COOKIE, lang, samesite="Lax", path="/",
                            max_age=365 * 24 * 3600)
    save_session(response, session)
    return response


def error_page(request, error, lang, headers) -> Response:
    payload = i18n.error_payload(error, lang)["error"]
    return render(request, "error.html", status=error.status, headers=headers,
                  error=payload, status_code=error.status)
