"""Payloads of the documents service, one schema per document kind (versioned by name).

Every render is validated here first, so a template never sees a missing or malformed value.
Images travel as base64 PNG (`*_png`) or as the id of a file in the documents store
(`*_file_id`); the service resolves ids before rendering.
"""
import base64
import binascii
from datetime import date, datetime

from marshmallow import EXCLUDE, Schema, fields, post_load, validate, validates_schema
from marshmallow import ValidationError as MarshmallowValidationError

from services.documents import labels
from tradecert.clock import JAPAN
from tradecert.schemas import CCI_CODE

NAME = validate.Length(min=1, max=200)
LINE = validate.Length(min=1, max=300)
TEXT = validate.Length(max=2000)
PREVIEW_NUMBER = "PREVIEW"


class ChamberSchema(Schema):
    cci_code = fields.String(required=True, validate=CCI_CODE)
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


class PreviewSchema(Schema):
    """Issue 10: `preview: true` renders the document as it will print, watermarked, without
    a QR code and unsigned; before certification there is no number nor access code yet, so
    only then may they be left out (printed as PREVIEW)."""

    certificate_no = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(min=1, max=40))
    access_code = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(min=4, max=40))
    preview = fields.Boolean(load_default=False)

    @validates_schema
    def numbers_unless_preview(self, data, **kwargs):
        if data.get("preview"):
            return
        missing = {name: ["required"] for name in ("certificate_no", "access_code")
                   if not data.get(name)}
        if missing:
            raise MarshmallowValidationError(missing)

    @post_load
    def placeholders(self, data, **kwargs):
        if data.get("preview"):
            data["certificate_no"] = data.get("certificate_no") or PREVIEW_NUMBER
        return data


class CertificateOfOriginSchema(PreviewSchema):
    """ISS-1 / ISS-4: the standard boxes 1-10 of a non-preferential certificate of origin."""

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


class StoredAttachmentSchema(Schema):
    """What `store_attachment` answers (ISS-5, ISS-6, ISS-10)."""

    file_id = fields.String()
    sha256 = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    pages = fields.Integer()
    encrypted = fields.Boolean()
    filename = fields.String()


# --- trade registration documents (REG-4, REG-5, REG-7, REG-8, ID-3) and the signature
# certification cover sheet (ISS-10).
#
# The company uses the field names and codes of API.md's company body, so the registration
# service can pass what it stored as is. The schemas are the documents service's own contract:
# it checks what it must print (codes it has labels for, an entity type for a corporation, no
# signers for an agent), and leaves the rules of entering a company to registration.
DOCUMENT_NUMBER = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
LOGIN_ID = validate.Regexp(r"^[A-Za-z0-9_.-]{3,32}$")
# ID-2: half-width letters and digits, both present, 8-16 characters.
PASSWORD = validate.Regexp(r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9]{8,16}$", error="password_policy")

DOCUMENT_TYPES = ("health_certificate", "free_sale_certificate", "translation_declaration",
                  "other")


def check_png(value: str) -> None:
    """Images travel as base64 PNG: refuse anything else before WeasyPrint has to decode it."""
    try:
        head = base64.b64decode(value[:24], validate=True)
    except (binascii.Error, ValueError):
        raise MarshmallowValidationError("not_a_base64_png") from None
    if not head.startswith(b"\x89PNG\r\n\x1a\n"):
        raise MarshmallowValidationError("not_a_base64_png")


def one_of(table: dict):
    """A code the form has a label for."""
    return validate.OneOf(list(table))


OPTIONAL_LINE = {"load_default": None, "allow_none": True, "validate": LINE}
POSTAL = validate.Length(min=1, max=10)


class FormAddressSchema(Schema):
    postal_code = fields.String(load_default=None, allow_none=True, validate=POSTAL)
    address_ja = fields.String(**OPTIONAL_LINE)


class FormRegisteredAddressSchema(Schema):
    postal_code = fields.String(required=True, validate=POSTAL)
    address_ja = fields.String(required=True, validate=LINE)


class FormCurrentAddressSchema(FormAddressSchema):
    same_as_registered = fields.Boolean(required=True)


class FormExtraAddressSchema(Schema):
    address_ja = fields.String(required=True, validate=LINE)
    address_en = fields.String(required=True, validate=LINE)


