"""The account pages (ID-1 … ID-9): log in and out, the own ID and password, e-mail
verification, the admin's signers, the signer's sub IDs and the holder's activation.

Server-rendered forms, POST → redirect → GET, no script needed. Each route names its ID-7
action with `@authorized` exactly like the API routes, so identity's one `authorize` path
decides for the pages too; `@session_page` only turns "the session is over" into the chamber's
login page with the reason (ID-10) and a pending first-login step into that step's page."""
import functools
import hmac
import math
import re
import secrets
import unicodedata
from urllib.parse import urlencode

from werkzeug.utils import redirect

from gateway import i18n, web
from gateway.auth import authorized, public, token_of
from gateway.http import http
from gateway.i18n import translate
from services.identity.exceptions import AccountNotFound
from tradecert.errors import (
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    TooManyAttempts,
    TradecertError,
    Unauthorized,
    ValidationFailed,
)

# ID-6.2: the subject the signer starts from (editable).
SUB_ID_NOTICE_SUBJECT = "【貿易関係証明発給システム】サブID付与のお知らせ"

# ?notice=<code> after a redirect: only these fixed texts, so a crafted link cannot put its
# own words on a page. (role, msgid); %(login_id)s comes from ?login_id=, checked below.
NOTICES = {
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
}
LOGIN_ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,32}")  # each used with fullmatch
CODE_PATTERN = re.compile(r"[0-9]{6}")
CCI_CODE_PATTERN = re.compile(r"[0-9]{4}")
SAFE_PATH = re.compile(r"/(?![/\\])[!-\[\]-~]*")  # printable ASCII, no backslash
# The first-login steps (ID-2, ID-5): a page refused for one of them opens that step.
FIRST_LOGIN_STEPS = {"password_change_required": "/me/password",
                     "email_verification_required": "/me/email-verification"}


# --- helpers: rendering, redirects, the session --------------------------------------------

def notice_of(request) -> dict | None:
    code = request.args.get("notice", "")
    if code not in NOTICES:
        return None
    role, msgid = NOTICES[code]
    login_id = request.args.get("login_id", "")
    if "%(login_id)s" in msgid and not LOGIN_ID_PATTERN.fullmatch(login_id):
        return None
    return {"role": role, "text": translate(request, msgid, **(
        {"login_id": login_id} if "%(login_id)s" in msgid else {}))}


def render(request, template: str, status: int = 200, headers=None, **context):
    """An account page: the template under templates/account/, with the redirect's notice."""
    context.setdefault("account", None)
    context.setdefault("errors", {})
    if context["errors"] and not context.get("alert"):  # fields to fix: say so at the top too
        context["alert"] = translate(request, "error.validation_failed")
    context.setdefault("alert", None)
    context.setdefault("values", {})
    return web.render(request, f"account/{template}", status=status, headers=headers,
                      notice=notice_of(request), **context)


def see_other(path: str, notice: str | None = None, **params):
    """PRG: a POST answers 303, and the browser GETs the result page."""
    query = {k: v for k, v in {"notice": notice, **params}.items() if v}
    return redirect(path + ("?" + urlencode(query) if query else ""), code=303)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never `//host`, `/\\host`, nor a tab or newline that a
    browser would drop to make one."""
    return target if target and SAFE_PATH.fullmatch(target) else None


def errors_of(request, exc: TradecertError) -> tuple[str, dict]:
    """The page's alert and each field's messages, translated like the API's error body."""
    payload = i18n.error_payload(exc, i18n.negotiate(request))["error"]
    return payload["message"], payload["fields"]


def form_token_ok(request) -> bool:
    """A public form must echo the session's CSRF token even when the browser sent no cookie
    (web.check_csrf only checks requests that carry one): no login CSRF."""
    sent = request.form.get(web.CSRF_FIELD, "")
    return bool(sent) and hmac.compare_digest(sent, web.load_session(request)["csrf"])


def csrf_alert(request) -> str:
    return translate(request, "error.csrf_failed")


def form_values(request, *names) -> dict:
    return {name: request.form.get(name, "").strip() for name in names}


def missing(request, values: dict, *required) -> dict:
    message = translate(request, "Missing data for required field.")
    return {name: [message] for name in required if not values.get(name)}


def mismatch(request, password: str, confirmation: str, field: str) -> dict:
    """ID-2: the confirmation is checked here, before anything is sent."""
    if password and confirmation and password != confirmation:
        return {field: [translate(request, "password_mismatch")]}
    return {}


