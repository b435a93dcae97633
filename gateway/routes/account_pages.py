"""The account pages (ID-1 … ID-9): log in and out, the own ID and password, e-mail
verification, the admin's signers, the signer's sub IDs and the holder's activation.

Server-rendered forms, POST → redirect → GET, no script needed. Each route names its ID-7
action with `@authorized` exactly like the API routes, so identity's one `authorize` path
decides for the pages too; `@session_page` only turns "the session is over" into the chamber's
login page with the reason (ID-10) and a pending first-login step into that step's page."""
import math
import re

from gateway import web
from gateway.auth import authorized, credential_of, public
from gateway.forms import stripped
from gateway.forms.account import (
    CODE_PATTERN,
    PASSWORD_CHANGE_FIELDS,
    mismatch,
    notification_from_form,
    notification_values,
    sub_id_from_form,
    sub_id_values,
    verification_code,
)
from gateway.http import client_address, http, pdf_response
from gateway.i18n import translate
from gateway.pages import (
    LOGIN_ID_PATTERN,
    csrf_alert,
    end_session,
    errors_of,
    form_token_ok,
    idempotency_key,
    login_path,
    remember,
    render,
    required,
    safe_next,
    see_other,
    sent_idempotency_key,
    session_page,
    start_session,
    too_many,
)
from services.identity.exceptions import AccountNotFound
from tradecert.errors import (
    Conflict,
    Gone,
    NotFound,
    TooManyAttempts,
    Unauthorized,
    ValidationFailed,
)

CCI_CODE_PATTERN = re.compile(r"[0-9]{4}")
# The signer registration certificate this browser output last (ID-3), served by a GET that
# renders nothing: {cci_code, login_id, file_id}.
SIGNER_CERTIFICATE = "signer_certificate"
ACTIVATION_TOKEN = "sub_id_activation_token"  # ID-6.3: the mailed link's, kept in the session


