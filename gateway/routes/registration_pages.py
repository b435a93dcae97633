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
from datetime import datetime
from zoneinfo import ZoneInfo

from werkzeug.utils import redirect

from gateway import i18n, web
from gateway.auth import public
from gateway.http import http
from gateway.i18n import translate
from gateway.routes.account_pages import form_token_ok, see_other
from services.registration.exceptions import (
    AgentsHaveNoSigners,
    ApplicationIncomplete,
    ApplicationNotEditable,
    ApplicationTokenInvalid,
    InvitationExpired,
    InvitationNotFound,
    SignerNotFound,
)
from services.registration.schemas import APPLICANT_TYPES, MAX_EXTRA_ADDRESSES
from tradecert.errors import NotFound, TradecertError, ValidationFailed

JAPAN = ZoneInfo("Asia/Tokyo")
CCI_CODE_PATTERN = re.compile(r"^\d{4}$")
SESSION_NUMBER, SESSION_TOKEN = "application_number", "application_token"
FORM_NUMBER = "application_number"  # the hidden field naming the form's application
INVITED_EMAIL = "registration_invited_email"
FORMS = ("pledge", "business-description", "signature-registration")
# REG-2: the two rules, each ticked
RULES = ("agree_certification_rules", "agree_penalty_rules")
SIGNERS_WITHOUT_REASON = 15  # REG-10: from the 16th signer a reason is required

# ?notice=<code> after a redirect: only these fixed texts (role, msgid).
NOTICES = {
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
}

# Every field of the company form (REG-4), named by its path in API.md's company body, so a
# 422's `error.fields` lands next to its field.
COMPANY_TEXT_FIELDS = (
    "registration_type", "membership", "business_form", "legal_entity_type",
    "legal_entity_type_other", "legal_entity_position", "name_ja", "name_en",
    "registered_address.postal_code", "registered_address.address_ja",
    "current_address.postal_code", "current_address.address_ja", "current_address_en",
    *(f"extra_addresses.{i}.{part}" for i in range(MAX_EXTRA_ADDRESSES)
      for part in ("address_ja", "address_en")),
    "contact.postal_code", "contact.address_ja", "contact.department", "contact.name_ja",
    "contact.phone", "contact.email", "second_hand_dealer", "industry")
COMPANY_TICKS = ("current_address.same_as_registered", "contact.same_as_current_address",
                 "contact.is_signer")
COMPANY_FIELDS = frozenset((*COMPANY_TEXT_FIELDS, *COMPANY_TICKS, "main_products",
                            "extra_addresses"))
SIGNER_FIELDS = ("name_ja", "name_en", "title_en", "email", "reason")

# marshmallow formats some messages with their numbers; the catalogs hold the pattern.
FORMATTED_MESSAGES = (
    (re.compile(r"^Length must be between \d+ and \d+\.$"),
     "Length must be between {min} and {max}."),
    (re.compile(r"^Longer than maximum length \d+\.$"), "Longer than maximum length {max}."),
    (re.compile(r"^Shorter than minimum length \d+\.$"), "Shorter than minimum length {min}."),
    (re.compile(r"^Must be one of: .*\.$", re.S), "Must be one of: {choices}."),
)


# --- helpers: language, notices, errors, times -----------------------------------------------

def notice_of(request) -> dict | None:
    code = request.args.get("notice", "")
    if code not in NOTICES:
        return None
    role, msgid = NOTICES[code]
    return {"role": role, "text": translate(request, msgid)}


def message_text(lang: str, text: str) -> str:
    """A service's message (a code or marshmallow's English) in the page's language."""
    if i18n.has_message(lang, text):
        return i18n.gettext(lang, text)
    for pattern, msgid in FORMATTED_MESSAGES:
        if pattern.match(text) and i18n.has_message(lang, msgid):
            return i18n.gettext(lang, msgid)
    return text


def errors_of(request, exc: TradecertError) -> tuple[str, dict]:
    """The page's alert and each field's messages, in the page's language."""
    lang = i18n.negotiate(request)
    key = f"error.{exc.code}"
    alert = i18n.gettext(lang, key) if i18n.has_message(lang, key) else exc.message
    return alert, {path: [message_text(lang, text) for text in texts]
                   for path, texts in (exc.fields or {}).items()}


