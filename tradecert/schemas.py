"""marshmallow at every edge: `load` validates a payload or raises ValidationFailed naming
each field, so nothing invalid gets past an entrypoint and nothing is half-written.

The fields and limits every service shares live here too, so that one value has one limit
wherever it is taken (a signer's name is as long in identity as in registration)."""
import re
import unicodedata

from marshmallow import Schema, ValidationError, fields, validate

from tradecert.errors import validation_failed

#: RFC 5321: no deliverable address is longer; every e-mail column is String(254).
EMAIL_MAX = 254
#: A person's name (a signer, the contact person: REG-4.7, REG-5) and a signer's title,
#: in every service that takes one; their columns are String(200).
PERSON_NAME = validate.Length(min=1, max=200)
#: PostgreSQL keeps no NUL in text; refused at the edge, a field-named 422, not a 500.
NUL = "\x00"
#: Formats people type, each refused with our own code, whose message (gateway/translations,
#: validation.po) gives an example in Japanese and English (issue 9: no library defaults).
POSTAL_CODE = validate.Regexp(r"^\d{3}-?\d{4}$", error="format_postal_code")  # 330-0854
PHONE = validate.Regexp(r"^[0-9+() -]{6,20}$", error="format_phone")  # 048-641-0011
CCI_CODE = validate.Regexp(r"^\d{4}$", error="format_cci_code")  # 1504


class Email(fields.Email):
    """An e-mail address of at most EMAIL_MAX characters; a malformed one is refused with
    `format_email` (its message shows name@example.co.jp)."""

    default_error_messages = {"invalid": "format_email"}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.insert(0, validate.Length(max=EMAIL_MAX))


PRINTABLE_ASCII = re.compile(r"[ -~]*")


class PrintedEnglish(fields.String):
    """Text printed in English on certificates (a company's English name and addresses, a
    signer's English name and title: REG-4, REG-5). Full-width letters, digits and spaces, as
    a Japanese keyboard types them, become half-width (NFKC); anything else outside printable
    ASCII is refused with the field named (`not_english`)."""

    default_error_messages = {"not_english": "not_english"}

    def _deserialize(self, value, attr, data, **kwargs):
        text = unicodedata.normalize("NFKC", super()._deserialize(value, attr, data, **kwargs))
        if not PRINTABLE_ASCII.fullmatch(text):
            raise self.make_error("not_english")
        return text


class IdempotencyKeySchema(Schema):
    """The `Idempotency-Key` header of a create (API.md "Payment"; issue 12: applications, sub
    IDs): the same key from the same ID answers what the first request made."""

    idempotency_key = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Length(min=1, max=255))


def idempotency_key(value) -> str | None:
    """The header's value checked (a 422 naming `idempotency_key` when it is too long)."""
    return load(IdempotencyKeySchema(), {"idempotency_key": value})["idempotency_key"]


def load(schema: Schema, payload, **kwargs):
    nul = dict(nul_fields(payload))
    if nul:
        raise validation_failed(nul)
    try:
        return schema.load(payload if payload is not None else {}, **kwargs)
    except ValidationError as exc:
        raise validation_failed(exc.messages) from None


def nul_fields(payload):
    """(path, messages) for every string holding a NUL, anywhere in the payload (walked
    without recursion: a payload may be nested deeper than Python's stack)."""
    stack = [("", payload)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str) and NUL in node:
            yield path or "_schema", ["Invalid value."]
        elif isinstance(node, dict):
            stack.extend((f"{path}.{key}" if path else str(key), value)
                         for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((f"{path}.{index}" if path else str(index), value)
                         for index, value in enumerate(node))
