"""Issuance's payload schemas (marshmallow): API.md "Issuance" → "Applications".

Each field's own format is checked here; the rules between fields and those that depend on
the day of submission (ISS-4, ISS-5, ISS-6, ISS-10) are in rules.py, which loads a body
with these schemas and adds its own findings to the same one 422."""
from marshmallow import Schema, fields, validate

from tradecert.schemas import PrintedEnglish

CO_TYPES = ("co_japan", "co_foreign")
CERTIFICATE_TYPES = (*CO_TYPES, "signature")
TRANSPORT_MODES = ("vessel", "air", "truck", "rail", "post")
#: ISS-4 box 6: only these items, each with its title.
REMARK_TITLES = ("manufacturer", "end_user", "buyer", "lc_no", "order_no", "trade_terms")
#: ISS-4 box 8: a concrete unit matching the invoice; never "lot".
UNITS = ("pcs", "sets", "pairs", "dozens", "kg", "g", "t", "m", "m2", "m3", "l", "units")
#: ISS-5: what a foreign-origin CO may be for.
FOREIGN_BASES = ("re_export", "bonded_reshipment", "intermediary_trade")
#: ISS-10: the chamber's designated forms for an online signature certification.
DOCUMENT_KINDS = ("health_certificate", "free_sale_certificate", "translation_declaration",
                  "other")
#: ISS-6: the main goods category, for statistics only (not printed).
GOODS_CATEGORIES = ("general_machinery", "electrical_equipment", "transport_equipment",
                    "precision_instruments", "metals", "chemicals", "textiles", "foodstuffs",
                    "miscellaneous", "other")
MAX_GOODS = 500  # API.md: goods 1 … 500; more go on attached sheets of one application
MAX_COPIES = 5  # ISS-12: at most 5 copies per application
MAX_INVOICES = 100  # ISS-4 box 3: every invoice of the shipment, within reason

TEXT = validate.Length(min=1, max=300)
LINES = validate.Length(max=5)
COUNTRY_CODE = validate.Regexp(r"^[A-Z]{2}$", error="format_country_code")  # HK
QUANTITY = validate.Regexp(r"^\d{1,12}(\.\d{1,6})?$", error="format_quantity")  # 1200, 12.5


class ConsigneeSchema(Schema):
    """ISS-4 box 2: one party with its full address and country."""

    name = PrintedEnglish(required=True, validate=TEXT)
    address_lines = fields.List(PrintedEnglish(validate=TEXT), required=True, validate=LINES)
    country = PrintedEnglish(required=True, validate=TEXT)


class InvoiceSchema(Schema):
    """ISS-4 box 3: every invoice; none (`[]`) prints NIL."""

    number = PrintedEnglish(required=True, validate=validate.Length(min=1, max=100))
    date = fields.Date(required=True)


class TransportSchema(Schema):
    """ISS-4 box 5: from / to / via / by / on or about; loading in Japan."""

    from_ = PrintedEnglish(required=True, data_key="from", validate=TEXT)
    to = PrintedEnglish(required=True, validate=TEXT)
    via = PrintedEnglish(load_default=None, allow_none=True, validate=TEXT)
    by = fields.String(required=True, validate=validate.OneOf(TRANSPORT_MODES))
    vessel_or_flight = PrintedEnglish(load_default=None, allow_none=True, validate=TEXT)
    on_or_about = fields.Date(required=True)


class RemarkSchema(Schema):
    """ISS-4 box 6: optional, only the listed items, each with its title."""

    title = fields.String(required=True,
                          validate=validate.OneOf(REMARK_TITLES, error="remark_title_not_listed"))
    value = PrintedEnglish(required=True, validate=TEXT)


class QuantitySchema(Schema):
    """ISS-4 box 8."""

    value = fields.String(required=True, validate=QUANTITY)
    unit = fields.String(required=True, validate=validate.OneOf(UNITS, error="unit_not_listed"))


class GoodsSchema(Schema):
    """ISS-4 box 7 (marks as on the invoice or "N/M", packages, a generic description), box 8
    (quantity) and box 4 (origin; ISS-5: each item's own in a foreign-origin CO)."""

    marks = PrintedEnglish(required=True, validate=validate.Length(min=1, max=1000))
    packages = PrintedEnglish(required=True, validate=TEXT)
    description = PrintedEnglish(required=True, validate=validate.Length(min=1, max=2000))
    quantity = fields.Nested(QuantitySchema, required=True)
    origin = PrintedEnglish(load_default=None, allow_none=True,
                            validate=validate.Length(max=100))


class DeclarationSchema(Schema):
    """ISS-4 box 9: the signature and printed name are the registered signer's, never typed."""

    date = fields.Date(required=True)
    place = PrintedEnglish(required=True, validate=TEXT)


class StatisticsSchema(Schema):
    """ISS-6: asked for statistics only, never printed."""

    goods_category = fields.String(required=True, validate=validate.OneOf(GOODS_CATEGORIES))
    destination_country = fields.String(required=True, validate=COUNTRY_CODE)


