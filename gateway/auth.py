"""Who is calling, and may they? Every API route and page declares its ID-7 action with
`@authorized(action)` (or `@public`); the decorator asks identity's one `authorize` path
and hands the caller's context to the route. tests/api/test_permissions.py checks that no
route goes without one."""
import functools

from gateway import web

PUBLIC = "public"
#: Routes of a trade registration application before approval: its `application_token`
#: is the credential (API.md), checked by the registration service, not an ID (ID-7).
APPLICATION = "application"


def credential_of(request) -> tuple[str | None, str]:
    """(credential, via): the API's Bearer token, else the web session's own cookie
    credential (an opaque session id, never a bearer token: identity tells them apart)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer "):].strip() or None, "bearer"
    return web.load_session(request).get(web.SESSION_ID), "cookie"


def sent_bearer(request) -> bool:
    """The request carries the API's Bearer token itself, not only the browser's session
    cookie (a cookie-authenticated GET must change nothing: issue 9)."""
    return request.headers.get("Authorization", "").startswith("Bearer ")


def authorized(action: str):
    def decorate(fn):
        @functools.wraps(fn)
        def route(self, request, **kwargs):
            credential, via = credential_of(request)
            caller = self.identity.authorize(credential, action, via)
            return fn(self, request, caller, **kwargs)

        route.action = action
        return route

    return decorate


def public(fn):
    fn.action = PUBLIC
    return fn


def application_token(fn):
    """The applicant's Bearer `application_token` (or the one kept in the web session for
    the wizard's pages), passed on to the registration service, which checks it."""

    @functools.wraps(fn)
    def route(self, request, **kwargs):
        header = request.headers.get("Authorization", "")
        token = header[len("Bearer "):].strip() if header.startswith("Bearer ") else \
            web.load_session(request).get("application_token")
        return fn(self, request, token, **kwargs)

    route.action = APPLICATION
    return route
