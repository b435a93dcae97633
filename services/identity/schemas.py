from marshmallow import Schema, fields, validate

from services.identity.domain import ACCOUNT_KINDS


class RuleSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    url = fields.Url(required=True)


class RegistrationFeeSchema(Schema):
    member = fields.Integer(required=True, validate=validate.Range(min=0))
    non_member = fields.Integer(required=True, validate=validate.Range(min=0))


class ChamberSchema(Schema):
    """GET /api/v1/chambers/{cci_code} (API.md) and `tradecert chamber add`."""

    cci_code = fields.String(required=True, validate=validate.Regexp(r"^\d{4}$"))
    name_ja = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    registration_fee_jpy = fields.Nested(RegistrationFeeSchema, load_default=lambda: {
        "member": 0, "non_member": 0})
    registration_validity_years = fields.Integer(load_default=2,
                                                 validate=validate.Range(min=1, max=10))
    rules = fields.List(fields.Nested(RuleSchema), load_default=list)


class NewStaffSchema(Schema):
    cci_code = fields.String(required=True, validate=validate.Regexp(r"^\d{4}$"))
    login_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,32}$"))
    password = fields.String(required=True, load_only=True)
    name = fields.String(load_default="", validate=validate.Length(max=200))
    email = fields.Email(load_default=None, allow_none=True)


class AccountSchema(Schema):
    login_id = fields.String()
    kind = fields.String(validate=validate.OneOf(ACCOUNT_KINDS))
    name = fields.String()
    cci_code = fields.String()
    email = fields.String(allow_none=True)
