"""The trade registration pages for the applicant (REG-1 … REG-7): the guidance and its mail,
the consent, the company, the signers, the review and the forms to print.

Server-rendered forms, POST → redirect → GET, no script needed (two ticks enable a button
with a tiny inline script, and the server checks them anyway). From the consent page on, the
application's number and its `application_token` (API.md) are kept in the signed, HttpOnly
session cookie, and every page hands them to the registration service, which checks them.
So these pages are `@public` like the API's consent route: they show nothing the token does
not open. (`@application_token` marks the API's `/api/v1/registration-applications/...`
routes only; tests/api/test_permissions.py holds the route table to that.)"""
import contextlib
import functools
import re

from werkzeug.utils import redirect

from gateway import web
from gateway.auth import public
from gateway.forms.registration import (
    RULES,
    company_from_form,
    company_values,
    consent_from_form,
    invitation_from_form,
    signer_from_form,
    signer_values,
)
from gateway.http import client_address, http
from gateway.i18n import translate
from gateway.pages import (
    csrf_alert,
    errors_of,
    form_token_ok,
    remember,
    render,
    required,
    see_other,
    too_many,
)
from services.registration.exceptions import (
    AgentsHaveNoSigners,
    ApplicationApproved,
    ApplicationIncomplete,
    ApplicationNotEditable,
    ApplicationTokenInvalid,
    InvitationExpired,
    InvitationNotFound,
    SignerNotFound,
)
from tradecert.errors import Forbidden, NotFound, TooManyAttempts, ValidationFailed

CCI_CODE_PATTERN = re.compile(r"^\d{4}$")
SESSION_NUMBER, SESSION_TOKEN = "application_number", "application_token"
FORM_NUMBER = "application_number"  # the hidden field naming the form's application
INVITED_EMAIL = "registration_invited_email"
# Tokens leave the address once the page has them (issue 9): the mailed links' tokens are
# kept here, in the signed HttpOnly session, and the browser goes on to an address without.
INVITATION_TOKEN = "registration_invitation_token"
# A mailed link to another application than the one open in this browser: kept until the
# visitor confirms the switch (a link alone never changes the open application).
PENDING = "registration_pending_application"


# --- the application kept in the session --------------------------------------------------

def keep_application(request, response, number: str, token: str):
    return remember(request, response, **{SESSION_NUMBER: number, SESSION_TOKEN: token})


def forget_application(request, response):
    return remember(request, response, **{SESSION_NUMBER: None, SESSION_TOKEN: None})


def approved_page(request, exc: ApplicationApproved, chambers: list):
    """API.md: the application token stops at approval (401); the registration is now
    reached with the admin ID, from the chamber's login page."""
    cci_code = exc.params.get("cci_code")
    chamber = next((c for c in chambers if c["cci_code"] == cci_code), None)
    return render(request, "registration/approved.html", status=401, chamber=chamber,
                  chambers=chambers)


def no_application(request, chambers: list, state: str = "none"):
    """No application open in this browser (or its token no longer opens it): say where the
    links are. 401: the application token is the credential these pages need."""
    return render(request, "registration/no_application.html", status=401, state=state,
                  chambers=chambers)


def wizard_page(fn):
    """A page of an open application: the number and token from the session, passed on.
    A form names the application it was shown for: when another application has been opened
    in this browser since (another mail's link, another tab), it is not saved into that one
    (DOMAIN: many tabs stay correct); the page shows the open application again instead."""

    @functools.wraps(fn)
    def route(self, request, **kwargs):
        session = web.load_session(request)
        number, token = session.get(SESSION_NUMBER), session.get(SESSION_TOKEN)
        if not (number and token):
            return no_application(request, self.identity.list_chambers())
        if request.method == "POST" and request.form.get(FORM_NUMBER) != number:
            page = "/registration/signers" if "/signers/" in request.path else request.path
            return see_other(page, "other_application")
        try:
            return fn(self, request, number, token, **kwargs)
        except ApplicationApproved as exc:  # the token is done: the admin ID takes over
            return approved_page(request, exc, self.identity.list_chambers())
        except ApplicationTokenInvalid:  # removed after 60 days (REG-10), or never valid
            return forget_application(request, no_application(
                request, self.identity.list_chambers(), "invalid"))
        except ApplicationNotEditable:  # approved meanwhile: nothing to change any more
            return see_other("/registration/forms", "not_editable")

    return public(route)