def retry_after(exc: TradecertError) -> int:
    return int(exc.params.get("retry_after_s", 60))


def start_session(request, response, token: str, cci_code: str):
    session = web.load_session(request)
    # A new CSRF token at login: forms rendered for an earlier session (another tab, another
    # ID in this browser) are refused instead of acting as the new ID.
    session.update(token=token, cci_code=cci_code, csrf=secrets.token_urlsafe(32),
                   changed=True)
    web.save_session(response, session)
    return response


def end_session(request, response):
    """Forget the token; keep the chamber code, so the login page can be offered again."""
    session = web.load_session(request)
    session.pop("token", None)
    session.update(csrf=secrets.token_urlsafe(32), changed=True)
    web.save_session(response, session)
    return response


def login_path(cci_code: str) -> str:
    return f"/c/{cci_code}/login"


def to_login(request, exc: Unauthorized):
    """ID-10: the session is over (replaced by a newer login, logged out, expired): go to the
    chamber's login page and say why. Without a chamber to go to, the error page says it."""
    session = web.load_session(request)
    cci_code = session.get("cci_code")
    if not cci_code:
        raise exc
    if exc.code == "session_replaced":
        notice = "session_replaced"
    else:
        notice = "session_ended" if session.get("token") else "unauthorized"
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return end_session(request, see_other(login_path(cci_code), notice, next=back))


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


def after_login(result: dict, next_path: str | None) -> str:
    if result["must_change_password"]:
        return "/me/password"  # ID-2
    if result["must_verify_email"]:
        return "/me/email-verification"  # ID-5
    return safe_next(next_path) or "/me"


