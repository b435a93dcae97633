"""Payloads of the documents service, one schema per document kind (versioned by name).

Every render is validated here first, so a template never sees a missing or malformed value.
Images travel as base64 PNG (`*_png`) or as the id of a file in the documents store
(`*_file_id`); the service resolves ids before rendering.
"""
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as MarshmallowValidationError

NAME = validate.Length(min=1, max=200)
LINE = validate.Length(min=1, max=300)
TEXT = validate.Length(max=2000)


class ChamberSchema(Schema):
    cci_code = fields.String(required=True, validate=validate.Regexp(r"^\d{4}$"))
    name_ja = fields.String(required=True, validate=NAME)
    name_en = fields.String(required=True, validate=NAME)
    seal_png = fields.String(load_default=None, allow_none=True)


class PartySchema(Schema):
    """Box 1 and box 2 (ISS-4): one party, the full address, the country."""

    name = fields.String(required=True, validate=NAME)
    address_lines = fields.List(fields.String(validate=LINE), required=True,
                                validate=validate.Length(min=1, max=5))
    country = fields.String(required=True, validate=NAME)


class InvoiceSchema(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=100))
    date = fields.Date(required=True)


class TransportSchema(Schema):
    from_ = fields.String(data_key="from", required=True, validate=NAME)
    to = fields.String(required=True, validate=NAME)
    via = fields.String(load_default=None, allow_none=True, validate=NAME)
    by = fields.String(required=True, validate=NAME)
    on_or_about = fields.Date(load_default=None, allow_none=True)


class RemarkSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=50))
    value = fields.String(required=True, validate=LINE)


class GoodsItemSchema(Schema):
    """Box 7 and box 8: marks ("N/M" when none), packages, description, quantity."""

    marks = fields.String(required=True, validate=validate.Length(min=1, max=500))
    packages = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    quantity = fields.String(required=True, validate=validate.Length(min=1, max=100))
    origin = fields.String(load_default=None, allow_none=True, validate=NAME)  # ISS-5


class DeclarationSchema(Schema):
    """Box 9: the registered signer's signature image and printed name (ISS-4)."""

    signer_name = fields.String(required=True, validate=NAME)
    signer_title = fields.String(load_default=None, allow_none=True, validate=NAME)
    place = fields.String(required=True, validate=NAME)
    date = fields.Date(required=True)
    signature_png = fields.String(load_default=None, allow_none=True)
    signature_file_id = fields.String(load_default=None, allow_none=True)


class CertificationSchema(Schema):
    place = fields.String(required=True, validate=NAME)
    date = fields.Date(required=True)


class CertificateOfOriginSchema(Schema):
    """ISS-1 / ISS-4: the standard boxes 1-10 of a non-preferential certificate of origin."""

    certificate_no = fields.String(required=True, validate=validate.Length(min=1, max=40))
    access_code = fields.String(required=True, validate=validate.Length(min=4, max=40))
    copy = fields.Boolean(load_default=False)
    chamber = fields.Nested(ChamberSchema, required=True)
    exporter = fields.Nested(PartySchema, required=True)
    consignee = fields.Nested(PartySchema, required=True)
    invoices = fields.List(fields.Nested(InvoiceSchema), load_default=list)  # [] prints NIL
    country_of_origin = fields.String(required=True, validate=NAME)
    transport = fields.Nested(TransportSchema, required=True)
    remarks = fields.List(fields.Nested(RemarkSchema), load_default=list,
                          validate=validate.Length(max=10))
    goods = fields.List(fields.Nested(GoodsItemSchema), required=True,
                        validate=validate.Length(min=1, max=500))
    declaration = fields.Nested(DeclarationSchema, required=True)
    certification = fields.Nested(CertificationSchema, required=True)

    @validates_schema
    def invoice_not_after_declaration(self, data, **kwargs):
        # ISS-4 box 3: an invoice date is not after box 9's date.
        declared = data.get("declaration", {}).get("date")
        late = [i for i, inv in enumerate(data.get("invoices", []))
                if declared and inv["date"] > declared]
        if late:
            raise MarshmallowValidationError(
                {f"invoices.{i}.date": ["invoice_after_declaration"] for i in late})


class RenderedDocumentSchema(Schema):
    """What `render` answers."""

    file_id = fields.String()
    kind = fields.String()
    pages = fields.Integer()
    size = fields.Integer()
    signed = fields.Boolean()
    created_at = fields.DateTime()


class StoredImageSchema(Schema):
    file_id = fields.String()
    width = fields.Integer()
    height = fields.Integer()