class ForeignSchema(Schema):
    """ISS-5: why a foreign-origin CO is asked for, and when the goods were shipped."""

    basis = fields.String(required=True, validate=validate.OneOf(FOREIGN_BASES))
    shipment_date = fields.Date(required=True)


class ApplicationBodySchema(Schema):
    """API.md's body of a certificate of origin (`co_japan`, `co_foreign`; ISS-4, ISS-5)."""

    certificate_type = fields.String(
        required=True, validate=validate.OneOf(CERTIFICATE_TYPES, error="certificate_type_unknown"))
    consignee = fields.Nested(ConsigneeSchema, required=True)
    invoices = fields.List(fields.Nested(InvoiceSchema), required=True,
                           validate=validate.Length(max=MAX_INVOICES))
    transport = fields.Nested(TransportSchema, required=True)
    remarks = fields.List(fields.Nested(RemarkSchema), load_default=list,
                          validate=validate.Length(max=len(REMARK_TITLES)))
    goods = fields.List(fields.Nested(GoodsSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_GOODS, error="goods_count"))
    declaration = fields.Nested(DeclarationSchema, required=True)
    copies = fields.Integer(required=True, strict=True,
                            validate=validate.Range(min=0, max=MAX_COPIES, error="copies_range"))
    statistics = fields.Nested(StatisticsSchema, required=True)
    replaces = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(min=1, max=100))
    foreign = fields.Nested(ForeignSchema, load_default=None, allow_none=True)


class SignatureBodySchema(Schema):
    """API.md's body of a signature certification (ISS-10)."""

    certificate_type = fields.String(
        required=True, validate=validate.OneOf(CERTIFICATE_TYPES, error="certificate_type_unknown"))
    document_kind = fields.String(required=True, validate=validate.OneOf(DOCUMENT_KINDS))
    document_title = fields.String(required=True, validate=TEXT)
    destination_country = fields.String(required=True, validate=COUNTRY_CODE)
    copies = fields.Integer(required=True, strict=True,
                            validate=validate.Range(min=0, max=MAX_COPIES, error="copies_range"))
    statistics = fields.Nested(StatisticsSchema, required=True)
    replaces = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(min=1, max=100))


def body_schema(body) -> Schema:
    """The schema of a body by its `certificate_type` (a CO's when it names none)."""
    kind = body.get("certificate_type") if isinstance(body, dict) else None
    return SignatureBodySchema() if kind == "signature" else ApplicationBodySchema()


#: ISS-4 box 6 as printed: each listed item's title.
REMARK_TITLE_LABELS = {"manufacturer": "Manufacturer", "end_user": "End user", "buyer": "Buyer",
                       "lc_no": "L/C No.", "order_no": "Order No.",
                       "trade_terms": "Trade terms"}
#: ISS-4 box 5 as printed.
TRANSPORT_LABELS = {"vessel": "By vessel", "air": "By air", "truck": "By truck",
                    "rail": "By rail", "post": "By post"}


def dump_body(loaded: dict) -> dict:
    """A checked body as it is kept and shown: JSON values, `transport.from` by its name."""
    return body_schema(loaded).dump(loaded)


class CopySchema(Schema):
    """API.md: `{copy_from, certificate_type?}` starts a draft from an earlier application."""

    copy_from = fields.String(required=True, validate=validate.Length(min=1, max=100))
    certificate_type = fields.String(
        load_default=None, allow_none=True,
        validate=validate.OneOf(CERTIFICATE_TYPES, error="certificate_type_unknown"))