class AccountPages:
    # --- ID-1: log in and out ----------------------------------------------------------------

    @http("GET", "/c/<cci_code>/login", page=True)
    @public
    def login_form(self, request, cci_code):
        chamber = self.identity.get_chamber(cci_code)
        return render(request, "login.html", chamber=chamber,
                      values={"next": safe_next(request.args.get("next")) or ""})

    @http("POST", "/c/<cci_code>/login", page=True)
    @public
    def login_submit(self, request, cci_code):
        chamber = self.identity.get_chamber(cci_code)
        values = form_values(request, "login_id", "next")
        password = request.form.get("password", "")

        def again(status, alert=None, errors=None, headers=None):
            return render(request, "login.html", status=status, headers=headers,
                          chamber=chamber, values=values, alert=alert, errors=errors or {})

        if not form_token_ok(request):
            return again(403, csrf_alert(request))
        errors = missing(request, {**values, "password": password}, "login_id", "password")
        if errors:
            return again(422, errors=errors)
        try:
            result = self.identity.login({"cci_code": cci_code, "login_id": values["login_id"],
                                          "password": password})
        except TooManyAttempts as exc:
            seconds = retry_after(exc)
            return again(429, translate(request, "Too many failed logins. Try again in "
                                                 "%(minutes)s minutes.",
                                        minutes=max(1, math.ceil(seconds / 60))),
                         headers={"Retry-After": str(seconds)})
        except (Unauthorized, ValidationFailed):
            # ID-1: one answer for an unknown ID and a wrong password
            return again(401, translate(request, "error.invalid_credentials"))
        response = see_other(after_login(result, values["next"]))
        return start_session(request, response, result["token"], cci_code)

    @http("GET", "/logout", page=True)
    @session_page
    @authorized("session.end")
    def logout_form(self, request, caller):
        return render(request, "logout.html", account=caller)

    @http("POST", "/logout", page=True)
    @session_page
    @authorized("session.end")
    def logout_submit(self, request, caller):
        self.identity.logout(token_of(request))
        return end_session(request, see_other(login_path(caller["cci_code"]), "logged_out"))

    # --- the own ID (ID-2, ID-5) --------------------------------------------------------------

    @http("GET", "/me", page=True)
    @session_page
    @authorized("me.view")
    def me_page(self, request, caller):
        return render(request, "me.html", account=caller, me=self.identity.me(caller))

    @http("GET", "/me/password", page=True)
    @session_page
    @authorized("password.change")
    def password_form(self, request, caller):
        return render(request, "password.html", account=caller)

    @http("POST", "/me/password", page=True)
    @session_page
    @authorized("password.change")
    def password_submit(self, request, caller):
        form = request.form
        values = {name: form.get(name, "") for name in
                  ("current_password", "new_password", "new_password_confirm")}
        errors = {**mismatch(request, values["new_password"], values["new_password_confirm"],
                             "new_password_confirm"), **missing(request, values, *values)}
        if errors:
            return render(request, "password.html", status=422, account=caller, errors=errors)
        try:
            self.identity.change_password(caller, {
                "current_password": values["current_password"],
                "new_password": values["new_password"]})
        except ValidationFailed as exc:
            alert, errors = errors_of(request, exc)
            return render(request, "password.html", status=exc.status, account=caller,
                          alert=alert, errors=errors)
        if caller["must_verify_email"]:
            return see_other("/me/email-verification", "password_changed")
        return see_other("/me", "password_changed")

    @http("GET", "/me/email-verification", page=True)
    @session_page
    @authorized("email.verify")
    def email_verification_page(self, request, caller):
        return render(request, "email_verification.html", account=caller,
                      me=self.identity.me(caller))

    @http("POST", "/me/email-verification", page=True)
    @session_page
    @authorized("email.verify")
    def email_verification_submit(self, request, caller):
        """ID-5: confirm the code (then log in again), send a new one, or change the address
        and send one there."""
        step = request.form.get("step")
        # Full-width digits and spaces, as typed from a Japanese keyboard, are still the code.
        code = re.sub(r"\s", "", unicodedata.normalize("NFKC", request.form.get("code", "")))
        email = request.form.get("email", "").strip()
        values = {"code": code, "email": email}

        def again(status, alert=None, errors=None, headers=None):
            return render(request, "email_verification.html", status=status, headers=headers,
                          account=caller, me=self.identity.me(caller), values=values,
                          alert=alert, errors=errors or {})

        try:
            if step == "confirm":
                if not CODE_PATTERN.fullmatch(code):
                    return again(422, errors={"code": [translate(
                        request, "Enter the 6-digit code from the mail.")]})
                self.identity.confirm_email_verification(caller, {"code": code})
                self.identity.logout(token_of(request))  # ID-5: "returns to login"
                return end_session(request, see_other(login_path(caller["cci_code"]),
                                                      "email_verified"))
            if step == "change":
                if not email:
                    return again(422, errors=missing(request, values, "email"))
                self.identity.request_email_verification(caller, {"email": email})
            else:
                self.identity.request_email_verification(caller, {})
        except TooManyAttempts as exc:
            seconds = retry_after(exc)
            return again(429, translate(request, "A code was sent a moment ago. You can "
                                                 "request another in %(seconds)s seconds.",
                                        seconds=seconds), headers={"Retry-After": str(seconds)})
        except ValidationFailed as exc:
            alert, errors = errors_of(request, exc)
            return again(exc.status, alert, errors)
        return see_other("/me/email-verification", "code_sent")

    # --- admin ID: signers (ID-3, ID-4, ID-6.4, ID-6.5) ---------------------------------------

    @http("GET", "/signers", page=True)
    @session_page
    @authorized("signers.view")
    def signers_page(self, request, caller):
        return render(request, "signers.html", account=caller,
                      signers=self.identity.list_signers(caller))

    @http("GET", "/signers/<login_id>/password", page=True)
    @session_page
    @authorized("signers.set_password")
    def signer_password_form(self, request, caller, login_id):
        return render(request, "set_password.html", account=caller, target="signer",
                      subject=self._signer(caller, login_id))

    @http("POST", "/signers/<login_id>/password", page=True)
    @session_page
    @authorized("signers.set_password")
    def signer_password_submit(self, request, caller, login_id):
        signer = self._signer(caller, login_id)
        return self._set_password(request, caller, "signer", signer,
                                  self.identity.set_signer_password, "signer_password_set")

    @http("GET", "/signers/sub-ids/<login_id>/password", page=True)
    @session_page
    @authorized("sub_ids.set_password")
    def sub_id_password_form(self, request, caller, login_id):
        return render(request, "set_password.html", account=caller, target="sub_id",
                      subject=self._sub_of_signers(caller, login_id))

    @http("POST", "/signers/sub-ids/<login_id>/password", page=True)
    @session_page
    @authorized("sub_ids.set_password")
    def sub_id_password_submit(self, request, caller, login_id):
        sub = self._sub_of_signers(caller, login_id)
        return self._set_password(request, caller, "sub_id", sub,
                                  self.identity.set_sub_id_password, "sub_id_password_set")

    # --- user ID: sub IDs (ID-6.1, 6.2, 6.5, 6.6) ----------------------------------------------

    @http("GET", "/sub-ids", page=True)
    @session_page
    @authorized("sub_ids.manage")
    def sub_ids_page(self, request, caller):
        return render(request, "sub_ids.html", account=caller,
                      sub_ids=self.identity.list_sub_ids(caller))

    @http("POST", "/sub-ids", page=True)
    @session_page
    @authorized("sub_ids.manage")
    def sub_id_create(self, request, caller):
        values = form_values(request, "name", "email", "phone")
        password = request.form.get("password", "")
        confirmation = request.form.get("password_confirm", "")
        errors = {**mismatch(request, password, confirmation, "password_confirm"),
                  **missing(request, {**values, "password": password,
                                      "password_confirm": confirmation},
                            "name", "password", "password_confirm", "email")}
        alert = None
        if not errors:
            try:
                created = self.identity.create_sub_id(caller, {
                    **values, "password": password, "phone": values["phone"] or None})
            except ValidationFailed as exc:
                alert, errors = errors_of(request, exc)
            else:
                return see_other("/sub-ids", "sub_id_created", login_id=created["login_id"])
        return render(request, "sub_ids.html", status=422, account=caller, values=values,
                      alert=alert, errors=errors, sub_ids=self.identity.list_sub_ids(caller))

    @http("GET", "/sub-ids/<login_id>/edit", page=True)
    @session_page
    @authorized("sub_ids.manage")
    def sub_id_edit_form(self, request, caller, login_id):
        sub = self._own_sub(caller, login_id)
        return render(request, "sub_id_edit.html", account=caller, sub=sub,
                      values={k: sub.get(k) or "" for k in ("name", "email", "phone")})

    @http("POST", "/sub-ids/<login_id>/edit", page=True)
    @session_page
    @authorized("sub_ids.manage")
    def sub_id_edit_submit(self, request, caller, login_id):
        sub = self._own_sub(caller, login_id)
        values = form_values(request, "name", "email", "phone")
        errors, alert = missing(request, values, "name", "email"), None
        if not errors:
            try:
                self.identity.update_sub_id(caller, login_id,
                                            {**values, "phone": values["phone"] or None})
            except ValidationFailed as exc:
                alert, errors = errors_of(request, exc)
            else:
                return see_other("/sub-ids", "sub_id_updated", login_id=login_id)
        return render(request, "sub_id_edit.html", status=422, account=caller, sub=sub,
                      values=values, alert=alert, errors=errors)

    @http("GET", "/sub-ids/<login_id>/delete", page=True)
    @session_page
    @authorized("sub_ids.manage")
    def sub_id_delete_form(self, request, caller, login_id):
        return render(request, "sub_id_delete.html", account=caller,
                      sub=self._own_sub(caller, login_id))

    @http("POST", "/sub-ids/<login_id>/delete", page=True)
    @session_page
    @authorized("sub_ids.manage")
    def sub_id_delete_submit(self, request, caller, login_id):
        self.identity.delete_sub_id(caller, login_id)  # ID-6.6: final
        return see_other("/sub-ids", "sub_id_deleted", login_id=login_id)

    @http("GET", "/sub-ids/<login_id>/notify", page=True)
    @session_page
    @authorized("sub_ids.manage")
    def sub_id_notify_form(self, request, caller, login_id):
        sub = self._own_sub(caller, login_id)
        chamber = self.identity.get_chamber(caller["cci_code"])
        body = web.templates.get_template("account/sub_id_notice_body.txt").render(
            sub=sub, signer=caller, chamber=chamber)
        values = {"target_trade_registration_number": caller["trade_registration_number"] or "",
                  "target_phone": sub.get("phone") or "", "target_email": sub["email"],
                  "subject": SUB_ID_NOTICE_SUBJECT, "body": body}
        return render(request, "sub_id_notify.html", account=caller, sub=sub, values=values)

    @http("POST", "/sub-ids/<login_id>/notify", page=True)
    @session_page
    @authorized("sub_ids.manage")
    def sub_id_notify_submit(self, request, caller, login_id):
        """ID-6.2: the form, then a confirmation of exactly what will be sent, then send."""
        sub = self._own_sub(caller, login_id)
        values = form_values(request, "target_trade_registration_number", "target_phone",
                             "target_email", "subject")
        values["body"] = request.form.get("body", "").replace("\r\n", "\n").strip()
        step = request.form.get("step")
        errors = missing(request, values, "target_trade_registration_number", "target_email",
                         "subject", "body")
        if step == "confirm" and not errors:
            return render(request, "sub_id_notify_confirm.html", account=caller, sub=sub,
                          values=values)
        if step == "edit":
            return render(request, "sub_id_notify.html", account=caller, sub=sub, values=values)
        alert, status = None, 422
        if step == "send" and not errors:
            try:
                self.identity.notify_sub_id(caller, login_id, {
                    **values, "target_phone": values["target_phone"] or None})
            except (ValidationFailed, NotFound) as exc:
                if not exc.fields:  # the sub ID itself is gone: the error page
                    raise
                alert, errors = errors_of(request, exc)
                status = exc.status
            else:
                return see_other("/sub-ids", "sub_id_notified", login_id=login_id)
        return render(request, "sub_id_notify.html", status=status, account=caller, sub=sub,
                      values=values, alert=alert, errors=errors)

    # --- the sub ID's holder (ID-6.3) ------------------------------------------------------------

    @http("GET", "/sub-id/activate", page=True)
    @public
    def sub_id_activation_form(self, request):
        token = request.args.get("token", "")
        if not token:
            return render(request, "activate.html", status=410, state="invalid")
        return render(request, "activate.html", state="form", token=token)

    @http("POST", "/sub-id/activate", page=True)
    @public
    def sub_id_activation_submit(self, request):
        token = request.args.get("token", "") or request.form.get("token", "")
        password = request.form.get("password", "")

        def again(status, state="form", alert=None, errors=None):
            return render(request, "activate.html", status=status, state=state, token=token,
                          alert=alert, errors=errors or {})

        if not form_token_ok(request):
            return again(403, alert=csrf_alert(request))
        if not password:
            return again(422, errors=missing(request, {}, "password"))
        try:
            result = self.identity.activate_sub_id({"activation_token": token,
                                                    "password": password})
        except Gone:
            return again(410, "invalid")  # used, cancelled by a reset, or expired
        except Conflict:
            return again(409, "not_notified")
        except ValidationFailed as exc:
            if "activation_token" in exc.fields:
                return again(410, "invalid")
            alert, errors = errors_of(request, exc)
            return again(exc.status, alert=alert, errors=errors)
        return see_other("/sub-id/activated", cci_code=self._chamber_of(result))

    @http("GET", "/sub-id/activated", page=True)
    @public
    def sub_id_activated_page(self, request):
        cci_code = request.args.get("cci_code", "")
        return render(request, "activated.html",
                      cci_code=cci_code if CCI_CODE_PATTERN.fullmatch(cci_code) else None)

    # --- lookups and the shared password form ------------------------------------------------

    def _signer(self, caller, login_id) -> dict:
        for signer in self.identity.list_signers(caller):
            if signer["login_id"] == login_id:
                return signer
        raise AccountNotFound(message=f"no user ID {login_id}")

    def _sub_of_signers(self, caller, login_id) -> dict:
        for signer in self.identity.list_signers(caller):
            for sub in signer["sub_ids"]:
                if sub["login_id"] == login_id:
                    return {**sub, "signer": signer}
        raise AccountNotFound(message=f"no sub ID {login_id}")

    def _own_sub(self, caller, login_id) -> dict:
        for sub in self.identity.list_sub_ids(caller):
            if sub["login_id"] == login_id:
                return sub
        raise AccountNotFound(message=f"no sub ID {login_id}")

    def _chamber_of(self, activation: dict | None) -> str | None:
        """The chamber whose login page to offer after an activation: identity's answer when
        it names one, else the only chamber there is (else the page lists them)."""
        if activation and activation.get("cci_code"):
            return activation["cci_code"]
        chambers = self.identity.list_chambers()
        return chambers[0]["cci_code"] if len(chambers) == 1 else None

    def _set_password(self, request, caller, target, subject, rpc, notice):
        """ID-4 (a signer's) and ID-6.5 (a sub ID's): new password and its confirmation."""
        new = request.form.get("new_password", "")
        confirmation = request.form.get("new_password_confirm", "")
        errors = {**mismatch(request, new, confirmation, "new_password_confirm"),
                  **missing(request, {"new_password": new, "new_password_confirm": confirmation},
                            "new_password", "new_password_confirm")}
        alert = None
        if not errors:
            try:
                rpc(caller, subject["login_id"], {"new_password": new})
            except ValidationFailed as exc:
                alert, errors = errors_of(request, exc)
            else:
                return see_other("/signers", notice, login_id=subject["login_id"])
        return render(request, "set_password.html", status=422, account=caller, target=target,
                      subject=subject, alert=alert, errors=errors)