def required(request, *names) -> dict:
    message = translate(request, "Missing data for required field.")
    return {name: [message] for name in names}


def japan_time(value) -> str:
    """An ISO date-time from a service, as people in Japan read it (REG-7: the updated
    date-time printed at the top right of the forms)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(JAPAN).strftime("%Y-%m-%d %H:%M")


def render(request, template: str, status: int = 200, **context):
    """A registration page: the template under templates/registration/, with the redirect's
    notice, the form's values and errors, and an alert when a field needs fixing."""
    context.setdefault("errors", {})
    context.setdefault("values", {})
    if context["errors"] and not context.get("alert"):
        context["alert"] = translate(request, "error.validation_failed")
    context.setdefault("alert", None)
    context.setdefault("notice", notice_of(request))
    context.setdefault("account", None)
    context.setdefault("chamber", None)
    context.setdefault("application", None)
    return web.render(request, f"registration/{template}", status=status, when=japan_time,
                      **context)


# --- the application kept in the session --------------------------------------------------

def keep_application(request, response, number: str, token: str):
    session = web.load_session(request)
    session.update({SESSION_NUMBER: number, SESSION_TOKEN: token, "changed": True})
    web.save_session(response, session)
    return response


def forget_application(request, response):
    session = web.load_session(request)
    session.pop(SESSION_NUMBER, None)
    session.pop(SESSION_TOKEN, None)
    session["changed"] = True
    web.save_session(response, session)
    return response


def no_application(request, chambers: list, state: str = "none"):
    """No application open in this browser (or its token no longer opens it): say where the
    links are. 401: the application token is the credential these pages need."""
    return render(request, "no_application.html", status=401, state=state, chambers=chambers)


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
        except ApplicationTokenInvalid:  # removed after 60 days (REG-10), or never valid
            return forget_application(request, no_application(
                request, self.identity.list_chambers(), "invalid"))
        except ApplicationNotEditable:  # approved meanwhile: nothing to change any more
            return see_other("/registration/forms", "not_editable")

    return public(route)


def is_agent(application: dict) -> bool:
    return (application.get("company") or {}).get("registration_type") == "agent"


def forms_of(application: dict) -> tuple[str, ...]:
    """REG-7: applicants print three forms, agents the pledge and the business description."""
    return FORMS[:2] if is_agent(application) else FORMS


# --- the company form (REG-4) --------------------------------------------------------------

def company_values(company: dict | None) -> dict:
    """The saved company as the form's values (dotted names, ticks as booleans)."""
    if not company:
        return {"current_address.same_as_registered": True,
                "contact.same_as_current_address": True, "main_products": []}
    values = {}

    def walk(node, prefix):
        for key, value in node.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(value, f"{path}.")
            elif isinstance(value, list) and key == "extra_addresses":
                for index, address in enumerate(value):
                    walk(address, f"{path}.{index}.")
            else:
                values[path] = value

    walk(company, "")
    dealer = company.get("second_hand_dealer")
    values["second_hand_dealer"] = {True: "yes", False: "no"}.get(dealer, "")
    values["main_products"] = list(company.get("main_products") or [])
    return values