class FormContactSchema(FormAddressSchema):
    same_as_current_address = fields.Boolean(required=True)
    department = fields.String(load_default=None, allow_none=True, validate=NAME)
    name_ja = fields.String(required=True, validate=NAME)
    phone = fields.String(required=True, validate=validate.Length(min=1, max=20))
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    is_signer = fields.Boolean(load_default=False)


class LegalEntitySchema(Schema):
    """REG-4.4: the entity type printed before or after a corporation's name."""

    legal_entity_type = fields.String(load_default=None, allow_none=True,
                                      validate=one_of(labels.LEGAL_ENTITY_TYPES))
    legal_entity_type_other = fields.String(load_default=None, allow_none=True,
                                            validate=validate.Length(min=1, max=50))
    legal_entity_position = fields.String(load_default=None, allow_none=True,
                                          validate=one_of(labels.LEGAL_ENTITY_POSITIONS))


class FormCompanySchema(LegalEntitySchema):
    """The company as the forms print it (REG-4): what the documents service needs to fill
    the boxes, each code one it has a label for. The registration service enforces the rules
    of entering it (its own CompanySchema); this is the renderer's contract, so documents
    stands alone and a field it does not print is ignored."""

    class Meta:
        unknown = EXCLUDE

    registration_type = fields.String(required=True, validate=one_of(labels.REGISTRATION_TYPES))
    membership = fields.String(required=True, validate=one_of(labels.MEMBERSHIPS))
    business_form = fields.String(required=True, validate=one_of(labels.BUSINESS_FORMS))
    name_ja = fields.String(required=True, validate=NAME)
    name_en = fields.String(required=True, validate=NAME)
    registered_address = fields.Nested(FormRegisteredAddressSchema, required=True)
    current_address = fields.Nested(FormCurrentAddressSchema, required=True)
    current_address_en = fields.String(required=True, validate=LINE)
    extra_addresses = fields.List(fields.Nested(FormExtraAddressSchema), load_default=list)
    contact = fields.Nested(FormContactSchema, required=True)
    second_hand_dealer = fields.Boolean(required=True)
    industry = fields.String(required=True, validate=one_of(labels.INDUSTRIES))
    main_products = fields.List(fields.String(validate=one_of(labels.MAIN_PRODUCTS)),
                                required=True, validate=validate.Length(min=1))

    @validates_schema(skip_on_field_errors=False)
    def printable(self, data, **kwargs):
        """What would print a form the chamber refuses: an entity type for an individual or
        none for a corporation (REG-4.4), extra addresses for an agent or more than two
        (REG-4.6)."""
        errors = {}
        entity = ("legal_entity_type", "legal_entity_position")
        if data.get("business_form") == "individual":
            errors.update({name: ["not_for_individuals"] for name in entity if data.get(name)})
        elif data.get("business_form") == "corporation":
            errors.update({name: ["required_for_corporations"] for name in entity
                           if not data.get(name)})
            if data.get("legal_entity_type") == "other" \
                    and not data.get("legal_entity_type_other"):
                errors["legal_entity_type_other"] = ["required_with_other"]
        extra = data.get("extra_addresses") or []
        if extra and data.get("registration_type") == "agent":
            errors["extra_addresses"] = ["applicants_only"]
        elif len(extra) > 2:
            errors["extra_addresses"] = ["at_most_two"]
        if errors:
            raise MarshmallowValidationError(errors)


class FormSignerSchema(Schema):
    """REG-5: a signer's box on the signature registration form."""

    class Meta:
        unknown = EXCLUDE

    name_ja = fields.String(required=True, validate=NAME)
    name_en = fields.String(required=True, validate=NAME)
    title_en = fields.String(required=True, validate=NAME)
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))


class RepresentativeSchema(Schema):
    """The pledge's signatory (not part of API.md's company body: printed blank when absent,
    to be written by hand)."""

    title_ja = fields.String(required=True, validate=NAME)
    name_ja = fields.String(required=True, validate=NAME)


class RegistrationFormSchema(Schema):
    """REG-7: what the pledge, the business description form and the signature registration
    form are filled from. One payload serves all three, as the service holds one application."""

    application_number = fields.String(required=True, validate=DOCUMENT_NUMBER)
    updated_at = fields.AwareDateTime(required=True)
    chamber = fields.Nested(ChamberSchema, required=True)
    company = fields.Nested(FormCompanySchema, required=True)
    # Any number of signers (ID-7: a user ID per signer, no limit); the forms paginate.
    signers = fields.List(fields.Nested(FormSignerSchema), load_default=list)
    representative = fields.Nested(RepresentativeSchema, load_default=None, allow_none=True)

    @validates_schema
    def signers_for_applicants_only(self, data, **kwargs):
        # REG-5: agents have no signers.
        company = data.get("company") or {}
        if data.get("signers") and company.get("registration_type") == "agent":
            raise MarshmallowValidationError({"signers": ["applicants_only"]})