def retry_after(exc: TooManyAttempts) -> int:
    return int(exc.params.get("retry_after_s", 60))


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
        login_id = request.args.get("login_id", "")  # after e-mail verification (issue 9)
        return render(request, "account/login.html", chamber=chamber,
                      values={"next": safe_next(request.args.get("next")) or "",
                              "login_id": login_id if LOGIN_ID_PATTERN.fullmatch(login_id)
                              else ""})

    @http("POST", "/c/<cci_code>/login", page=True)
    @public
    def login_submit(self, request, cci_code):
        chamber = self.identity.get_chamber(cci_code)
        values = stripped(request.form, "login_id", "next")
        password = request.form.get("password", "")

        def again(status, alert=None, errors=None, headers=None):
            return render(request, "account/login.html", status=status, headers=headers,
                          chamber=chamber, values=values, alert=alert, errors=errors or {})

        if not form_token_ok(request):
            return again(403, csrf_alert(request))
        errors = required(request, {**values, "password": password}, "login_id", "password")
        if errors:
            return again(422, errors=errors)
        try:
            # the page's own credential: the cookie never carries a bearer token
            result = self.identity.login({"cci_code": cci_code, "login_id": values["login_id"],
                                          "password": password}, "cookie",
                                         client_address(request))
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
        return render(request, "account/logout.html", account=caller)

    @http("POST", "/logout", page=True)
    @session_page
    @authorized("session.end")
    def logout_submit(self, request, caller):
        self.identity.logout(*credential_of(request))
        return end_session(request, see_other(login_path(caller["cci_code"]), "logged_out"))

    # --- the own ID (ID-2, ID-5) --------------------------------------------------------------

    @http("GET", "/me", page=True)
    @session_page
    @authorized("me.view")
    def me_page(self, request, caller):
        return render(request, "account/me.html", account=caller, me=self.identity.me(caller))

    @http("GET", "/me/password", page=True)
    @session_page
    @authorized("password.change")
    def password_form(self, request, caller):
        return render(request, "account/password.html", account=caller)

    @http("POST", "/me/password", page=True)
    @session_page
    @authorized("password.change")
    def password_submit(self, request, caller):
        values = {name: request.form.get(name, "") for name in PASSWORD_CHANGE_FIELDS}
        errors = {**mismatch(request, values["new_password"], values["new_password_confirm"],
                             "new_password_confirm"), **required(request, values, *values)}
        if errors:
            return render(request, "account/password.html", status=422, account=caller,
                          errors=errors)
        try:
            self.identity.change_password(caller, {
                "current_password": values["current_password"],
                "new_password": values["new_password"]}, client_address(request))
        except TooManyAttempts as exc:  # wrong current passwords count as failed logins
            alert, headers = too_many(request, exc)
            return render(request, "account/password.html", status=429, headers=headers,
                          account=caller, alert=alert)
        except ValidationFailed as exc:
            alert, errors = errors_of(request, exc)
            return render(request, "account/password.html", status=exc.status, account=caller,
                          alert=alert, errors=errors)
        if caller["must_verify_email"]:
            return see_other("/me/email-verification", "password_changed")
        return see_other("/me", "password_changed")

    @http("GET", "/me/email-verification", page=True)
    @session_page
    @authorized("email.verify")
    def email_verification_page(self, request, caller):
        return render(request, "account/email_verification.html", account=caller,
                      me=self.identity.me(caller))

    @http("POST", "/me/email-verification", page=True)
    @session_page
    @authorized("email.verify")
    def email_verification_submit(self, request, caller):
        """ID-5: confirm the code (then log in again), send a new one, or change the address
        and send one there."""
        step = request.form.get("step")
        code = verification_code(request.form)
        email = request.form.get("email", "").strip()
        values = {"code": code, "email": email}

        def again(status, alert=None, errors=None, headers=None):
            return render(request, "account/email_verification.html", status=status,
                          headers=headers, account=caller, me=self.identity.me(caller),
                          values=values, alert=alert, errors=errors or {})

        try:
            if step == "confirm":
                if not CODE_PATTERN.fullmatch(code):
                    return again(422, errors={"code": [translate(
                        request, "Enter the 6-digit code from the mail.")]})
                self.identity.confirm_email_verification(caller, {"code": code})
                self.identity.logout(*credential_of(request))  # ID-5: "returns to login"
                # issue 9: the login page has the ID filled in
                return end_session(request, see_other(login_path(caller["cci_code"]),
                                                      "email_verified",
                                                      login_id=caller["login_id"]))
            if step == "change":
                if not email:
                    return again(422, errors=required(request, values, "email"))
                self.identity.request_email_verification(caller, {"email": email},
                                                         client_address(request))
            else:
                self.identity.request_email_verification(caller, {}, client_address(request))
        except TooManyAttempts as exc:
            if exc.code != "verification_resend_too_soon":  # today's codes used up (ID-5)
                alert, headers = too_many(request, exc)
                return again(429, alert, headers=headers)
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
        return render(request, "account/signers.html", account=caller,
                      signers=self.identity.list_signers(caller))

    @http("POST", "/signers/<login_id>/certificate", page=True)
    @session_page
    @authorized("signer_certificates.output")
    def signer_certificate_output(self, request, caller, login_id):
        """ID-3: outputting a signer registration certificate starts its one-day password
        window, so on the pages it is a POST with the CSRF token (issue 9: no cookie GET
        changes state); then the browser GETs the PDF just rendered."""
        self._signer(caller, login_id)  # another company's ID: 404, as the API answers
        rendered = self.identity.signer_certificate(caller, login_id)
        return remember(request, see_other(f"/signers/{login_id}/certificate.pdf"), **{
            SIGNER_CERTIFICATE: {"cci_code": caller["cci_code"], "login_id": login_id,
                                 "file_id": rendered["file_id"]}})

    @http("GET", "/signers/<login_id>/certificate.pdf", page=True)
    @session_page
    @authorized("signer_certificates.output")
    def signer_certificate_pdf(self, request, caller, login_id):
        """The certificate this browser output last (the POST above); renders nothing and
        changes nothing. Without one, back to the signers page to output it."""
        kept = web.load_session(request).get(SIGNER_CERTIFICATE) or {}
        if kept.get("cci_code") != caller["cci_code"] or kept.get("login_id") != login_id:
            return see_other("/signers", fragment=f"signer-{login_id}")
        self._signer(caller, login_id)
        return pdf_response(self.documents.fetch(kept["file_id"]),
                            f"signer-registration-certificate-{login_id}.pdf")

    @http("GET", "/signers/<login_id>/password", page=True)
    @session_page
    @authorized("signers.set_password")
    def signer_password_form(self, request, caller, login_id):
        return render(request, "account/set_password.html", account=caller, target="signer",
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
        return render(request, "account/set_password.html", account=caller, target="sub_id",
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
        return render(request, "account/sub_ids.html", account=caller,
                      sub_ids=self.identity.list_sub_ids(caller),
                      idempotency_key=idempotency_key(request))

    @http("POST", "/sub-ids", page=True)
    @session_page
    @authorized("sub_ids.manage")
    def sub_id_create(self, request, caller):
        body, values = sub_id_from_form(request.form)
        password = request.form.get("password", "")
        confirmation = request.form.get("password_confirm", "")
        errors = {**mismatch(request, password, confirmation, "password_confirm"),
                  **required(request, {**values, "password": password,
                                       "password_confirm": confirmation},
                             "name", "password", "password_confirm", "email")}
        alert = None
        if not errors:
            try:
                created = self.identity.create_sub_id(  # issue 12: sent again, the same
                    caller, {**body, "password": password},
                    sent_idempotency_key(request, body))
            except ValidationFailed as exc:
                alert, errors = errors_of(request, exc)
            else:
                return see_other("/sub-ids", "sub_id_created", login_id=created["login_id"])
        return render(request, "account/sub_ids.html", status=422, account=caller, values=values,
                      alert=alert, errors=errors, sub_ids=self.identity.list_sub_ids(caller),
                      idempotency_key=idempotency_key(request))

    @http("GET", "/sub-ids/<login_id>/edit", page=True)
    @session_page
    @authorized("sub_ids.manage")
    def sub_id_edit_form(self, request, caller, login_id):
        sub = self._own_sub(caller, login_id)
        return render(request, "account/sub_id_edit.html", account=caller, sub=sub,
                      values=sub_id_values(sub))

    @http("POST", "/sub-ids/<login_id>/edit", page=True)
    @session_page
    @authorized("sub_ids.manage")
    def sub_id_edit_submit(self, request, caller, login_id):
        sub = self._own_sub(caller, login_id)
        body, values = sub_id_from_form(request.form)
        errors, alert = required(request, values, "name", "email"), None
        if not errors:
            try:
                self.identity.update_sub_id(caller, login_id, body)
            except ValidationFailed as exc:
                alert, errors = errors_of(request, exc)
            else:
                return see_other("/sub-ids", "sub_id_updated", login_id=login_id)
        return render(request, "account/sub_id_edit.html", status=422, account=caller, sub=sub,
                      values=values, alert=alert, errors=errors)

    @http("GET", "/sub-ids/<login_id>/delete", page=True)
    @session_page
    @authorized("sub_ids.manage")
    def sub_id_delete_form(self, request, caller, login_id):
        return render(request, "account/sub_id_delete.html", account=caller,
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
        values = notification_values(caller, sub, body)
        return render(request, "account/sub_id_notify.html", account=caller, sub=sub, values=values)

    @http("POST", "/sub-ids/<login_id>/notify", page=True)
    @session_page
    @authorized("sub_ids.manage")
    def sub_id_notify_submit(self, request, caller, login_id):
        """ID-6.2: the form, then a confirmation of exactly what will be sent, then send."""
        sub = self._own_sub(caller, login_id)
        notification, values = notification_from_form(request.form)
        step = request.form.get("step")
        errors = required(request, values, "target_trade_registration_number", "target_email",
                          "subject", "body")
        if step == "confirm" and not errors:
            return render(request, "account/sub_id_notify_confirm.html", account=caller, sub=sub,
                          values=values)
        if step == "edit":
            return render(request, "account/sub_id_notify.html", account=caller, sub=sub,
                          values=values)
        alert, status = None, 422
        if step == "send" and not errors:
            try:
                self.identity.notify_sub_id(caller, login_id, notification,
                                            client_address(request))
            except TooManyAttempts as exc:  # today's notifications used up (issue 9)
                alert, headers = too_many(request, exc)
                return render(request, "account/sub_id_notify_confirm.html", status=429,
                              headers=headers, account=caller, sub=sub, values=values,
                              alert=alert)
            except (ValidationFailed, NotFound) as exc:
                if not exc.fields:  # the sub ID itself is gone: the error page
                    raise
                alert, errors = errors_of(request, exc)
                status = exc.status
            else:
                return see_other("/sub-ids", "sub_id_notified", login_id=login_id)
        return render(request, "account/sub_id_notify.html", status=status, account=caller, sub=sub,
                      values=values, alert=alert, errors=errors)

    # --- the sub ID's holder (ID-6.3) ------------------------------------------------------------

    @http("GET", "/sub-id/activate", page=True)
    @public
    def sub_id_activation_form(self, request):
        """The link says at once when it was used, cancelled or is too old (issue 9), with
        the way to the chamber's login. The mailed link's token goes into the session and
        the browser on to the same page without it (issue 9: tokens leave the address)."""
        token = request.args.get("token", "")
        if token:
            return remember(request, see_other("/sub-id/activate",
                                               lang=request.args.get("lang")),
                            **{ACTIVATION_TOKEN: token})
        token = web.load_session(request).get(ACTIVATION_TOKEN, "")
        try:
            if not token:
                raise Gone(code="activation_invalid", message="the link lacks its token")
            found = self.identity.check_sub_id_activation(token)
        except (Gone, Conflict) as exc:
            return self._activation_problem(request, exc, token)
        except ValidationFailed:  # not a token at all
            return self._activation_problem(request, Gone(code="activation_invalid"), token)
        return render(request, "account/activate.html", state="form", token=token,
                      chamber=self.identity.get_chamber(found["cci_code"]))

    @http("POST", "/sub-id/activate", page=True)
    @public
    def sub_id_activation_submit(self, request):
        # the session's (the link's token left the address); a form sent with the token in
        # its address, as before, still works
        token = request.args.get("token", "") or \
            web.load_session(request).get(ACTIVATION_TOKEN, "")
        password = request.form.get("password", "")

        def again(status, state="form", alert=None, errors=None):
            return render(request, "account/activate.html", status=status, state=state, token=token,
                          alert=alert, errors=errors or {})

        if not form_token_ok(request):
            return again(403, alert=csrf_alert(request))
        if not password:
            return again(422, errors=required(request, {}, "password"))
        try:
            result = self.identity.activate_sub_id({"activation_token": token,
                                                    "password": password})
        except (Gone, Conflict) as exc:  # used, cancelled by a reset, expired; not notified
            return self._activation_problem(request, exc, token)
        except ValidationFailed as exc:
            if "activation_token" in exc.fields:
                return self._activation_problem(request, Gone(code="activation_invalid"), token)
            alert, errors = errors_of(request, exc)
            return again(exc.status, alert=alert, errors=errors)
        return see_other("/sub-id/activated", cci_code=self._chamber_of(result))

    @http("GET", "/sub-id/activated", page=True)
    @public
    def sub_id_activated_page(self, request):
        cci_code = request.args.get("cci_code", "")
        return render(request, "account/activated.html",
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

    def _activation_problem(self, request, exc, token):
        """ID-6.3: a link that was used (the sub ID is active: log in), cancelled or expired
        (ask the signer again), or whose sub ID was never notified; with the chamber's login
        when identity names the chamber (issue 9)."""
        cci_code = self._chamber_of(exc.params)
        if isinstance(exc, Conflict):
            state = "not_notified"
        else:
            state = "used" if exc.params.get("reason") == "used" else "invalid"
        return render(request, "account/activate.html", status=exc.status, state=state,
                      token=token, login_cci_code=cci_code,
                      chamber=self.identity.get_chamber(cci_code) if cci_code else None)

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
                  **required(request, {"new_password": new, "new_password_confirm": confirmation},
                             "new_password", "new_password_confirm")}
        alert = None
        if not errors:
            try:
                rpc(caller, subject["login_id"], {"new_password": new})
            except ValidationFailed as exc:
                alert, errors = errors_of(request, exc)
            else:
                return see_other("/signers", notice, login_id=subject["login_id"])
        return render(request, "account/set_password.html", status=422, account=caller,
                      target=target, subject=subject, alert=alert, errors=errors)