def company_from_form(form) -> tuple[dict, dict]:
    """(API.md's company body, the values to show again). An empty field is left out, so
    the service names it "required"; what the form hides is not sent: the entity type of an
    individual, the extra addresses of an agent, an address that is "the same as"."""
    values = {name: form.get(name, "") for name in COMPANY_TEXT_FIELDS}
    values.update({name: form.get(name) == "yes" for name in COMPANY_TICKS})
    values["main_products"] = list(dict.fromkeys(form.getlist("main_products")))
    extra = [(values[f"extra_addresses.{i}.address_ja"].strip(),
              values[f"extra_addresses.{i}.address_en"].strip())
             for i in range(MAX_EXTRA_ADDRESSES)]
    extra = [row for row in extra if any(row)]  # the rows the service sees, in its order
    for i in range(MAX_EXTRA_ADDRESSES):
        ja, en = extra[i] if i < len(extra) else ("", "")
        values[f"extra_addresses.{i}.address_ja"] = ja
        values[f"extra_addresses.{i}.address_en"] = en

    def text(name):
        return values[name].strip()

    def put(target, key, name):
        if text(name):
            target[key] = text(name)

    body = {}
    for name in ("registration_type", "membership", "business_form", "name_ja", "name_en",
                 "industry"):
        put(body, name, name)
    if body.get("business_form") != "individual":  # REG-4.4: corporations only
        put(body, "legal_entity_type", "legal_entity_type")
        put(body, "legal_entity_position", "legal_entity_position")
        if body.get("legal_entity_type") == "other":
            put(body, "legal_entity_type_other", "legal_entity_type_other")
    registered = body["registered_address"] = {}
    put(registered, "postal_code", "registered_address.postal_code")
    put(registered, "address_ja", "registered_address.address_ja")
    same = values["current_address.same_as_registered"]
    current = body["current_address"] = {"same_as_registered": same}
    if not same:
        put(current, "postal_code", "current_address.postal_code")
        put(current, "address_ja", "current_address.address_ja")
    if values["current_address_en"].strip():
        # REG-4.5: exactly as on the commercial invoice, spaces and all
        body["current_address_en"] = values["current_address_en"]
    if body.get("registration_type") != "agent":  # REG-4.6: applicants only
        body["extra_addresses"] = [{k: v for k, v in (("address_ja", ja), ("address_en", en))
                                    if v} for ja, en in extra]
    same = values["contact.same_as_current_address"]
    signer = values["contact.is_signer"] and body.get("registration_type") != "agent"
    contact = body["contact"] = {"same_as_current_address": same, "is_signer": signer}
    if not same:
        put(contact, "postal_code", "contact.postal_code")
        put(contact, "address_ja", "contact.address_ja")
    for key in ("department", "name_ja", "phone", "email"):
        put(contact, key, f"contact.{key}")
    dealer = {"yes": True, "no": False}.get(text("second_hand_dealer"))
    if dealer is not None:
        body["second_hand_dealer"] = dealer
    if values["main_products"]:
        body["main_products"] = values["main_products"]
    return body, values