class PledgeSchema(RegistrationFormSchema):
    """REG-7: 誓約書."""


class BusinessDescriptionSchema(RegistrationFormSchema):
    """REG-4, REG-7: 業態内容届."""


class SignatureRegistrationSchema(RegistrationFormSchema):
    """REG-5, REG-7: 署名届, applicants only, one box per signer."""

    @validates_schema
    def needs_signers(self, data, **kwargs):
        company = data.get("company") or {}
        if company.get("registration_type") == "agent":
            raise MarshmallowValidationError({"company.registration_type": ["applicants_only"]})
        if not data.get("signers"):
            raise MarshmallowValidationError({"signers": ["required"]})


class CompanyNameSchema(LegalEntitySchema):
    """The registered name as printed on certificates (REG-4.4: entity type before/after)."""

    name_ja = fields.String(required=True, validate=NAME)
    name_en = fields.String(required=True, validate=NAME)

    @validates_schema
    def position_with_type(self, data, **kwargs):
        if data.get("legal_entity_type") and not data.get("legal_entity_position"):
            raise MarshmallowValidationError({"legal_entity_position": ["required"]})
        if data.get("legal_entity_type") == "other" and not data.get("legal_entity_type_other"):
            raise MarshmallowValidationError({"legal_entity_type_other": ["required_with_other"]})


class RegistrationCertificateSchema(Schema):
    """REG-8: 貿易登録証 with the admin ID and its initial password (ID-2). Issued again
    after an approved change request (変更申請) with `initial_password` null: the admin's
    password is printed only on the first one."""

    chamber = fields.Nested(ChamberSchema, required=True)
    trade_registration_number = fields.String(required=True, validate=DOCUMENT_NUMBER)
    company = fields.Nested(CompanyNameSchema, required=True)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    admin_login_id = fields.String(required=True, validate=LOGIN_ID)
    initial_password = fields.String(required=True, allow_none=True, validate=PASSWORD)
    issued_on = fields.Date(required=True)

    @validates_schema
    def valid_until_after_valid_from(self, data, **kwargs):
        # REG-9: the chamber sets the validity (2 years); it is never empty or reversed.
        if data.get("valid_from") and data.get("valid_until") and \
                data["valid_until"] <= data["valid_from"]:
            raise MarshmallowValidationError({"valid_until": ["not_after_valid_from"]})


class CertificateSignerSchema(Schema):
    name_ja = fields.String(required=True, validate=NAME)
    name_en = fields.String(required=True, validate=NAME)
    title_en = fields.String(load_default=None, allow_none=True, validate=NAME)