class RegistrationPages:
    # --- REG-1, REG-2: the guidance page and its mail ---------------------------------------

    @http("GET", "/tentative-company", page=True)
    @public
    def registration_guidance_legacy(self, request):
        """The manual's address of the guidance page (`?cci_code=1504`)."""
        cci_code = request.args.get("cci_code", "").strip()
        if not CCI_CODE_PATTERN.match(cci_code):
            raise NotFound(code="chamber_not_found", message="no chamber code given")
        return redirect(f"/c/{cci_code}/registration")

    @http("GET", "/c/<cci_code>/registration", page=True)
    @public
    def registration_guidance(self, request, cci_code):
        return render(request, "registration/guidance.html",
                      chamber=self.identity.get_chamber(cci_code), step="guidance")

    @http("POST", "/c/<cci_code>/registration", page=True)
    @public
    def registration_guidance_submit(self, request, cci_code):
        values = invitation_from_form(request.form)

        def again(status, alert=None, errors=None, headers=None):
            return render(request, "registration/guidance.html", status=status, step="guidance",
                          chamber=self.identity.get_chamber(cci_code), values=values,
                          alert=alert, errors=errors or {}, headers=headers)

        if not form_token_ok(request):
            return again(403, csrf_alert(request))
        errors = required(request, values, "email")
        for rule in RULES:  # REG-2: both
            if not values[rule]:
                errors[rule] = [translate(request, "agreement_required")]
        if errors:
            return again(422, errors=errors)
        try:
            self.registration.invite(cci_code, {"email": values["email"], "agree_rules": True},
                                     client_address(request))
        except TooManyAttempts as exc:  # issue 9: this address's invitations for the hour
            alert, headers = too_many(request, exc)
            return again(429, alert, headers=headers)
        except ValidationFailed as exc:
            alert, errors = errors_of(request, exc)
            return again(exc.status, alert, errors)
        return remember(request, see_other(f"/c/{cci_code}/registration/sent"),
                        **{INVITED_EMAIL: values["email"]})

    @http("GET", "/c/<cci_code>/registration/sent", page=True)
    @public
    def registration_guidance_sent(self, request, cci_code):
        return render(request, "registration/invited.html",
                      chamber=self.identity.get_chamber(cci_code), step="guidance",
                      email=web.load_session(request).get(INVITED_EMAIL))

    # --- REG-3: the mailed link opens the consent page ---------------------------------------

    @http("GET", "/registration/start", page=True)
    @public
    def registration_consent(self, request):
        """The mailed link (`?token=`): the token goes into the session and the browser on
        to /registration/start without it (issue 9: tokens leave the address). The page then
        says at once when the link is broken or too old, not after the consents are ticked;
        else the consent, with the chamber's privacy policy and terms."""
        token = request.args.get("token", "")
        if token:
            return remember(request, see_other("/registration/start"),
                            **{INVITATION_TOKEN: token})
        token = web.load_session(request).get(INVITATION_TOKEN, "")
        chamber, problem = self._invited_chamber(request, token)
        if problem:
            return problem
        return render(request, "registration/consent.html", step="consent", chamber=chamber)

    @http("POST", "/registration/start", page=True)
    @public
    def registration_consent_submit(self, request):
        token = web.load_session(request).get(INVITATION_TOKEN, "")
        values = consent_from_form(request.form)
        chamber, problem = self._invited_chamber(request, token)
        if problem:
            return problem

        def again(status, alert=None, errors=None):
            return render(request, "registration/consent.html", status=status,
                          step="consent", chamber=chamber, values=values, alert=alert,
                          errors=errors or {})

        if not form_token_ok(request):
            return again(403, csrf_alert(request))
        errors = {name: [translate(request, "agreement_required")]
                  for name, ticked in values.items() if not ticked}
        if errors:
            return again(422, errors=errors)
        try:
            started = self.registration.start_application(
                {"invitation_token": token, **dict.fromkeys(values, True)})
        except InvitationExpired:  # REG-2: 60 days; then start again from REG-1
            return self._link_problem(request, "expired", 410)
        except InvitationNotFound:
            return self._link_problem(request, "invalid", 404)
        except ValidationFailed as exc:
            if "invitation_token" in exc.fields:
                return self._link_problem(request, "invalid", 404)
            alert, errors = errors_of(request, exc)
            return again(exc.status, alert, errors)
        # The same link again opens the same application: on to where it stands.
        target = "/registration/company" if started["created"] else "/registration/review"
        return keep_application(request, see_other(target), started["application_number"],
                                started["application_token"])

    @http("GET", "/registration/application", page=True)
    @public
    def registration_reopen(self, request):
        """The link in the "returned" mail (and any application link with its token): opens
        the application in this browser, then the review with the chamber's reason. The
        token leaves the address at once (issue 9). A link never silently replaces another
        application open in this browser: that one stays open until the visitor confirms
        the switch on the page this answers without the token (POST, CSRF)."""
        number = request.args.get("application_number", "").strip()
        token = request.args.get("token", "").strip()
        session = web.load_session(request)
        if not (number or token):  # back here after the link: the switch to confirm
            pending = session.get(PENDING)
            if not pending:
                return no_application(request, self.identity.list_chambers(), "invalid")
            return render(request, "registration/switch.html", pending=pending,
                          open_number=session.get(SESSION_NUMBER))
        try:
            if not (number and token):
                raise ApplicationTokenInvalid(message="the link lacks its number or token")
            self.registration.get_application(number, token)
        except ApplicationApproved as exc:
            return approved_page(request, exc, self.identity.list_chambers())
        except ApplicationTokenInvalid:
            return no_application(request, self.identity.list_chambers(), "invalid")
        if session.get(SESSION_NUMBER) not in (None, number) and session.get(SESSION_TOKEN):
            return remember(request, see_other("/registration/application"),
                            **{PENDING: {"application_number": number, "token": token}})
        return keep_application(request, see_other("/registration/review"), number, token)

    @http("POST", "/registration/application", page=True)
    @public
    def registration_switch(self, request):
        """The visitor confirms: the linked application replaces the open one here."""
        pending = web.load_session(request).get(PENDING)
        if not form_token_ok(request):
            raise Forbidden(code="csrf_failed", message="missing or wrong CSRF token")
        if not pending:
            return see_other("/registration/review")
        response = remember(request, see_other("/registration/review"), **{PENDING: None})
        return keep_application(request, response, pending["application_number"],
                                pending["token"])

    # --- REG-4: the company -----------------------------------------------------------------

    @http("GET", "/registration/company", page=True)
    @wizard_page
    def registration_company(self, request, number, token):
        application = self.registration.get_application(number, token)
        if application["status"] == "approved":
            return see_other("/registration/forms")
        return render(request, "registration/company.html", application=application,
                      step="company", values=company_values(application["company"]),
                      chamber=self.identity.get_chamber(application["cci_code"]))

    @http("POST", "/registration/company", page=True)
    @wizard_page
    def registration_company_submit(self, request, number, token):
        body, values = company_from_form(request.form)
        try:
            saved = self.registration.save_company(number, token, body)
        except ValidationFailed as exc:
            alert, errors = errors_of(request, exc)
            application = self.registration.get_application(number, token)
            return render(request, "registration/company.html", status=exc.status,
                          step="company", application=application,
                          chamber=self.identity.get_chamber(application["cci_code"]),
                          values=values, alert=alert, errors=errors)
        # REG-4.9: saved as entered, on to the signers (when it registers any: REG-5)
        next_page = "/registration/signers" if saved["registers_signers"] \
            else "/registration/review"
        return see_other(next_page, "company_saved")

    # --- REG-5: the signers (applicants only) ------------------------------------------------

    @http("GET", "/registration/signers", page=True)
    @wizard_page
    def registration_signers(self, request, number, token):
        application = self.registration.get_application(number, token)
        if application["status"] == "approved":
            return see_other("/registration/forms")
        if not application["registers_signers"]:
            return see_other("/registration/review")
        return self._signers_page(request, application)

    @http("POST", "/registration/signers", page=True)
    @wizard_page
    def registration_signer_add(self, request, number, token):
        body, values = signer_from_form(request.form)
        try:
            self.registration.add_signer(number, token, body)
        except AgentsHaveNoSigners:
            return see_other("/registration/review")
        except ValidationFailed as exc:
            alert, errors = errors_of(request, exc)
            return self._signers_page(request, self.registration.get_application(number, token),
                                      status=exc.status, values=values, alert=alert,
                                      errors=errors)
        return see_other("/registration/signers", "signer_added")

    @http("POST", "/registration/signers/<signer_id>/delete", page=True)
    @wizard_page
    def registration_signer_remove(self, request, number, token, signer_id):
        """Asks first (issue 9): the list's button shows the signer and a button that confirms;
        only a POST with `confirm=yes` removes."""
        if request.form.get("confirm") != "yes":
            application = self.registration.get_application(number, token)
            signer = next((s for s in application["signers"] if s["signer_id"] == signer_id),
                          None)
            if signer is None:  # gone already (another tab)
                return see_other("/registration/signers")
            return self._signers_page(request, application, confirm_remove=signer)
        with contextlib.suppress(SignerNotFound):  # gone already (another tab): never mind
            self.registration.remove_signer(number, token, signer_id)
        return see_other("/registration/signers", "signer_removed")

    # --- REG-6: the review and the submission ------------------------------------------------

    @http("GET", "/registration/review", page=True)
    @wizard_page
    def registration_review(self, request, number, token):
        application = self.registration.get_application(number, token)
        if application["status"] == "approved":
            return see_other("/registration/forms")
        return self._review_page(request, application)

    @http("POST", "/registration/review", page=True)
    @wizard_page
    def registration_review_submit(self, request, number, token):
        try:
            self.registration.submit(number, token)
        except ApplicationIncomplete as exc:
            alert, errors = errors_of(request, exc)
            return self._review_page(request, self.registration.get_application(number, token),
                                     status=exc.status, alert=alert, errors=errors)
        return see_other("/registration/forms", "submitted")

    # --- REG-7: the forms to print, and what to bring ----------------------------------------

    @http("GET", "/registration/forms", page=True)
    @wizard_page
    def registration_forms(self, request, number, token):
        application = self.registration.get_application(number, token)
        if application["status"] == "draft" or not application["company"]:
            return see_other("/registration/review")
        forms = application["forms"]
        shown = request.args.get("form", forms[0])
        return render(request, "registration/print.html", application=application,
                      step="forms", chamber=self.identity.get_chamber(application["cci_code"]),
                      forms=forms, shown=shown if shown in forms else forms[0])

    # --- the pages' parts --------------------------------------------------------------------

    def _signers_page(self, request, application, status=200, **context):
        """The service says whether the contact still has to be entered as a signer
        (REG-4.7: then the form starts with the contact) and whether the next signer needs a
        reason (REG-10)."""
        if status == 200 and application["contact_signer_missing"]:
            context["values"] = signer_values((application["company"] or {}).get("contact"))
        return render(request, "registration/signers.html", status=status,
                      application=application, step="signers",
                      chamber=self.identity.get_chamber(application["cci_code"]), **context)

    def _review_page(self, request, application, status=200, **context):
        chamber = self.identity.get_chamber(application["cci_code"])
        return render(request, "registration/review.html", status=status,
                      application=application, chamber=chamber, step="review", **context)

    def _invited_chamber(self, request, token: str):
        """(the chamber of the invitation the link holds, None), or (None, the page that
        says what is wrong with the link: REG-2)."""
        try:
            if not token:
                raise InvitationNotFound(message="the link lacks its token")
            invitation = self.registration.check_invitation(token)
        except InvitationExpired:
            return None, self._link_problem(request, "expired", 410)
        except InvitationNotFound:
            return None, self._link_problem(request, "invalid", 404)
        return self.identity.get_chamber(invitation["cci_code"]), None

    def _link_problem(self, request, state: str, status: int):
        """REG-2: an expired (or broken) link: start again from the chamber's guidance."""
        return render(request, "registration/link_problem.html", status=status, state=state,
                      chambers=self.identity.list_chambers())
