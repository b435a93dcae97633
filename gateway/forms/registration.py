"""The trade registration forms (REG-2 … REG-8): their fields, named by their paths in
API.md's bodies (so a 422's `error.fields` lands next to its field), and the bodies they
become. How many extra addresses the company form offers, which forms exist and whether a
signer needs a reason are the service's answers (the application view), not kept here."""
import re
import unicodedata
from urllib.parse import quote

from gateway.forms import stripped

# REG-2: the two rules, each ticked; REG-3: the two consents
RULES = ("agree_certification_rules", "agree_penalty_rules")
CONSENTS = ("agree_privacy", "agree_terms")

# Every field of the company form (REG-4) but the extra addresses, which are numbered rows.
COMPANY_TEXT_FIELDS = (
    "registration_type", "membership", "business_form", "legal_entity_type",
    "legal_entity_type_other", "legal_entity_position", "name_ja", "name_en",
    "registered_address.postal_code", "registered_address.address_ja",
    "current_address.postal_code", "current_address.address_ja", "current_address_en",
    "contact.postal_code", "contact.address_ja", "contact.department", "contact.name_ja",
    "contact.phone", "contact.email", "second_hand_dealer", "industry")
COMPANY_TICKS = ("current_address.same_as_registered", "contact.same_as_current_address",
                 "contact.is_signer")
EXTRA_ADDRESS = re.compile(r"extra_addresses\.(\d{1,2})\.(address_ja|address_en)")
SIGNER_FIELDS = ("name_ja", "name_en", "title_en", "email", "reason")
NUMBER_PATTERN = re.compile(r"^[A-Z0-9-]{1,40}$")


# --- REG-2, REG-3 -------------------------------------------------------------------------------

def invitation_from_form(form) -> dict:
    """The guidance form's values: the address and both rules' ticks."""
    return {"email": form.get("email", "").strip(),
            **{rule: form.get(rule) == "yes" for rule in RULES}}


def consent_from_form(form) -> dict:
    return {name: form.get(name) == "yes" for name in CONSENTS}


# --- REG-4: the company -----------------------------------------------------------------------

class Prefixed:
    """The fields of a form under `prefix` ("company." in a change request's body), seen
    without it: the same form code reads the wizard's company page and a change request."""

    def __init__(self, form, prefix: str):
        self.form, self.prefix = form, prefix

    def get(self, name, default=None):
        return self.form.get(self.prefix + name, default)

    def getlist(self, name):
        return self.form.getlist(self.prefix + name)

    def __iter__(self):
        return (name[len(self.prefix):] for name in self.form if name.startswith(self.prefix))


def prefixed(values: dict, prefix: str) -> dict:
    return {prefix + name: value for name, value in values.items()}


def company_values(company: dict | None, prefix: str = "") -> dict:
    """The saved company as the form's values (dotted names, ticks as booleans)."""
    if prefix:
        return prefixed(company_values(company), prefix)
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


def extra_addresses_of(form) -> list[tuple[str, str]]:
    """The extra address rows the form sent, in their order, empty rows left out (the
    service says how many there may be)."""
    rows: dict[int, dict] = {}
    for name in form:
        found = EXTRA_ADDRESS.fullmatch(name)
        if found:
            rows.setdefault(int(found[1]), {})[found[2]] = form.get(name, "").strip()
    extra = [(row.get("address_ja", ""), row.get("address_en", ""))
             for _, row in sorted(rows.items())]
    return [row for row in extra if any(row)]


