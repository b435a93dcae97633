"""The gateway's one pages layer: every server-rendered page goes through here.

`render` (a template by its full path under templates/, the redirect's notice, the form's
values and errors, the GOV.UK error summary), ONE table of notices, `see_other` for
POST → redirect → GET, the one `safe_next` for every `?next=`, `errors_of` (a service's 422
as messages beside each field, in the page's language), `form_token_ok` (CSRF for public
forms), the session (`start_session`, `end_session`, `remember`) and the decorators of pages
behind a login (`session_page`, `staff_page`).

Route modules import this, gateway/forms/ (turning forms into API bodies and back) and
gateway/http.py; they never import each other (ARCHITECTURE: layers). Pages show what the
services answer: a rule (which forms exist, whether a reason is needed) is asked, not copied.
"""
import base64
import functools
import hashlib
import hmac
import json
import math
import re
import secrets
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from gateway import i18n, web
from gateway.forms.registration import looks_like_number, normalise_number
from gateway.i18n import translate
from tradecert.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TradecertError,
    Unauthorized,
    ValidationFailed,
)

JAPAN = ZoneInfo("Asia/Tokyo")

# ?notice=<code> after a redirect: only these fixed texts, so a crafted link cannot put its
# own words on a page. (role, msgid); %(login_id)s comes from ?login_id=, checked below.
NOTICES = {
    # sessions and IDs (ID-1 … ID-10)
    "session_replaced": ("alert", "error.session_replaced"),
    "session_ended": ("alert", "Your session has ended. Please log in again."),
    "unauthorized": ("alert", "error.unauthorized"),
    "password_change_required": ("info", "error.password_change_required"),
    "email_verification_required": ("info", "error.email_verification_required"),
    "logged_out": ("status", "You have logged out."),
    "email_verified": ("status", "Your e-mail address is verified. Please log in again."),
    "password_changed": ("status", "Your password has been changed."),
    "code_sent": ("status", "A new confirmation code has been sent."),
    "signer_password_set": ("status", "The password of %(login_id)s has been set."),
    "sub_id_password_set": ("status", "The password of sub ID %(login_id)s has been reset. "
                                      "Its notification was cancelled."),
    "sub_id_created": ("status", "Sub ID %(login_id)s has been created. Notify its holder "
                                 "next."),
    "sub_id_updated": ("status", "Sub ID %(login_id)s has been updated."),
    "sub_id_deleted": ("status", "Sub ID %(login_id)s has been deleted."),
    "sub_id_notified": ("status", "The notification for sub ID %(login_id)s has been sent."),
    # trade registration (REG-3 … REG-8)
    "company_saved": ("status", "The company information has been saved."),
    "signer_added": ("status", "The signer has been added to the list."),
    "signer_removed": ("status", "The signer has been removed from the list."),
    "submitted": ("status", "The application has been submitted. Print the forms below and "
                            "bring them to the chamber."),
    "not_editable": ("alert", "error.application_not_editable"),
    "other_application": ("alert", "Another application was opened in this browser after this "
                                   "page was shown, so nothing was saved. Here is the open "
                                   "application: enter your change again."),
    "signature_registered": ("status", "The signature has been registered."),
    "returned": ("status", "The application has been returned to the applicant, and the "
                           "reason has been mailed."),
    # a registration's renewal (REG-9)
    "renewal_requested": ("status", "Renewal has been requested. The chamber renews the "
                                    "registration when the registration fee is paid."),
    "renewed": ("status", "The registration has been renewed, and the admin ID has been "
                          "mailed."),
    # change requests (変更申請)
    "change_submitted": ("status", "The change request has been submitted. Print the forms "
                                   "below and bring them to the chamber."),
    "change_open": ("alert", "error.change_request_open"),
    "change_approved": ("status", "The change request has been approved and applied, and "
                                  "the admin has been mailed."),
    "change_returned": ("status", "The change request has been returned, and the reason has "
                                  "been mailed."),
    # chamber staff: certificates (issue 10)
    "issuance_certified": ("status", "The application has been certified, and the applicant "
                                     "has been mailed."),
    "issuance_revoked": ("status", "The certificate has been revoked, and the reason has been "
                                   "mailed."),
    # chamber staff: a company's IDs (issue 9)
    "account_locked": ("status", "%(login_id)s has been locked. Its sessions have ended."),
    "account_unlocked": ("status", "%(login_id)s has been unlocked. It can log in again."),
    "admin_password_issued": ("status", "A new admin password has been issued. Print the new "
                                        "trade registration certificate below and hand it "
                                        "to the company."),
    # applying for certificates (issue 10)
    "application_saved": ("status", "The application has been saved. Attach the documents, "
                                    "check the preview and submit it."),
    "application_copied": ("status", "A new application has been made from the earlier one. "
                                     "Enter the dates and the invoices, check the rest and "
                                     "save it."),
    "application_submitted": ("status", "The application has been submitted to the chamber."),
    "application_withdrawn": ("status", "The application has been withdrawn."),
    "application_locked": ("alert", "error.application_locked"),
    "attachment_added": ("status", "The file has been attached."),
    "attachment_deleted": ("status", "The attachment has been removed."),
}
CHAMBER_PATH = re.compile(r"/c/\d{4}(?=/|$)")
LOGIN_ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,32}")  # used with fullmatch
# printable ASCII, no backslash, not `//`: a path on this site and nothing a browser could
# turn into another host (it drops tabs and line breaks: `/\t/evil.example`)
SAFE_PATH = re.compile(r"/(?![/\\])[!-\[\]-~]*")
# The first-login steps (ID-2, ID-5): a page refused for one of them opens that step.
FIRST_LOGIN_STEPS = {"password_change_required": "/me/password",
                     "email_verification_required": "/me/email-verification"}


