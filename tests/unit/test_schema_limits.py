"""Every schema's limits fit the columns behind them (defect 7): a value the schema accepts
must never make the database refuse it (a 500). Also across services: what registration
takes for a signer ends up in identity's accounts at approval (defect 3)."""
import inspect
import re._parser as regex_parser

import pytest
from marshmallow import Schema, fields, validate

from services.identity import models as identity
from services.identity import schemas as identity_schemas
from services.notify import models as notify
from services.registration import models as registration
from services.registration import schemas as registration_schemas

IS, RS = identity_schemas, registration_schemas

#: (schema, field path) -> the columns its value is written to (or looked up in).
STORED = {
    # registration
    (RS.InvitationSchema, "email"): [registration.Invitation.email, registration.Application.email],
    (RS.ContactSchema, "name_ja"): [identity.Account.name],  # the admin ID's holder
    (RS.ContactSchema, "email"): [identity.Account.email],
    (RS.SignerSchema, "name_ja"): [registration.Signer.name_ja, identity.Account.name],
    (RS.SignerSchema, "name_en"): [registration.Signer.name_en],
    (RS.SignerSchema, "title_en"): [registration.Signer.title_en],
    (RS.SignerSchema, "email"): [registration.Signer.email, identity.Account.email],
    (RS.NewSignerSchema, "reason"): [registration.Signer.reason],
    (RS.ApprovalSchema, "registration_fee_receipt_no"):
        [registration.Registration.registration_fee_receipt_no],
    (RS.ReturnSchema, "reason"): [registration.Application.returned_reason],
    (RS.RenewSchema, "registration_fee_receipt_no"):
        [registration.Renewal.registration_fee_receipt_no],
    # identity
    (IS.ChamberSchema, "cci_code"): [identity.Chamber.cci_code],
    (IS.ChamberSchema, "name_ja"): [identity.Chamber.name_ja],
    (IS.ChamberSchema, "name_en"): [identity.Chamber.name_en],
    (IS.NewStaffSchema, "cci_code"): [identity.Chamber.cci_code],
    (IS.NewStaffSchema, "login_id"): [identity.Account.login_id],
    (IS.NewStaffSchema, "name"): [identity.Account.name],
    (IS.NewStaffSchema, "email"): [identity.Account.email],
    (IS.LoginSchema, "cci_code"): [identity.Chamber.cci_code],
    (IS.LoginSchema, "login_id"): [identity.Account.login_id],
    (IS.EmailVerificationRequestSchema, "email"):
        [identity.Account.email, identity.EmailVerification.email],
    (IS.SubIdSchema, "name"): [identity.Account.name],
    (IS.SubIdSchema, "email"): [identity.Account.email],
    (IS.SubIdSchema, "phone"): [identity.Account.phone],
    (IS.SubIdUpdateSchema, "name"): [identity.Account.name],
    (IS.SubIdUpdateSchema, "email"): [identity.Account.email],
    (IS.SubIdUpdateSchema, "phone"): [identity.Account.phone],
    (IS.SubIdNotificationSchema, "target_trade_registration_number"):
        [identity.Registration.trade_registration_number],
    (IS.SubIdNotificationSchema, "target_email"): [notify.MailMessage.to_address],
    (IS.AccountSignerSchema, "name_ja"): [identity.Account.name],
    (IS.AccountSignerSchema, "email"): [identity.Account.email],
    (IS.AccountSignerSchema, "signature_file_id"): [identity.Account.signature_file_id],
    (IS.AccountContactSchema, "name"): [identity.Account.name],
    (IS.AccountContactSchema, "email"): [identity.Account.email],
    (IS.RegistrationAccountsSchema, "cci_code"): [identity.Chamber.cci_code],
    (IS.RegistrationAccountsSchema, "trade_registration_number"):
        [identity.Registration.trade_registration_number],
    # change requests (変更申請): looked up, never stored as given
    (IS.RegistrationChangeSchema, "cci_code"): [identity.Chamber.cci_code],
    (IS.RegistrationChangeSchema, "trade_registration_number"):
        [identity.Registration.trade_registration_number],
}