class SignerCertificateSchema(Schema):
    """ID-3: 署名登録証, one per signer. The service decides whether the password may still be
    shown (only on the day the file is first generated); `password` null prints asterisks."""

    chamber = fields.Nested(ChamberSchema, required=True)
    trade_registration_number = fields.String(required=True, validate=DOCUMENT_NUMBER)
    company = fields.Nested(CompanyNameSchema, required=True)
    signer = fields.Nested(CertificateSignerSchema, required=True)
    login_id = fields.String(required=True, validate=LOGIN_ID)
    password = fields.String(required=True, allow_none=True, validate=PASSWORD)
    signature_png = fields.String(load_default=None, allow_none=True, validate=check_png)
    signature_file_id = fields.String(load_default=None, allow_none=True,
                                      validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    issued_on = fields.Date(required=True)

    @validates_schema
    def a_signature_is_given(self, data, **kwargs):
        # ID-3: the certificate shows the registered signature, as an image or its stored id.
        if not data.get("signature_png") and not data.get("signature_file_id"):
            raise MarshmallowValidationError(["signature_required"], "signature_png")


class SignatureApplicantSchema(Schema):
    name_en = fields.String(required=True, validate=NAME)
    name_ja = fields.String(load_default=None, allow_none=True, validate=NAME)
    trade_registration_number = fields.String(required=True, validate=DOCUMENT_NUMBER)


class SignatureCertificationSchema(Schema):
    """ISS-10: the cover sheet certifying that a private document's signature matches the
    registered one."""

    certificate_no = fields.String(required=True, validate=validate.Length(min=1, max=40))
    access_code = fields.String(required=True, validate=validate.Length(min=4, max=40))
    chamber = fields.Nested(ChamberSchema, required=True)
    document_type = fields.String(required=True, validate=validate.OneOf(DOCUMENT_TYPES))
    document_type_other = fields.String(load_default=None, allow_none=True,
                                        validate=validate.Length(min=1, max=200))
    applicant = fields.Nested(SignatureApplicantSchema, required=True)
    signer = fields.Nested(CertificateSignerSchema, required=True)
    signature_png = fields.String(required=True, validate=check_png)
    certification = fields.Nested(CertificationSchema, required=True)

    @validates_schema
    def other_needs_text(self, data, **kwargs):
        if data.get("document_type") == "other" and not data.get("document_type_other"):
            raise MarshmallowValidationError({"document_type_other": ["required_with_other"]})
        if data.get("document_type") != "other" and data.get("document_type_other"):
            raise MarshmallowValidationError({"document_type_other": ["only_with_other"]})


class StampApplicantSchema(Schema):
    name_en = fields.String(required=True, validate=NAME)
    trade_registration_number = fields.String(required=True, validate=DOCUMENT_NUMBER)


class StampSignerSchema(Schema):
    """The signer as registered (REG-5): the Japanese name always, the English one and the
    title when registered."""

    name_ja = fields.String(required=True, validate=NAME)
    name_en = fields.String(load_default=None, allow_none=True, validate=NAME)
    title_en = fields.String(load_default=None, allow_none=True, validate=NAME)


class SignatureStampSchema(PreviewSchema):
    """ISS-10 (API.md "Issuance"): the applicant's own signed PDF, stored by
    `store_attachment`, with the chamber's certification stamped on each of its pages:
    "Signature verified by ...", the signer, the number, the date, the QR code (ISS-9)."""

    copy = fields.Boolean(load_default=False)  # ISS-8: marked COPY, else ORIGINAL
    chamber = fields.Nested(ChamberSchema, required=True)
    document_file_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    document_kind = fields.String(required=True, validate=validate.OneOf(DOCUMENT_TYPES))
    document_title = fields.String(required=True, validate=LINE)
    applicant = fields.Nested(StampApplicantSchema, required=True)
    signer = fields.Nested(StampSignerSchema, required=True)
    certification = fields.Nested(CertificationSchema, required=True)


# --- payment documents (ISS-8, ISS-11; API.md "Payment"): the receipt (領収書) of a payment
# and a registration's monthly statement (利用明細). Payment passes what it recorded; the
# renderer checks that the amounts add up, so a printed total never disagrees with its lines.
#
# Months and dates are Japan's: a statement's month and a receipt's date are read in Japan
# time (a payment at 00:30 on 1 December in Tokyo is December's, though it is still 30
# November in UTC).
YEN = {"strict": True, "validate": validate.Range(min=0)}
MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="format_month")  # 2026-12
PAYMENT_ID = validate.Length(min=1, max=64)
MAX_PAYMENT_LINES = 1000  # far above a card payment's applications; the receipt paginates
MAX_STATEMENT_PAYMENTS = 10000  # a month of a busy forwarder's payments, paginated


def japan_date(value: datetime) -> date:
    return value.astimezone(JAPAN).date()


class PaymentLineSchema(Schema):
    """One certificate paid for: its number, type and fee (the certificate's fee and its
    extra copies, fixed when certified; yen, tax included)."""

    certificate_no = fields.String(required=True, validate=validate.Length(min=1, max=40))
    certificate_type = fields.String(
        required=True,
        validate=validate.OneOf(list(labels.CERTIFICATE_TYPES), error="certificate_type_unknown"))
    fee_jpy = fields.Integer(required=True, **YEN)


class PayerSchema(Schema):
    """The registration that paid (the receipt's addressee, 様)."""

    name_ja = fields.String(required=True, validate=NAME)
    name_en = fields.String(required=True, validate=NAME)
    trade_registration_number = fields.String(required=True, validate=DOCUMENT_NUMBER)


