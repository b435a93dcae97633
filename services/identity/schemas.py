from marshmallow import Schema, fields, validate

from services.identity.domain import ACCOUNT_KINDS
from tradecert.schemas import CCI_CODE, PERSON_NAME, PHONE, Email

#: What a chamber's rule document is for (issue 9): `pledge` the rules the registration's
#: pledge names (the guidance links them, REG-2), `privacy` and `terms` what the consent page
#: links (REG-3), `other` anything else the chamber publishes.
RULE_KINDS = ("pledge", "privacy", "terms", "other")


class RuleSchema(Schema):
    """A rule document of the chamber: its name in Japanese (and English) and its address on
    the chamber's site."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title_en = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(min=1, max=200))
    url = fields.Url(required=True)
    kind = fields.String(load_default="other", validate=validate.OneOf(RULE_KINDS))


class RegistrationFeeSchema(Schema):
    member = fields.Integer(required=True, validate=validate.Range(min=0))
    non_member = fields.Integer(required=True, validate=validate.Range(min=0))


class ChamberContactSchema(Schema):
    """Whom applicants call at the chamber (the manual): `tradecert chamber contact`."""

    department_ja = fields.String(required=True, validate=validate.Length(min=1, max=200))
    department_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    phone = fields.String(required=True, validate=validate.Regexp(r"^[0-9+() -]{6,20}$"))
    email = Email(required=True)
    hours_ja = fields.String(required=True, validate=validate.Length(min=1, max=200))
    hours_en = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ChamberSchema(Schema):
    """GET /api/v1/chambers/{cci_code} (API.md) and `tradecert chamber add`; `contact` is
    null until set (`tradecert chamber contact`)."""

    cci_code = fields.String(required=True, validate=CCI_CODE)
    name_ja = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    registration_fee_jpy = fields.Nested(RegistrationFeeSchema, load_default=lambda: {
        "member": 0, "non_member": 0})
    registration_validity_years = fields.Integer(load_default=2,
                                                 validate=validate.Range(min=1, max=10))
    rules = fields.List(fields.Nested(RuleSchema), load_default=list)
    contact = fields.Nested(ChamberContactSchema, load_default=None, allow_none=True)


class NewStaffSchema(Schema):
    cci_code = fields.String(required=True, validate=CCI_CODE)
    login_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,32}$",
                                                                      error="format_login_id"))
    password = fields.String(required=True, load_only=True)
    name = fields.String(load_default="", validate=validate.Length(max=200))
    email = Email(load_default=None, allow_none=True)


class AccountSchema(Schema):
    login_id = fields.String()
    kind = fields.String(validate=validate.OneOf(ACCOUNT_KINDS))
    name = fields.String()
    cci_code = fields.String()
    email = fields.String(allow_none=True)


#: Every login ID the system gives (`A1234567`) or staff get (NewStaffSchema): so no NUL nor
#: any other control character reaches the database (a 4xx, not a 500).
LOGIN_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,32}$"
LOGIN_ID = validate.Regexp(LOGIN_ID_PATTERN, error="format_login_id")
PASSWORD = validate.Length(min=1, max=64)  # the policy itself is checked in domain (ID-2)
# A mail header is one line: a line break in a subject would end the header (and could add
# others), so it is refused here with the field named (issue 8, defect 1).
SINGLE_LINE = validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="single_line")


class LoginSchema(Schema):
    """POST /api/v1/sessions (ID-1)."""

    cci_code = fields.String(required=True, validate=CCI_CODE)
    login_id = fields.String(required=True, validate=LOGIN_ID)
    password = fields.String(required=True, load_only=True, validate=PASSWORD)


class PublicAccountSchema(Schema):
    login_id = fields.String()
    kind = fields.String(metadata={"enum": list(ACCOUNT_KINDS)})
    name = fields.String()


class LoginResultSchema(Schema):
    token = fields.String()
    account = fields.Nested(PublicAccountSchema)
    must_change_password = fields.Boolean()
    must_verify_email = fields.Boolean()


class PasswordChangeSchema(Schema):
    """PUT /api/v1/me/password (ID-2)."""

    current_password = fields.String(required=True, load_only=True, validate=PASSWORD)
    new_password = fields.String(required=True, load_only=True, validate=PASSWORD)


class NewPasswordSchema(Schema):
    """PUT /api/v1/signers/{login_id}/password (ID-4), /sub-ids/{login_id}/password (ID-6.5)."""

    new_password = fields.String(required=True, load_only=True, validate=PASSWORD)


class EmailVerificationRequestSchema(Schema):
    """POST /api/v1/me/email-verification (ID-5): `email` changes the address first."""

    email = Email(load_default=None, allow_none=True)


class EmailVerificationConfirmSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(
        r"^\d{6}$", error="format_verification_code"))


class SubIdSchema(Schema):
    login_id = fields.String(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, load_only=True, validate=PASSWORD)
    email = Email(required=True)
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    notified = fields.Boolean(dump_only=True)
    active = fields.Boolean(dump_only=True)


class SubIdUpdateSchema(Schema):
    """PATCH /api/v1/sub-ids/{login_id} (ID-6.5): any of these."""

    name = fields.String(validate=validate.Length(min=1, max=100))
    email = Email()
    phone = fields.String(allow_none=True, validate=PHONE)


class SubIdNotificationSchema(Schema):
    """POST /api/v1/sub-ids/{login_id}/notification (ID-6.2)."""

    target_trade_registration_number = fields.String(required=True,
                                                     validate=validate.Length(min=1, max=40))
    target_phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    target_email = Email(required=True)
    subject = fields.String(required=True,
                            validate=[validate.Length(min=1, max=200), SINGLE_LINE])
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class SubIdActivationSchema(Schema):
    """POST /api/v1/sub-id-activations (ID-6.3)."""

    activation_token = fields.String(required=True, validate=validate.Length(min=10, max=200))
    password = fields.String(required=True, load_only=True, validate=PASSWORD)


class SubIdActivationCheckSchema(Schema):
    """The activation link opened (ID-6.3): is it still good?"""

    activation_token = fields.String(required=True, validate=validate.Length(min=10, max=200))


class SignerSchema(Schema):
    """GET /api/v1/signers (ID-6.4)."""

    login_id = fields.String()
    name_ja = fields.String()
    name_en = fields.String(allow_none=True)
    title_en = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    email_verified = fields.Boolean()
    sub_ids = fields.List(fields.Nested(SubIdSchema))


class AccountSignerSchema(Schema):
    signer_id = fields.String(required=True)
    # as registration took them (REG-5): one limit on both sides
    name_ja = fields.String(required=True, validate=PERSON_NAME)
    name_en = fields.String(required=True, validate=PERSON_NAME)
    title_en = fields.String(required=True, validate=PERSON_NAME)
    email = Email(required=True)
    # REG-7: digitised from the signature form before approval; printed on ID-3's certificate
    signature_file_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))


class AccountContactSchema(Schema):
    """REG-4.7: the contact person receives the admin ID."""

    name = fields.String(required=True, validate=PERSON_NAME)  # as registration took it
    email = Email(required=True)


class RegistrationAccountsSchema(Schema):
    """`create_registration_accounts` (used by registration at approval, REG-8)."""

    cci_code = fields.String(required=True, validate=CCI_CODE)
    trade_registration_number = fields.String(required=True,
                                              validate=validate.Length(min=1, max=40))
    company = fields.Dict(required=True)
    contact = fields.Nested(AccountContactSchema, required=True)
    signers = fields.List(fields.Nested(AccountSignerSchema), load_default=list)


class RegistrationChangeSchema(Schema):
    """`apply_registration_change` (used by registration when staff approve a change
    request, 変更申請): the company's snapshot, the contact, signers added and removed."""

    cci_code = fields.String(required=True, validate=CCI_CODE)
    trade_registration_number = fields.String(required=True,
                                              validate=validate.Length(min=1, max=40))
    change_request_id = fields.String(required=True, validate=validate.Length(min=1, max=30))
    company = fields.Dict(required=True)
    contact = fields.Nested(AccountContactSchema, required=True)
    signers_added = fields.List(fields.Nested(AccountSignerSchema), load_default=list)
    signers_removed = fields.List(fields.String(validate=LOGIN_ID), load_default=list)


class StaffAccountSchema(Schema):
    """An admin, user or sub ID as chamber staff see it (issue 9: lock and unlock)."""

    login_id = fields.String()
    kind = fields.String(metadata={"enum": ["admin", "user", "sub"]})
    name = fields.String()
    created_by = fields.String(allow_none=True, metadata={
        "description": "a sub ID: the user ID (signer) that made it"})
    locked = fields.Boolean()
    locked_at = fields.DateTime(allow_none=True)
    locked_by = fields.String(allow_none=True)
    unlocked_at = fields.DateTime(allow_none=True)
    unlocked_by = fields.String(allow_none=True)
    retired_at = fields.DateTime(allow_none=True, metadata={
        "description": "a signer removed by a change request (変更申請), or a sub ID it made: "
                       "the ID works no more, whatever its lock"})


class RegistrationIdsSchema(Schema):
    """GET /api/v1/staff/registrations/{trade_registration_number}/accounts."""

    trade_registration_number = fields.String()
    company = fields.Dict()
    accounts = fields.List(fields.Nested(StaffAccountSchema))

