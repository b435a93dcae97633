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