# --- rendering --------------------------------------------------------------------------------

class FieldLabels(dict):
    """The label of each field a page shows, noted by the form macros as they render (the
    layouts render the page before its top), so the error summary can name each field and
    link to it (STYLE: errors as the GOV.UK Design System shows them)."""

    def note(self, name: str, label) -> str:
        self[name] = label
        return ""


def field_id(name: str, prefix: str = "f") -> str:
    """The id of a form field: its name (API.md's field path) with the dots replaced."""
    return f"{prefix}-{name.replace('.', '-')}"


def render(request, template: str, status: int = 200, headers=None, **context) -> Response:
    """A page: `template` is its path under templates/ ("account/login.html"). Every page
    gets the redirect's notice, the form's `values` and `errors` (field path -> messages),
    and, when a field needs fixing, an alert that heads the error summary (_banners.html:
    each message again as a link to its field, the focus on the summary)."""
    context.setdefault("errors", {})
    context.setdefault("values", {})
    if context["errors"] and not context.get("alert"):  # fields to fix: say so at the top too
        context["alert"] = translate(request, "error.validation_failed")
    context.setdefault("alert", None)
    context.setdefault("notice", notice_of(request))
    for name in ("account", "chamber", "application"):
        context.setdefault(name, None)
    if context["chamber"] is None and (context["account"] or {}).get("chamber_name_ja"):
        # a page behind a login belongs to the caller's chamber: its header names it
        account = context["account"]
        context["chamber"] = {"cci_code": account["cci_code"],
                              "name_ja": account["chamber_name_ja"],
                              "name_en": account["chamber_name_en"]}
    lang = i18n.negotiate(request)
    session = web.load_session(request)
    html = web.templates.get_template(template).render(
        _=i18n.translations(lang).gettext, lang=lang, other_lang="en" if lang == "ja" else "ja",
        csrf_token=session["csrf"], request_path=request.full_path.rstrip("?"),
        request_id=request.environ.get("tradecert.request_id", ""), when=japan_time,
        field_id=field_id, field_labels=FieldLabels(), **context)
    response = Response(html, status=status, headers=headers,
                        content_type="text/html; charset=utf-8")
    if request.args.get("lang") in i18n.LANGUAGES:  # the language switch remembers the choice
        response.set_cookie(i18n.LANG_COOKIE, lang, samesite="Lax", path="/",
                            max_age=365 * 24 * 3600, secure=web.cookie_secure())
    web.save_session(response, session)
    return response


def error_page(request, error: TradecertError, headers=None) -> Response:
    """Any error a page did not handle itself, in the page's language, with the request id
    to quote to the chamber's help desk."""
    payload = i18n.error_payload(error, i18n.negotiate(request))["error"]
    return render(request, "error.html", status=error.status, headers=headers,
                  error=payload, status_code=error.status, notice=None,
                  chamber_home=chamber_home(request, error))


def chamber_home(request, error: TradecertError) -> str | None:
    """The way back from a 404 under a chamber's address (/c/1504/...): its home page (not
    when the chamber itself is what is missing)."""
    found = CHAMBER_PATH.match(request.path)
    if error.status != 404 or not found or error.code == "chamber_not_found":
        return None
    return found.group(0)


def notice_of(request) -> dict | None:
    code = request.args.get("notice", "")
    if code not in NOTICES:
        return None
    role, msgid = NOTICES[code]
    params = {}
    if "%(login_id)s" in msgid:
        login_id = request.args.get("login_id", "")
        if not LOGIN_ID_PATTERN.fullmatch(login_id):
            return None
        params["login_id"] = login_id
    return {"role": role, "text": translate(request, msgid, **params)}


