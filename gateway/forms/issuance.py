"""The application forms of issuance (ISS-1, ISS-4, ISS-5, ISS-6, ISS-10): a certificate of
origin's (co_japan, co_foreign) and a signature certification's. Each field is named by its
path in API.md's body (`goods.1.quantity.unit`, `invoices.0.date`), so a 422's
`error.fields` lands beside its field. Rows (invoices, remarks, goods, the consignee's
address lines) are numbered as the body numbers them: empty rows are left out and the rest
renumbered, and the form shows them again in that order. Which choices exist (units, remark
titles, transport modes, ...) is the service's schema's; the rules between fields are its
rules.py: nothing is checked here."""
import re

from services.issuance.schemas import CO_TYPES, LINES

#: Box 2: the consignee's address lines (the schema's limit, shown as that many inputs).
ADDRESS_LINES = LINES.max
ROW = re.compile(r"(invoices|remarks|goods)\.(\d{1,3})\.")
#: A page never shows more rows than this, whatever a crafted form claims.
MAX_ROWS = 500
ROW_FIELDS = {
    "invoices": ("number", "date"),
    "remarks": ("title", "value"),
    "goods": ("marks", "packages", "description", "quantity.value", "quantity.unit",
              "origin"),
}
CO_FIELDS = ("consignee.name", "consignee.country", "transport.from", "transport.to",
             "transport.via", "transport.by", "transport.vessel_or_flight",
             "transport.on_or_about", "declaration.date", "declaration.place",
             "foreign.basis", "foreign.shipment_date")
SIGNATURE_FIELDS = ("document_kind", "document_title", "destination_country")
COMMON_FIELDS = ("copies", "statistics.goods_category", "statistics.destination_country",
                 "replaces")
#: Optional parts of the body: an empty field is sent as null, not left out.
OPTIONAL = ("transport.via", "transport.vessel_or_flight", "origin", "replaces")
#: What the form's "add a row" buttons add to.
ADD_ACTIONS = {"add_line": "goods", "add_invoice": "invoices", "add_remark": "remarks"}


def rows_of(form, section: str) -> int:
    """How many rows of `section` the form showed (or the values hold)."""
    found = {int(m[2]) for name in form if (m := ROW.match(name)) and m[1] == section}
    return min(max(found, default=-1) + 1, MAX_ROWS)


def _text(form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _put(target: dict, path: str, value) -> None:
    """`value` at the dotted `path` of `target`, making the dicts on the way."""
    *parents, last = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


def application_from_form(form, certificate_type: str) -> tuple[dict, dict]:
    """(API.md's body, the values to show again). A field left empty is left out, so the
    service names it "required"; an optional one is sent as null. `copies` goes as a number
    when it is one, else as typed, and the service says what is wrong with it."""
    values: dict = {"certificate_type": certificate_type}
    body: dict = {"certificate_type": certificate_type}
    names = (*CO_FIELDS, *COMMON_FIELDS) if certificate_type in CO_TYPES else \
        (*SIGNATURE_FIELDS, *COMMON_FIELDS)
    for name in names:
        if name.startswith("foreign.") and certificate_type != "co_foreign":
            continue  # ISS-5: only a foreign-origin CO has the block
        values[name] = text = _text(form, name)
        if text:
            _put(body, name, int(text) if name == "copies" and text.isdigit() else text)
        elif name in OPTIONAL:
            _put(body, name, None)
    body.setdefault("statistics", {})  # so a missing answer is named by its own field
    if certificate_type not in CO_TYPES:
        return body, values
    for part in ("consignee", "transport", "declaration"):
        body.setdefault(part, {})
    if certificate_type == "co_foreign":
        body.setdefault("foreign", {})
    lines = [line for n in range(ADDRESS_LINES)
             if (line := _text(form, f"consignee.address_lines.{n}"))]
    body["consignee"]["address_lines"] = lines
    values.update({f"consignee.address_lines.{n}": line for n, line in enumerate(lines)})
    for section, fields in ROW_FIELDS.items():
        body[section] = []
        for row in range(rows_of(form, section)):
            typed = {name: _text(form, f"{section}.{row}.{name}") for name in fields}
            if not any(typed.values()):
                continue  # an empty row is no row
            index = len(body[section])
            item: dict = {}
            for name, text in typed.items():
                values[f"{section}.{index}.{name}"] = text
                if text:
                    _put(item, name, text)
                elif name in OPTIONAL:
                    _put(item, name, None)
            body[section].append(item)
    return body, values


def application_values(view: dict) -> dict:
    """An application (ApplicationViewSchema, or a body) as the form's values."""
    values: dict = {}

    def walk(node, prefix: str):
        for key, value in node.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(value, f"{path}.")
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, dict):
                        walk(item, f"{path}.{index}.")
                    else:
                        values[f"{path}.{index}"] = "" if item is None else str(item)
            else:
                values[path] = "" if value is None else str(value)

    certificate_type = view.get("certificate_type")
    names = {"consignee", "invoices", "transport", "remarks", "goods", "declaration",
             "foreign"} if certificate_type in CO_TYPES else set(SIGNATURE_FIELDS)
    walk({k: v for k, v in view.items()
          if k in names or k in ("certificate_type", "copies", "statistics", "replaces")}, "")
    return values


def new_values(certificate_type: str) -> dict:
    """A new application's form: no copies to start with."""
    return {"certificate_type": certificate_type, "copies": "0"}


def copies_of(values: dict) -> int:
    """The number of copies for the fee shown beside the form (0 until one is typed)."""
    text = str(values.get("copies") or "0")
    return int(text) if text.isdigit() and len(text) < 4 else 0