#: Answers only (dumped, never loaded): no value of theirs goes into a column.
OUTPUTS = {RS.StartedApplicationSchema, RS.SignerViewSchema, RS.ApplicationViewSchema,
           RS.ApprovalResultSchema, RS.ApplicationSummarySchema, RS.RenewalSchema,
           RS.RegisteredSignerSchema, RS.RegistrationViewSchema, RS.RenewalRequestedSchema,
           RS.RenewalQueueItemSchema, RS.RenewedSchema, IS.AccountSchema,
           IS.PublicAccountSchema, IS.LoginResultSchema, IS.SignerSchema,
           RS.RemovedSignerSchema, RS.AddedSignerSchema, RS.ChangeRequestViewSchema,
           RS.ChangeRequestCreatedSchema, RS.ChangeRequestSummarySchema,
           RS.ChangeRequestPreviewSchema, RS.AdminPasswordResultSchema, IS.StaffAccountSchema,
           IS.RegistrationIdsSchema}
#: Input fields named like a column but never stored as given (hashed, or only compared).
#: (The company, and a user ID's signer, are kept whole, as JSON.)
NOT_STORED = {(IS.NewStaffSchema, "password"), (IS.SubIdSchema, "password"),
              (IS.SubIdSchema, "login_id"), (IS.AccountSignerSchema, "signer_id"),
              (IS.AccountSignerSchema, "name_en"), (RS.CompanySchema, "name_ja"),
              (RS.CompanySchema, "name_en"),
              (IS.RuleSchema, "kind"),  # a rule's kind is kept in the chamber's JSON rules
              # the chamber's contact is kept whole, as JSON (issue 9)
              (IS.ChamberContactSchema, "email"), (IS.ChamberContactSchema, "phone")}


def field_at(schema: type[Schema], path: str) -> fields.Field:
    field = schema().fields[path.split(".")[0]]
    for name in path.split(".")[1:]:
        field = field.schema.fields[name]
    return field


def longest(field: fields.Field) -> float:
    """The longest value the field's validators let through (inf: no limit)."""
    limits = [float("inf")]
    for validator in field.validators:
        if isinstance(validator, validate.Length) and validator.max is not None:
            limits.append(validator.max)
        elif isinstance(validator, validate.Regexp):
            limits.append(regex_parser.parse(validator.regex.pattern).getwidth()[1])
        elif isinstance(validator, validate.OneOf):
            limits.append(max(len(choice) for choice in validator.choices))
    return min(limits)