def japan_time(value) -> str:
    """An ISO date-time from a service, as people in Japan read it (REG-7: the updated
    date-time printed at the top right of the forms)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(JAPAN).strftime("%Y-%m-%d %H:%M")


# --- redirects --------------------------------------------------------------------------------

def see_other(path: str, notice: str | None = None, fragment: str = "", **params) -> Response:
    """PRG: a POST answers 303, and the browser GETs the result page."""
    query = {k: v for k, v in {"notice": notice, **params}.items() if v}
    return redirect(path + ("?" + urlencode(query) if query else "") +
                    (f"#{fragment}" if fragment else ""), code=303)


def safe_next(target: str | None) -> str | None:
    """The one check for every `?next=`: only a path on this site; never `//host`,
    `/\\host`, nor a tab or line break that a browser would drop to make one (and that
    cannot go into a Location header)."""
    return target if target and SAFE_PATH.fullmatch(target) else None


# --- errors for forms -------------------------------------------------------------------------

def errors_of(request, exc: TradecertError) -> tuple[str, dict]:
    """A service's refusal as the page's alert and each field's messages, translated exactly
    like the API's error body (i18n.error_payload)."""
    payload = i18n.error_payload(exc, i18n.negotiate(request))["error"]
    return payload["message"], payload["fields"]


def too_many(request, exc: TradecertError) -> tuple[str, dict]:
    """A limit's refusal (429) on a page: what was refused and when to try again, as the
    form's alert, and the Retry-After header the API sends too (issue 9)."""
    seconds = max(1, int(exc.params.get("retry_after_s", 60)))
    if seconds < 120:
        wait = translate(request, "You can try again in %(seconds)s seconds.", seconds=seconds)
    elif seconds < 2 * 3600:
        wait = translate(request, "You can try again in %(minutes)s minutes.",
                         minutes=math.ceil(seconds / 60))
    else:
        wait = translate(request, "You can try again in %(hours)s hours.",
                         hours=math.ceil(seconds / 3600))
    return f"{errors_of(request, exc)[0]} {wait}", {"Retry-After": str(seconds)}


# What scanners give (REG-7); the documents service reads the image itself and says why
# it refuses one, this only spares it what is plainly no image.
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def scanned_signature(request, signer_id: str, max_bytes: int, store) -> dict:
    """REG-7, for every staff page that takes a signer's scanned signature box (registration
    applications, change requests): the upload read at most to `max_bytes` (the service's
    view says it), handed to `store` as base64; the errors to show beside the signer's
    upload field, empty when it is registered. documents' refusal (touching the frame, an
    empty box) is shown with its reason there."""
    upload = request.files.get("signature")
    data = upload.read(max_bytes + 1) if upload else b""
    field = f"signers.{signer_id}.signature"
    if not data:
        return {field: [translate(request, "Choose the scanned image of the signature box.")]}
    if not data.startswith(IMAGE_SIGNATURES):
        return {field: [translate(request, "signature_image_type")]}
    if len(data) > max_bytes:
        return {field: [translate(request, "signature_image_too_large")]}
    try:
        store(base64.b64encode(data).decode("ascii"))
    except ValidationFailed as exc:
        alert, fields = errors_of(request, exc)
        return {field: fields.get("signature") or [alert]}
    return {}


def chosen_status(request, statuses: tuple, default: str = "submitted") -> str:
    """A staff queue's `?status=` filter: one of `statuses`, else the default."""
    status = request.args.get("status", default)
    return status if status in statuses else default


def staff_search(request, values: dict, look_up, not_found: str) -> tuple[str | None, dict]:
    """A staff queue's search box (`?number=`), typed or scanned from a form's QR code with a
    hand scanner: (the number found, or None, and the page's context: `errors`, `alert`,
    `status`). `look_up(number)` raises NotFound for a number the caller may not see;
    `not_found` is the alert's msgid."""
    context = {"errors": {}, "alert": None, "status": 200}
    if "number" not in request.args:
        return None, context
    number = values["number"] = normalise_number(request.args["number"])
    if not number:
        return None, {**context, "errors": required(request, values, "number"), "status": 422}
    try:
        if not looks_like_number(number):
            raise NotFound(message="not a number of ours")
        look_up(number)
    except NotFound:
        return None, {**context, "alert": translate(request, not_found), "status": 404}
    return number, context


def return_with_reason(request, send, again, done) -> Response:
    """Staff return something to the company with a reason (a registration application, a
    change request): the reason is required; `send({"reason": ...})` asks the service,
    whose refusal is shown on the page again (`again(status=..., **context)`); `done()`
    is where the browser goes after it."""
    reason = request.form.get("reason", "").strip()
    values = {"reason": reason}
    if not reason:
        return again(status=422, values=values, errors=required(request, values, "reason"))
    try:
        send({"reason": reason})
    except (ValidationFailed, Conflict) as exc:
        alert, errors = errors_of(request, exc)
        return again(status=exc.status, values=values, alert=alert, errors=errors)
    return done()