class ReasonSchema(Schema):
    """A return (ISS-7) or a revocation (ISS-14): the reason the applicant is mailed."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class StatusChangeSchema(Schema):
    status = fields.String()
    at = fields.AwareDateTime()
    by = fields.String()
    reason = fields.String(allow_none=True)


class AttachmentSchema(Schema):
    attachment_id = fields.String(attribute="id")
    kind = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    pages = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()


class StoredAttachmentSchema(AttachmentSchema):
    """For the gateway only: where documents keeps the bytes."""

    file_id = fields.String()


class ListItemSchema(Schema):
    """One row of 「発給申請状況一覧」 (ISS-2)."""

    application_id = fields.String()
    certificate_type = fields.String()
    status = fields.String()
    certificate_no = fields.String(allow_none=True)
    fee_jpy = fields.Integer(allow_none=True)
    paid = fields.Boolean()
    updated_at = fields.AwareDateTime()
    consignee_name = fields.String(allow_none=True)
    destination_country = fields.String(allow_none=True)
    applicant_login_id = fields.String()
    issued_on = fields.Date(allow_none=True)


class ApplicationListSchema(Schema):
    trade_registration_number = fields.String()
    items = fields.List(fields.Nested(ListItemSchema))
    page = fields.Integer()
    pages = fields.Integer()


class StaffQueueItemSchema(ListItemSchema):
    """The staff queue: what each application is and who signs it."""

    trade_registration_number = fields.String()
    exporter_name = fields.String()
    signer_name = fields.String()
    submitted_at = fields.AwareDateTime(allow_none=True)


class StaffListSchema(Schema):
    items = fields.List(fields.Nested(StaffQueueItemSchema))
    page = fields.Integer()
    pages = fields.Integer()


class ApplicationViewSchema(Schema):
    """API.md: everything entered, plus the status, its history, the attachments and the
    certificate. The entered fields are passed through as kept (ApplicationBodySchema /
    SignatureBodySchema); these are the ones added."""

    class Meta:
        unknown = "include"

    application_id = fields.String()
    certificate_type = fields.String()
    status = fields.String()
    trade_registration_number = fields.String()
    applicant_login_id = fields.String()
    signer_login_id = fields.String()
    signer_name = fields.String()
    exporter_name = fields.String()
    status_history = fields.List(fields.Nested(StatusChangeSchema))
    attachments = fields.List(fields.Nested(AttachmentSchema))
    certificate_no = fields.String(allow_none=True)
    issued_on = fields.Date(allow_none=True)
    fee_jpy = fields.Integer(allow_none=True)
    paid = fields.Boolean()
    return_reason = fields.String(allow_none=True)
    print_until = fields.Date(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    submitted_at = fields.AwareDateTime(allow_none=True)
    replaces_certificate_no = fields.String(allow_none=True)
    replaced_by = fields.String(allow_none=True)
    editable = fields.Boolean()
    # ISS-8, ISS-12: whether the ORIGINAL (and a COPY) may be printed now
    printable = fields.Boolean()
    copy_printable = fields.Boolean()


class PrintingSchema(Schema):
    """ISS-8, ISS-12 for staff: the first ORIGINAL printed, and the outputs of each version."""

    first_printed_at = fields.AwareDateTime(allow_none=True)
    first_printed_by = fields.String(allow_none=True)
    originals_printed = fields.Integer()
    copies_printed = fields.Integer()


class LookupsSchema(Schema):
    """ISS-14 for staff: how often and when the certificate was verified (the latest few)."""

    count = fields.Integer()
    first_at = fields.AwareDateTime(allow_none=True)
    last_at = fields.AwareDateTime(allow_none=True)
    recent = fields.List(fields.AwareDateTime())


class StaffApplicationViewSchema(ApplicationViewSchema):
    """The staff's review page: the application beside box 1 as registered and the
    registered signer with the signature image's file id; once issued, its printing and
    its verifications."""

    exporter = fields.Dict()
    signer = fields.Dict()
    signature_file_id = fields.String(allow_none=True)
    printing = fields.Nested(PrintingSchema)
    verifications = fields.Nested(LookupsSchema)


class CertifiedSchema(Schema):
    status = fields.String()
    certificate_no = fields.String()
    issued_on = fields.Date()
    fee_jpy = fields.Integer()


class FeeQuoteSchema(Schema):
    fee_jpy = fields.Integer()
    certificate_jpy = fields.Integer()
    copy_jpy = fields.Integer()
    copies = fields.Integer()
    membership = fields.String()


class PayableSchema(Schema):
    """`payable`'s answer (ISS-11): what payment charges for one application."""

    application_id = fields.String(required=True)
    fee_jpy = fields.Integer(required=True)
    certificate_no = fields.String(required=True)
    certificate_type = fields.String(required=True)

class PrintedSchema(Schema):
    """API.md "Printing": the PDF to send, ORIGINAL or COPY."""

    file_id = fields.String()
    certificate_no = fields.String()
    copy = fields.Boolean()


class VerificationQuerySchema(Schema):
    """API.md "Verification": what is printed beside the QR code, as typed or scanned."""

    certificate_no = fields.String(required=True, validate=validate.Length(min=1, max=30))
    access_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    issued_on = fields.Date(required=True)


class PartySchema(Schema):
    name = fields.String(allow_none=True)
    country = fields.String(allow_none=True)


class VerifiedGoodsSchema(Schema):
    description = fields.String()
    quantity = fields.String(allow_none=True)


class VerifiedChamberSchema(Schema):
    cci_code = fields.String()
    name_en = fields.String()


class VerificationSchema(Schema):
    """API.md "Verification" (ISS-9, ISS-14): the status and what the certificate says."""

    valid = fields.Boolean()
    status = fields.String()
    certificate_no = fields.String()
    certificate_type = fields.String()
    issued_on = fields.Date()
    chamber = fields.Nested(VerifiedChamberSchema)
    exporter = fields.Nested(PartySchema)
    consignee = fields.Nested(PartySchema)
    country_of_origin = fields.String(allow_none=True)
    destination_country = fields.String(allow_none=True)
    goods = fields.List(fields.Nested(VerifiedGoodsSchema))
    replaced_by = fields.String(allow_none=True)
