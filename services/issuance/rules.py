"""The rules of an application's body (ISS-4, ISS-5, ISS-6, ISS-10; API.md "Applications"),
free of Nameko and of the database.

`check_draft` is what any save checks; `check_submission` adds the rules that depend on the
day of submission and on the attachments. Either raises ONE ValidationFailed naming every
broken rule's field path (`invoices.0.date`, `goods.3.quantity.unit`), never stopping at the
first. The rules between fields read the body as sent, so that an item's path is its index
in the body even when another item is malformed."""
import calendar
import re
import unicodedata
from datetime import date, timedelta

from services.issuance.schemas import CO_TYPES, body_schema
from tradecert.errors import ValidationFailed
from tradecert.schemas import load

JAPAN = "JAPAN"
TO_ORDER = "TO ORDER"
DECLARATION_MAX_AGE = timedelta(days=14)  # ISS-4 box 9: at most 2 weeks before applying
SHIPMENT_MAX_MONTHS = 6  # ISS-5: a foreign-origin CO not more than 6 months after shipment
TRANSPORT_MAX_YEARS = 1  # ISS-13: shipments more than 1 year old are not certified
#: ISS-5: a foreign-origin CO attaches the original foreign CO, import permit or import invoice.
FOREIGN_DOCUMENTS = ("foreign_co", "import_permit", "import_invoice")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_draft(body) -> dict:
    """The loaded body, or one ValidationFailed with every rule any save checks."""
    loaded, problems = _draft_problems(body)
    _raise(problems)
    return loaded


def check_submission(body, attachment_kinds, today: date) -> dict:
    """The loaded body, or one ValidationFailed with every rule of a save and those checked
    when the application is submitted on `today` (the day in Japan: tradecert.clock)."""
    loaded, problems = _draft_problems(body)
    kinds = set(attachment_kinds)
    certificate_type = body.get("certificate_type") if isinstance(body, dict) else None
    if certificate_type in CO_TYPES:
        for path, code in _dated_rules(body, today):
            problems.setdefault(path, []).append(code)
        if "commercial_invoice" not in kinds:  # ISS-6
            problems.setdefault("attachments", []).append("commercial_invoice_required")
        if certificate_type == "co_foreign" and not kinds & set(FOREIGN_DOCUMENTS):  # ISS-5
            problems.setdefault("attachments", []).append("foreign_document_required")
    elif certificate_type == "signature" and "signed_document" not in kinds:  # ISS-10
        problems.setdefault("attachments", []).append("signed_document_required")
    _raise(problems)
    return loaded


def _draft_problems(body) -> tuple[dict | None, dict[str, list[str]]]:
    try:
        loaded, problems = load(body_schema(body), body), {}
    except ValidationFailed as exc:
        loaded, problems = None, {path: list(codes) for path, codes in exc.fields.items()}
    if isinstance(body, dict) and body.get("certificate_type") in CO_TYPES:
        for path, code in _co_rules(body):
            problems.setdefault(path, []).append(code)
    return loaded, problems


def _co_rules(body: dict):
    """(path, code) for each rule between a CO's fields (ISS-4, ISS-5)."""
    foreign_origin = body["certificate_type"] == "co_foreign"
    for index, item in _items(body.get("goods")):
        origin = normalized_country(item.get("origin"))
        if not foreign_origin and origin not in ("", JAPAN):
            yield f"goods.{index}.origin", "origin_not_japan"  # ISS-5: never mixed
        if foreign_origin and origin in ("", JAPAN):
            yield f"goods.{index}.origin", "origin_foreign_required"  # ISS-5: each item's
    if not foreign_origin and body.get("foreign") is not None:
        yield "foreign", "foreign_only_for_co_foreign"
    if foreign_origin and body.get("foreign") is None:
        yield "foreign", "foreign_required"
    declared = _date(_part(body, "declaration").get("date"))
    for index, invoice in _items(body.get("invoices")):
        invoiced = _date(invoice.get("date"))
        if declared and invoiced and invoiced > declared:  # ISS-4 box 3 / box 9
            yield f"invoices.{index}.date", "invoice_after_declaration"
    consignee = _part(body, "consignee")
    if not consignee.get("address_lines") and normalized_country(consignee.get("name")) != TO_ORDER:
        yield "consignee.address_lines", "consignee_address_required"  # ISS-4 box 2


def _dated_rules(body: dict, today: date):
    """(path, code) for each rule that depends on the day of submission."""
    declared = _date(_part(body, "declaration").get("date"))
    if declared and declared > today:  # ISS-4 box 9: not in the future
        yield "declaration.date", "declaration_in_future"
    elif declared and declared < today - DECLARATION_MAX_AGE:  # ... nor over 2 weeks old
        yield "declaration.date", "declaration_too_old"
    shipped = _date(_part(body, "transport").get("on_or_about"))
    if shipped and shipped < months_before(today, 12 * TRANSPORT_MAX_YEARS):  # ISS-13
        yield "transport.on_or_about", "shipment_over_a_year"
    if body.get("certificate_type") == "co_foreign":
        shipped = _date(_part(body, "foreign").get("shipment_date"))
        if shipped and shipped < months_before(today, SHIPMENT_MAX_MONTHS):  # ISS-5
            yield "foreign.shipment_date", "shipment_over_six_months"


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day if it has none:
    6 months before 31 August is 28 or 29 February)."""
    years, month_index = divmod(day.month - 1 - months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _raise(problems: dict[str, list[str]]) -> None:
    if problems:
        raise ValidationFailed(message="validation failed", fields=problems)


def _items(value):
    return [(index, item) for index, item in enumerate(value)
            if isinstance(item, dict)] if isinstance(value, list) else []


def _part(body: dict, name: str) -> dict:
    value = body.get(name)
    return value if isinstance(value, dict) else {}


def normalized_country(value) -> str:
    return unicodedata.normalize("NFKC", value).strip().upper() if isinstance(value, str) else ""


def _date(value) -> date | None:
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None