def company_from_form(form, prefix: str = "") -> tuple[dict, dict]:
    """(API.md's company body, the values to show again). An empty field is left out, so
    the service names it "required"; what the form hides is not sent: the entity type of an
    individual, the extra addresses of an agent, an address that is "the same as". The
    fields may sit under `prefix` (a change request's "company.")."""
    if prefix:
        body, values = company_from_form(Prefixed(form, prefix))
        return body, prefixed(values, prefix)
    values = {name: form.get(name, "") for name in COMPANY_TEXT_FIELDS}
    values.update({name: form.get(name) == "yes" for name in COMPANY_TICKS})
    values["main_products"] = list(dict.fromkeys(form.getlist("main_products")))
    extra = extra_addresses_of(form)
    for i, (ja, en) in enumerate(extra):  # shown again in the order the service sees them
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
    if body.get("registration_type") != "agent":  # the form hides them for agents (REG-4.6)
        body["extra_addresses"] = [{k: v for k, v in (("address_ja", ja), ("address_en", en))
                                    if v} for ja, en in extra]
    same = values["contact.same_as_current_address"]
    # REG-4.7: the form hides "the contact signs" for agents
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


# --- REG-5: a signer ----------------------------------------------------------------------------

def signer_from_form(form, prefix: str = "") -> tuple[dict, dict]:
    """(API.md's new signer body, the values to show again): an empty field is left out
    (the service names it), an empty reason is none. The fields may sit under `prefix` (a
    change request's "signers_added.0.")."""
    values = stripped(Prefixed(form, prefix) if prefix else form, *SIGNER_FIELDS)
    body = {k: v for k, v in values.items() if v and k != "reason"}
    return {**body, "reason": values["reason"] or None}, prefixed(values, prefix)


def signer_values(contact: dict | None) -> dict:
    """REG-4.7: the contact who signs, offered as the next signer."""
    contact = contact or {}
    return {"name_ja": contact.get("name_ja", ""), "email": contact.get("email", "")}


# --- change requests (変更申請): the wizard's company and signer forms, and the removals ----

SIGNER_ROW = re.compile(r"signers_added\.(\d{1,3})\.")
MAX_SIGNER_ROWS = 100


def signer_rows_of(form) -> int:
    """How many rows of new signers the change request form showed."""
    rows = {int(found[1]) for name in form if (found := SIGNER_ROW.match(name))}
    return min(max(rows, default=-1) + 1, MAX_SIGNER_ROWS)


def change_request_from_form(form) -> tuple[dict, dict]:
    """(API.md's change request body, the values to show again): the company form (always
    sent: it shows the registered company, and the service takes an unchanged one as no
    change), each filled row of new signers (empty rows left out, the others numbered as
    the body numbers them, so a 422 lands beside its row), the ticked signers to remove."""
    company, values = company_from_form(form, "company.")
    added = []
    for row in range(signer_rows_of(form)):
        signer, shown = signer_from_form(form, f"signers_added.{row}.")
        if any(shown.values()):
            values.update({name.replace(f".{row}.", f".{len(added)}.", 1): value
                           for name, value in shown.items()})
            added.append(signer)
    removed = list(dict.fromkeys(form.getlist("signers_removed")))
    values["signers_removed"] = removed
    return {"company": company, "signers_added": added, "signers_removed": removed}, values


def change_request_values(body: dict) -> dict:
    """A change request's body as the form's values again (its review went back)."""
    values = company_values(body.get("company"), "company.")
    for row, signer in enumerate(body.get("signers_added") or []):
        values.update(prefixed({k: signer.get(k) or "" for k in SIGNER_FIELDS},
                               f"signers_added.{row}."))
    values["signers_removed"] = list(body.get("signers_removed") or [])
    return values


# --- REG-7, REG-8: chamber staff ------------------------------------------------------------------

def certificate_url(trade_registration_number: str) -> str:
    """The staff's trade registration certificate (REG-8; again after a new admin password)."""
    return f"/api/v1/staff/registrations/{quote(trade_registration_number, safe='')}" \
        "/certificate.pdf"


def normalise_number(text: str) -> str:
    """An application number as typed or scanned: full-width characters from a Japanese
    keyboard (or a scanner behind an IME) and stray spaces still find it."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).upper()


def looks_like_number(number: str) -> bool:
    return bool(NUMBER_PATTERN.match(number))