def required(request, values: dict, *names) -> dict:
    """"Required" beside each of `names` left empty in `values` (checked here, before
    anything is sent, when the page must not send an empty form)."""
    message = translate(request, "Missing data for required field.")
    return {name: [message] for name in names if not values.get(name)}


def form_token_ok(request) -> bool:
    """A public form must echo the session's CSRF token even when the browser sent no cookie
    (web.check_csrf only checks requests that carry one): no login CSRF."""
    sent = request.form.get(web.CSRF_FIELD, "")
    return bool(sent) and hmac.compare_digest(sent, web.load_session(request)["csrf"])


def csrf_alert(request) -> str:
    return translate(request, "error.csrf_failed")


IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def idempotency_key(request) -> str:
    """The hidden key of a form that creates something (issue 12: an application, a sub ID):
    the one the form came back with (shown again after a refusal), else a new one."""
    sent = request.form.get("idempotency_key", "")
    return sent if IDEMPOTENCY_KEY.fullmatch(sent) else secrets.token_urlsafe(24)


def sent_idempotency_key(request, body: dict) -> str | None:
    """What a create form sends on as the service's idempotency key: its hidden key and a
    digest of what it creates. The same form sent again (after a 503) gets what the first
    sending made; the form changed and sent again (back, edit, send: another application
    like the first) makes another. `body` holds no password: the key is stored."""
    sent = request.form.get("idempotency_key", "")
    if not IDEMPOTENCY_KEY.fullmatch(sent):
        return None
    content = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return f"{sent}.{hashlib.sha256(content.encode()).hexdigest()[:16]}"


# --- the session ------------------------------------------------------------------------------

def remember(request, response: Response, **items) -> Response:
    """Keep `items` in the signed session cookie (None forgets one)."""
    session = web.load_session(request)
    for key, value in items.items():
        if value is None:
            session.pop(key, None)
        else:
            session[key] = value
    session["changed"] = True
    web.save_session(response, session)
    return response


def start_session(request, response: Response, session_id: str, cci_code: str) -> Response:
    """Keep the page login's session id (identity's cookie credential, not a bearer token)."""
    # A new CSRF token at login: forms rendered for an earlier session (another tab, another
    # ID in this browser) are refused instead of acting as the new ID.
    return remember(request, response, **{web.SESSION_ID: session_id}, cci_code=cci_code,
                    csrf=secrets.token_urlsafe(32))


def end_session(request, response: Response) -> Response:
    """Forget the session id; keep the chamber code, so the login page can be offered
    again."""
    return remember(request, response, **{web.SESSION_ID: None}, token=None,
                    csrf=secrets.token_urlsafe(32))


def login_path(cci_code: str) -> str:
    return f"/c/{cci_code}/login"


def back_here(request, default: str | None = None) -> str | None:
    """Where a login should return to: this page for a GET, else `default` (the login page
    puts it through `safe_next`)."""
    return request.full_path.rstrip("?") if request.method == "GET" else default


def to_login(request, exc: Unauthorized) -> Response:
    """ID-10: the session is over (replaced by a newer login, logged out, expired): go to the
    chamber's login page and say why. Without a chamber to go to, the error page says it."""
    session = web.load_session(request)
    cci_code = session.get("cci_code")
    if not cci_code:
        raise exc
    if exc.code == "session_replaced":
        notice = "session_replaced"
    else:
        notice = "session_ended" if session.get(web.SESSION_ID) else "unauthorized"
    return end_session(request, see_other(login_path(cci_code), notice,
                                          next=back_here(request)))


def session_page(fn):
    """Around `@authorized`: a 401 leads to the login page with the reason, a pending first-
    login step (ID-2, ID-5) to its page; anything else is the error page."""

    @functools.wraps(fn)  # keeps `.action` for the route table
    def route(self, request, **kwargs):
        try:
            return fn(self, request, **kwargs)
        except Unauthorized as exc:
            return to_login(request, exc)
        except Forbidden as exc:
            if exc.code not in FIRST_LOGIN_STEPS or request.path == FIRST_LOGIN_STEPS[exc.code]:
                raise
            return see_other(FIRST_LOGIN_STEPS[exc.code], exc.code)

    return route


def staff_page(fn):
    """`session_page` for chamber staff; when this browser has never logged in, to the login
    page of the only chamber there is, else a choice of chambers."""
    inner = session_page(fn)

    @functools.wraps(fn)  # keeps `.action` for the route table
    def route(self, request, **kwargs):
        try:
            return inner(self, request, **kwargs)
        except Unauthorized:
            back = back_here(request, "/staff/registrations")
            chambers = self.identity.list_chambers()
            if len(chambers) == 1:
                return see_other(login_path(chambers[0]["cci_code"]), "unauthorized",
                                 next=back)
            return render(request, "registration/staff_login.html", status=401,
                          chambers=chambers, back=back)

    return route
