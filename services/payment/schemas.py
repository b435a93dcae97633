"""Payment's message and payload schemas (marshmallow), versioned by name.

Fees (ISS-11, API.md "Payment"): yen, tax included, member and non-member, per certificate
and per extra copy."""
from marshmallow import Schema, fields, validate

from tradecert.schemas import CCI_CODE

#: What a fee schedule prices: a certificate of origin (either kind), a signature
#: certification, and each extra copy.
FEE_KINDS = ("co", "signature", "copy")
MEMBERSHIPS = ("member", "non_member")
#: What an application is for (ISS-1); both kinds of CO cost the "co" fee.
CERTIFICATE_FEES = {"co_japan": "co", "co_foreign": "co", "signature": "signature"}
MAX_COPIES = 5  # ISS-12: at most 5 copies per application
MAX_FEE_JPY = 1_000_000  # far above any chamber's fee: a typo's extra zeros are refused
FEE_JPY = validate.Range(min=0, max=MAX_FEE_JPY)


class FeePairSchema(Schema):
    """One price, by the registration's membership (the member price when it is `member`)."""

    member = fields.Integer(required=True, strict=True, validate=FEE_JPY)
    non_member = fields.Integer(required=True, strict=True, validate=FEE_JPY)


class FeeScheduleSchema(Schema):
    """A chamber's fees: what `fees` answers and what `set_fees` takes (all six required),
    and `fees_jpy` in GET /api/v1/chambers/{cci_code}."""

    co = fields.Nested(FeePairSchema, required=True,
                       metadata={"description": "a certificate of origin (either kind)"})
    signature = fields.Nested(FeePairSchema, required=True,
                              metadata={"description": "a signature certification"})
    copy = fields.Nested(FeePairSchema, required=True,
                         metadata={"description": "each extra copy"})


class FeeChangeSchema(Schema):
    """Whose fees `set_fees` changes, and who changes them (kept in the history)."""

    cci_code = fields.String(required=True, validate=CCI_CODE)
    by_login_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class QuoteSchema(Schema):
    """`quote`'s arguments (ISS-6: the application shows its fee)."""

    cci_code = fields.String(required=True, validate=CCI_CODE)
    certificate_type = fields.String(
        required=True,
        validate=validate.OneOf(tuple(CERTIFICATE_FEES), error="certificate_type_unknown"))
    membership = fields.String(required=True, validate=validate.OneOf(MEMBERSHIPS))
    copies = fields.Integer(required=True, strict=True,
                            validate=validate.Range(min=0, max=MAX_COPIES, error="copies_range"))


class QuoteResultSchema(Schema):
    """API.md: fee_jpy = the certificate's fee + copies × the copy fee."""

    fee_jpy = fields.Integer(required=True)
    certificate_jpy = fields.Integer(required=True)
    copy_jpy = fields.Integer(required=True, metadata={"description": "per extra copy"})
    copies = fields.Integer(required=True)
    membership = fields.String(required=True, validate=validate.OneOf(MEMBERSHIPS))


# --- card payments (ISS-8, API.md "Payment") ---------------------------------------------------

MAX_APPLICATIONS = 50  # one payment, one page of the list of applications
PAYMENT_STATUSES = ("open", "succeeded", "failed", "refunded")
#: A PaymentMethod (or, from the Stripe.js stand-in, a card) id: what Stripe names them.
PAYMENT_METHOD = validate.Regexp(r"^(pm|card|src)_[A-Za-z0-9_]{1,200}$",
                                 error="payment_method_invalid")
MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="format_month")


def unique(values: list) -> None:
    if len(set(values)) != len(values):
        from marshmallow import ValidationError

        raise ValidationError("application_ids_repeated")


class StartPaymentSchema(Schema):
    """POST /api/v1/payments: the caller's certified, unpaid applications (one or many)."""

    application_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)), required=True,
        validate=[validate.Length(min=1, max=MAX_APPLICATIONS, error="application_ids_count"),
                  unique])


class ConfirmationSchema(Schema):
    """POST /api/v1/payments/{id}/confirmation: the PaymentMethod Stripe.js (or an API
    client, with Stripe's API) made of the card."""

    payment_method = fields.String(required=True, validate=PAYMENT_METHOD)


class RefundSchema(Schema):
    """POST /api/v1/staff/payments/{id}/refund: why (kept, mailed)."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class StatementRequestSchema(Schema):
    month = fields.String(required=True, validate=MONTH)
    fmt = fields.String(required=True, validate=validate.OneOf(("csv", "pdf")))


class PaymentLineSchema(Schema):
    application_id = fields.String(required=True)
    fee_jpy = fields.Integer(required=True)
    certificate_no = fields.String()
    certificate_type = fields.String()


class PaymentViewSchema(Schema):
    """GET /api/v1/payments/{id}; POST /api/v1/payments adds how to pay (`client_secret`,
    `publishable_key`, `checkout_url`) while it is open."""

    payment_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(PAYMENT_STATUSES))
    amount_jpy = fields.Integer(required=True)
    lines = fields.List(fields.Nested(PaymentLineSchema), required=True)
    paid_at = fields.AwareDateTime(allow_none=True)
    receipt_no = fields.String(allow_none=True)
    refunded_jpy = fields.Integer()
    refunded_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    client_secret = fields.String(allow_none=True)
    publishable_key = fields.String()
    checkout_url = fields.String()


class ConfirmationResultSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(
        ("succeeded", "requires_action", "processing")))
    client_secret = fields.String(metadata={"description": "for Stripe.js's 3-D Secure step"})


class StaffPaymentSchema(PaymentViewSchema):
    trade_registration_number = fields.String()
    login_id = fields.String()
    refund_reason = fields.String(allow_none=True)
    refunded_by = fields.String(allow_none=True)


class PaymentListSchema(Schema):
    """GET /api/v1/payments: the caller's payments, newest first, a page at a time."""

    items = fields.List(fields.Nested(PaymentViewSchema), required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class StaffPaymentListSchema(Schema):
    items = fields.List(fields.Nested(StaffPaymentSchema), required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