def lines_add_up(data: dict, amount_field: str) -> dict:
    """{amount_field: [amount_not_sum_of_lines]} when the lines' fees do not add up to it."""
    lines = data.get("lines")
    if lines is None or data.get(amount_field) is None:
        return {}
    if sum(line["fee_jpy"] for line in lines) != data[amount_field]:
        return {amount_field: ["amount_not_sum_of_lines"]}
    return {}


class ReceiptSchema(Schema):
    """ISS-8, ISS-11: 領収書 of one payment, issued by the chamber to the registration that
    paid. `amount_jpy` is the sum of the lines' fees (`amount_not_sum_of_lines`);
    `issued_on` (a Japan date) is not before the day it was paid in Japan
    (`issued_before_payment`)."""

    receipt_no = fields.String(required=True, validate=DOCUMENT_NUMBER)
    chamber = fields.Nested(ChamberSchema, required=True)  # the issuer: the fee is its (ISS-11)
    issued_on = fields.Date(required=True)
    payer = fields.Nested(PayerSchema, required=True)
    amount_jpy = fields.Integer(required=True, **YEN)
    lines = fields.List(fields.Nested(PaymentLineSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_PAYMENT_LINES))
    paid_at = fields.AwareDateTime(required=True)
    payment_id = fields.String(required=True, validate=PAYMENT_ID)
    method = fields.String(load_default="card", validate=one_of(labels.PAYMENT_METHODS))

    @validates_schema
    def amounts_and_dates_agree(self, data, **kwargs):
        errors = lines_add_up(data, "amount_jpy")
        if data.get("issued_on") and data.get("paid_at") and \
                data["issued_on"] < japan_date(data["paid_at"]):
            errors["issued_on"] = ["issued_before_payment"]
        if errors:
            raise MarshmallowValidationError(errors)


class StatementRegistrationSchema(Schema):
    name_ja = fields.String(required=True, validate=NAME)
    name_en = fields.String(load_default=None, allow_none=True, validate=NAME)
    trade_registration_number = fields.String(required=True, validate=DOCUMENT_NUMBER)


class StatementPaymentSchema(Schema):
    """One payment of the month: what was paid (the lines add up to `amount_jpy`) and what
    was refunded of it (never more than was paid, `refund_exceeds_amount`)."""

    paid_at = fields.AwareDateTime(required=True)
    receipt_no = fields.String(required=True, validate=DOCUMENT_NUMBER)
    amount_jpy = fields.Integer(required=True, **YEN)
    refunded_jpy = fields.Integer(load_default=0, **YEN)
    lines = fields.List(fields.Nested(PaymentLineSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_PAYMENT_LINES))

    @validates_schema
    def amounts_agree(self, data, **kwargs):
        errors = lines_add_up(data, "amount_jpy")
        if data.get("amount_jpy") is not None and data.get("refunded_jpy") is not None and \
                data["refunded_jpy"] > data["amount_jpy"]:
            errors["refunded_jpy"] = ["refund_exceeds_amount"]
        if errors:
            raise MarshmallowValidationError(errors)


class StatementSchema(Schema):
    """ISS-8, ISS-11: 利用明細, a registration's payments of one month (`month`, YYYY-MM,
    Japan time: each payment's `paid_at` falls in it, `paid_outside_month`), each with its
    certificates; `total_jpy` = Σ (amount − refunded) (`total_not_sum_of_payments`). A month
    without payments is a statement too (total 0)."""

    chamber = fields.Nested(ChamberSchema, required=True)
    month = fields.String(required=True, validate=MONTH)
    registration = fields.Nested(StatementRegistrationSchema, required=True)
    payments = fields.List(fields.Nested(StatementPaymentSchema), required=True,
                           validate=validate.Length(max=MAX_STATEMENT_PAYMENTS))
    total_jpy = fields.Integer(required=True, **YEN)

    @validates_schema
    def payments_of_the_month_add_up(self, data, **kwargs):
        payments, month = data.get("payments"), data.get("month")
        if payments is None:
            return
        errors = {}
        if month:
            errors.update({f"payments.{i}.paid_at": ["paid_outside_month"]
                           for i, payment in enumerate(payments)
                           if f"{japan_date(payment['paid_at']):%Y-%m}" != month})
        total = sum(p["amount_jpy"] - p["refunded_jpy"] for p in payments)
        if data.get("total_jpy") is not None and data["total_jpy"] != total:
            errors["total_jpy"] = ["total_not_sum_of_payments"]
        if errors:
            raise MarshmallowValidationError(errors)