@pytest.mark.parametrize(("schema", "path"), sorted(STORED, key=lambda k: (k[0].__name__, k[1])),
                         ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_a_value_the_schema_takes_fits_its_columns(schema, path):
    allowed = longest(field_at(schema, path))
    for column in STORED[(schema, path)]:
        assert allowed <= column.type.length, \
            f"{schema.__name__}.{path} takes {allowed} characters, {column} holds " \
            f"{column.type.length}"


def columns_by_name(models) -> set[str]:
    return {column.name for model in vars(models).values()
            if inspect.isclass(model) and hasattr(model, "__table__")
            for column in model.__table__.columns}


@pytest.mark.parametrize(("module", "models"), [(RS, registration), (IS, identity)],
                         ids=["registration", "identity"])
def test_every_input_field_named_like_a_column_is_in_the_table(module, models):
    """A new input field that shares a column's name must be added to STORED (or to
    NOT_STORED), so this test keeps checking what is new."""
    columns = columns_by_name(models)
    mapped = {(schema, path.split(".")[0]) for schema, path in STORED}
    unmapped = [
        f"{schema.__name__}.{name}"
        for schema in vars(module).values()
        if inspect.isclass(schema) and issubclass(schema, Schema) and schema is not Schema
        and schema.__module__ == module.__name__ and schema not in OUTPUTS
        for name, field in schema().fields.items()
        if name in columns and not field.dump_only
        and isinstance(field, fields.String) and (schema, name) not in NOT_STORED
        and not any(issubclass(schema, base) and (base, name) in mapped
                    for base in schema.__mro__ if base is not schema)
        and (schema, name) not in mapped]
    assert unmapped == []


def test_an_e_mail_address_of_more_than_254_characters_is_refused_by_name():
    from tradecert.errors import ValidationFailed
    from tradecert.schemas import load

    address = "a" * 245 + "@example.jp"  # 256 characters, a valid form
    with pytest.raises(ValidationFailed) as refused:
        load(RS.InvitationSchema(), {"email": address, "agree_rules": True})
    assert list(refused.value.fields) == ["email"]


@pytest.mark.parametrize("login_id", ["A\x001234567", "A123\n4567", "staff\x7f01", ""])
def test_a_login_id_with_a_control_character_is_refused_by_name(login_id):
    from tradecert.errors import ValidationFailed
    from tradecert.schemas import load

    with pytest.raises(ValidationFailed) as refused:
        load(IS.LoginSchema(), {"cci_code": "1504", "login_id": login_id, "password": "x"})
    assert list(refused.value.fields) == ["login_id"]


@pytest.mark.parametrize(("sent", "taken"), [
    ((RS.SignerSchema, "name_ja"), (IS.AccountSignerSchema, "name_ja")),
    ((RS.SignerSchema, "name_en"), (IS.AccountSignerSchema, "name_en")),
    ((RS.SignerSchema, "title_en"), (IS.AccountSignerSchema, "title_en")),
    ((RS.SignerSchema, "email"), (IS.AccountSignerSchema, "email")),
    ((RS.ContactSchema, "name_ja"), (IS.AccountContactSchema, "name")),
    ((RS.ContactSchema, "email"), (IS.AccountContactSchema, "email")),
], ids=lambda v: f"{v[0].__name__}.{v[1]}")
def test_identity_takes_at_approval_whatever_registration_took(sent, taken):
    """Defect 3: a signer's or the contact's name that registration accepted made the
    approval fail (identity allowed 100 characters, registration 200)."""
    assert longest(field_at(*sent)) == longest(field_at(*taken))


@pytest.mark.parametrize(("typed", "kept"), [
    ("ＳＡＫＵＲＡ　ＴＲＡＤＩＮＧ　ＣＯ．，ＬＴＤ．", "SAKURA TRADING CO.,LTD."),
    ("1-2-3  Kamicho,  Saitama", "1-2-3  Kamicho,  Saitama"),  # as on the invoice, spaces too
    ("ＥＸＰＯＲＴ　ＭＡＮＡＧＥＲ", "EXPORT MANAGER"),
])
def test_english_printed_on_certificates_takes_full_width_letters_as_half_width(typed, kept):
    from tradecert.schemas import load

    signer = load(registration_schemas.NewSignerSchema(), {
        "name_ja": "山田 太郎", "name_en": typed, "title_en": typed, "email": "t@example.jp"})
    assert signer["name_en"] == kept and signer["title_en"] == kept


@pytest.mark.parametrize("typed", ["山田 太郎", "TARO — YAMADA", "Ｔａｒｏ\u3042", "MÜLLER"])
def test_english_printed_on_certificates_refuses_anything_else_by_name(typed):
    from tradecert.errors import ValidationFailed
    from tradecert.schemas import load

    with pytest.raises(ValidationFailed) as caught:
        load(registration_schemas.NewSignerSchema(), {
            "name_ja": "山田 太郎", "name_en": typed, "title_en": "MANAGER",
            "email": "t@example.jp"})
    assert caught.value.fields == {"name_en": ["not_english"]}