def other_errors(errors: dict, shown) -> dict:
    """Messages for paths the form does not show, for the top of the page."""
    return {path: texts for path, texts in errors.items() if path not in shown}


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
        return render(request, "guidance.html", chamber=self.identity.get_chamber(cci_code),
                      step="guidance")

    @http("POST", "/c/<cci_code>/registration", page=True)
    @public
    def registration_guidance_submit(self, request, cci_code):
        values = {"email": request.form.get("email", "").strip(),
                  **{rule: request.form.get(rule) == "yes" for rule in RULES}}

        def again(status, alert=None, errors=None):
            return render(request, "guidance.html", status=status, step="guidance",
                          chamber=self.identity.get_chamber(cci_code), values=values,
                          alert=alert, errors=errors or {})

        if not form_token_ok(request):
            return again(403, translate(request, "error.csrf_failed"))
        errors = required(request, "email") if not values["email"] else {}
        for rule in RULES:  # REG-2: both
            if not values[rule]:
                errors[rule] = [translate(request, "agreement_required")]
        if errors:
            return again(422, errors=errors)
        try:
            self.registration.invite(cci_code, {"email": values["email"], "agree_rules": True})
        except ValidationFailed as exc:
            alert, errors = errors_of(request, exc)
            return again(exc.status, alert, errors)
        session = web.load_session(request)
        session.update({INVITED_EMAIL: values["email"], "changed": True})
        response = see_other(f"/c/{cci_code}/registration/sent")
        web.save_session(response, session)
        return response

    @http("GET", "/c/<cci_code>/registration/sent", page=True)
    @public
    def registration_guidance_sent(self, request, cci_code):
        return render(request, "invited.html", chamber=self.identity.get_chamber(cci_code),
                      step="guidance", email=web.load_session(request).get(INVITED_EMAIL))

    # --- REG-3: the mailed link opens the consent page ---------------------------------------

    @http("GET", "/registration/start", page=True)
    @public
    def registration_consent(self, request):
        token = request.args.get("token", "")
        if not token:
            return self._link_problem(request, "invalid", 404)
        return render(request, "consent.html", token=token, step="consent")

    @http("POST", "/registration/start", page=True)
    @public
    def registration_consent_submit(self, request):
        token = request.form.get("token", "") or request.args.get("token", "")
        values = {name: request.form.get(name) == "yes"
                  for name in ("agree_privacy", "agree_terms")}

        def again(status, alert=None, errors=None):
            return render(request, "consent.html", status=status, token=token, step="consent",
                          values=values, alert=alert, errors=errors or {})

        if not form_token_ok(request):
            return again(403, translate(request, "error.csrf_failed"))
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
        the application in this browser, then the review with the chamber's reason."""
        number = request.args.get("application_number", "").strip()
        token = request.args.get("token", "").strip()
        try:
            if not (number and token):
                raise ApplicationTokenInvalid(message="the link lacks its number or token")
            self.registration.get_application(number, token)
        except ApplicationTokenInvalid:
            return no_application(request, self.identity.list_chambers(), "invalid")
        return keep_application(request, see_other("/registration/review"), number, token)

    # --- REG-4: the company -----------------------------------------------------------------

    @http("GET", "/registration/company", page=True)
    @wizard_page
    def registration_company(self, request, number, token):
        application = self.registration.get_application(number, token)
        if application["status"] == "approved":
            return see_other("/registration/forms")
        return render(request, "company.html", application=application, step="company",
                      values=company_values(application["company"]))

    @http("POST", "/registration/company", page=True)
    @wizard_page
    def registration_company_submit(self, request, number, token):
        body, values = company_from_form(request.form)
        try:
            self.registration.save_company(number, token, body)
        except ValidationFailed as exc:
            alert, errors = errors_of(request, exc)
            return render(request, "company.html", status=exc.status, step="company",
                          application=self.registration.get_application(number, token),
                          values=values, alert=alert, errors=errors,
                          other_errors=other_errors(errors, COMPANY_FIELDS))
        # REG-4.9: saved as entered, on to the signers (agents have none: REG-5)
        next_page = "/registration/review" if body["registration_type"] == "agent" \
            else "/registration/signers"
        return see_other(next_page, "company_saved")

    # --- REG-5: the signers (applicants only) ------------------------------------------------

    @http("GET", "/registration/signers", page=True)
    @wizard_page
    def registration_signers(self, request, number, token):
        application = self.registration.get_application(number, token)
        if application["status"] == "approved":
            return see_other("/registration/forms")
        if is_agent(application):
            return see_other("/registration/review")
        return self._signers_page(request, application)

    @http("POST", "/registration/signers", page=True)
    @wizard_page
    def registration_signer_add(self, request, number, token):
        values = {name: request.form.get(name, "").strip() for name in SIGNER_FIELDS}
        try:
            self.registration.add_signer(number, token, {
                **{k: v for k, v in values.items() if v and k != "reason"},
                "reason": values["reason"] or None})
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
        forms = forms_of(application)
        shown = request.args.get("form", forms[0])
        return render(request, "print.html", application=application, step="forms",
                      chamber=self.identity.get_chamber(application["cci_code"]), forms=forms,
                      shown=shown if shown in forms else forms[0])

    # --- the pages' parts --------------------------------------------------------------------

    def _signers_page(self, request, application, status=200, **context):
        signers = application["signers"]
        contact = (application.get("company") or {}).get("contact") or {}
        # REG-4.7: a contact who also signs is entered as a signer too
        contact_missing = bool(contact.get("is_signer")) and contact.get("email") not in \
            {s["email"] for s in signers}
        if status == 200 and contact_missing:
            context["values"] = {"name_ja": contact.get("name_ja", ""),
                                 "email": contact.get("email", "")}
        return render(request, "signers.html", status=status, application=application,
                      step="signers", contact_missing=contact_missing,
                      reason_needed=len(signers) >= SIGNERS_WITHOUT_REASON, **context)

    def _review_page(self, request, application, status=200, **context):
        chamber = self.identity.get_chamber(application["cci_code"])
        return render(request, "review.html", status=status, application=application,
                      chamber=chamber, step="review",
                      applicant=(application.get("company") or {}).get("registration_type")
                      in APPLICANT_TYPES, **context)

    def _link_problem(self, request, state: str, status: int):
        """REG-2: an expired (or broken) link: start again from the chamber's guidance."""
        return render(request, "link_problem.html", status=status, state=state,
                      chambers=self.identity.list_chambers())
