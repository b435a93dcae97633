"""registration's payload schemas: API.md's trade registration bodies, with the rules of
REG-2 … REG-5 (field-named 422s). The documents service validates the forms it prints with
the same CompanySchema and SignerSchema."""
import unicodedata

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as MarshmallowValidationError

from tradecert.schemas import PERSON_NAME, PHONE, POSTAL_CODE, Email, PrintedEnglish

NAME = validate.Length(min=1, max=200)
LINE = validate.Length(min=1, max=300)
REGISTRATION_TYPES = ("applicant", "agent", "applicant_and_agent")
APPLICANT_TYPES = ("applicant", "applicant_and_agent")
MEMBERSHIPS = ("member", "non_member_joining", "non_member_considering", "non_member_no_plan")
BUSINESS_FORMS = ("corporation", "individual")
LEGAL_ENTITY_TYPES = (
    "kabushiki_kaisha", "yugen_kaisha", "godo_kaisha", "gomei_kaisha", "goshi_kaisha",
    "ippan_shadan_hojin", "ippan_zaidan_hojin", "koeki_shadan_hojin", "koeki_zaidan_hojin",
    "tokutei_hieiri_katsudo_hojin", "kyodo_kumiai", "other")
#: The word each legal entity type prints before or after the Japanese name (REG-4.4); the
#: name itself must not hold it, or it would print twice (issue 9).
LEGAL_ENTITY_WORDS = {
    "kabushiki_kaisha": "株式会社", "yugen_kaisha": "有限会社", "godo_kaisha": "合同会社",
    "gomei_kaisha": "合名会社", "goshi_kaisha": "合資会社", "ippan_shadan_hojin": "一般社団法人",
    "ippan_zaidan_hojin": "一般財団法人", "koeki_shadan_hojin": "公益社団法人",
    "koeki_zaidan_hojin": "公益財団法人", "tokutei_hieiri_katsudo_hojin": "特定非営利活動法人",
    "kyodo_kumiai": "協同組合"}
LEGAL_ENTITY_POSITIONS = ("before", "after")
INDUSTRIES = ("manufacturing", "wholesale", "retail", "construction", "transport", "finance",
              "association", "forwarder", "other")
MAIN_PRODUCTS = ("general_machinery", "electrical_equipment", "transport_equipment",
                 "precision_instruments", "metals", "chemicals", "textiles", "foodstuffs",
                 "miscellaneous", "other")
MAX_EXTRA_ADDRESSES = 2  # REG-4.6


class RegisteredAddressSchema(Schema):
    """REG-4.5: exactly as in the commercial register."""

    postal_code = fields.String(required=True, validate=POSTAL_CODE)
    address_ja = fields.String(required=True, validate=LINE)


class CurrentAddressSchema(Schema):
    same_as_registered = fields.Boolean(required=True)
    postal_code = fields.String(load_default=None, allow_none=True, validate=POSTAL_CODE)
    address_ja = fields.String(load_default=None, allow_none=True, validate=LINE)

    @validates_schema(skip_on_field_errors=False)  # every broken rule in one answer
    def address_unless_same(self, data, **kwargs):
        # REG-4.5: the current address is entered unless "same as registered" is ticked.
        if not data.get("same_as_registered"):
            missing = {name: ["required"] for name in ("postal_code", "address_ja")
                       if not data.get(name)}
            if missing:
                raise MarshmallowValidationError(missing)


class ExtraAddressSchema(Schema):
    """REG-4.6: a further address that may be printed on certificates."""

    address_ja = fields.String(required=True, validate=LINE)
    address_en = PrintedEnglish(required=True, validate=LINE)


class ContactSchema(Schema):
    """REG-4.7: contact for registration matters; the contact person receives the admin ID."""

    same_as_current_address = fields.Boolean(required=True)
    postal_code = fields.String(load_default=None, allow_none=True, validate=POSTAL_CODE)
    address_ja = fields.String(load_default=None, allow_none=True, validate=LINE)
    department = fields.String(load_default=None, allow_none=True, validate=NAME)
    name_ja = fields.String(required=True, validate=PERSON_NAME)  # identity's admin ID name
    phone = fields.String(required=True, validate=PHONE)
    email = Email(required=True)
    is_signer = fields.Boolean(load_default=False)

    @validates_schema(skip_on_field_errors=False)  # every broken rule in one answer
    def address_unless_same(self, data, **kwargs):
        if not data.get("same_as_current_address"):
            missing = {name: ["required"] for name in ("postal_code", "address_ja")
                       if not data.get(name)}
            if missing:
                raise MarshmallowValidationError(missing)


class CompanySchema(Schema):
    """REG-4: API.md's company body."""

    registration_type = fields.String(required=True, validate=validate.OneOf(REGISTRATION_TYPES))
    membership = fields.String(required=True, validate=validate.OneOf(MEMBERSHIPS))
    business_form = fields.String(required=True, validate=validate.OneOf(BUSINESS_FORMS))
    legal_entity_type = fields.String(load_default=None, allow_none=True,
                                      validate=validate.OneOf(LEGAL_ENTITY_TYPES))
    legal_entity_type_other = fields.String(load_default=None, allow_none=True,
                                            validate=validate.Length(min=1, max=50))
    legal_entity_position = fields.String(load_default=None, allow_none=True,
                                          validate=validate.OneOf(LEGAL_ENTITY_POSITIONS))
    name_ja = fields.String(required=True, validate=NAME)
    name_en = PrintedEnglish(required=True, validate=NAME)
    registered_address = fields.Nested(RegisteredAddressSchema, required=True)
    current_address = fields.Nested(CurrentAddressSchema, required=True)
    # REG-4.5: exactly as on the commercial invoice; never stripped or normalised.
    current_address_en = PrintedEnglish(required=True, validate=LINE)
    extra_addresses = fields.List(fields.Nested(ExtraAddressSchema), load_default=list)
    contact = fields.Nested(ContactSchema, required=True)
    second_hand_dealer = fields.Boolean(required=True)
    industry = fields.String(required=True, validate=validate.OneOf(INDUSTRIES))
    main_products = fields.List(fields.String(validate=validate.OneOf(MAIN_PRODUCTS)),
                                required=True, validate=validate.Length(min=1))

    @validates_schema(skip_on_field_errors=False)  # every broken rule in one answer
    def legal_entity_for_corporations_only(self, data, **kwargs):
        # REG-4.4: entity type and its position only for corporations, required there.
        errors = {}
        entity = ("legal_entity_type", "legal_entity_position", "legal_entity_type_other")
        if data.get("business_form") == "individual":
            errors.update({name: ["not_for_individuals"] for name in entity
                           if data.get(name) is not None})
        elif data.get("business_form") == "corporation":
            errors.update({name: ["required_for_corporations"] for name in entity[:2]
                           if data.get(name) is None})
            other = data.get("legal_entity_type") == "other"
            if other and not data.get("legal_entity_type_other"):
                errors["legal_entity_type_other"] = ["required_with_other"]
            if not other and data.get("legal_entity_type_other") is not None:
                errors["legal_entity_type_other"] = ["only_with_other"]
        if errors:
            raise MarshmallowValidationError(errors)

    @validates_schema(skip_on_field_errors=False)  # every broken rule in one answer
    def legal_entity_printed_once(self, data, **kwargs):
        # REG-4.4: the chosen type is printed before or after the name; typed into the name
        # as well, it would print twice (株式会社さくら貿易株式会社). Issue 9.
        if data.get("business_form") != "corporation" or not data.get("legal_entity_position"):
            return
        entity = data.get("legal_entity_type")
        word = (data.get("legal_entity_type_other") if entity == "other"
                else LEGAL_ENTITY_WORDS.get(entity))
        name = unicodedata.normalize("NFKC", data.get("name_ja") or "")
        if word and unicodedata.normalize("NFKC", word) in name:
            raise MarshmallowValidationError({"name_ja": ["legal_entity_in_name"]})

    @validates_schema(skip_on_field_errors=False)  # every broken rule in one answer
    def extra_addresses_for_applicants_only(self, data, **kwargs):
        # REG-4.6: applicants only, at most two.
        extra = data.get("extra_addresses") or []
        if extra and data.get("registration_type") == "agent":
            raise MarshmallowValidationError({"extra_addresses": ["applicants_only"]})
        if len(extra) > MAX_EXTRA_ADDRESSES:
            raise MarshmallowValidationError({"extra_addresses": ["at_most_two"]})

    @validates_schema(skip_on_field_errors=False)  # every broken rule in one answer
    def main_products_once(self, data, **kwargs):
        products = data.get("main_products") or []
        if len(set(products)) != len(products):
            raise MarshmallowValidationError({"main_products": ["duplicate"]})


class SignerSchema(Schema):
    """REG-5: all four required."""

    name_ja = fields.String(required=True, validate=PERSON_NAME)
    name_en = PrintedEnglish(required=True, validate=PERSON_NAME)
    title_en = PrintedEnglish(required=True, validate=PERSON_NAME)
    email = Email(required=True)


class InvitationSchema(Schema):
    """POST /api/v1/chambers/{cci_code}/registration-invitations (REG-2)."""

    email = Email(required=True)
    agree_rules = fields.Boolean(required=True)


class ConsentSchema(Schema):
    """POST /api/v1/registration-applications (REG-3)."""

    invitation_token = fields.String(required=True, validate=validate.Length(min=10, max=200))
    agree_privacy = fields.Boolean(required=True)
    agree_terms = fields.Boolean(required=True)


class StartedApplicationSchema(Schema):
    application_number = fields.String()
    application_token = fields.String()
    status = fields.String()


class NewSignerSchema(SignerSchema):
    """POST .../signers (REG-5); `reason` is required from the 16th signer (REG-10)."""

    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(min=1, max=2000))


class SignerViewSchema(Schema):
    signer_id = fields.String()
    name_ja = fields.String()
    name_en = fields.String()
    title_en = fields.String()
    email = fields.String()
    reason = fields.String(allow_none=True)
    signature_registered = fields.Boolean()


class ApplicationViewSchema(Schema):
    """GET /api/v1/registration-applications/{application_number}: everything entered."""

    application_number = fields.String()
    cci_code = fields.String()
    email = fields.String()
    status = fields.String(metadata={"enum": ["draft", "submitted", "returned", "approved"]})
    company = fields.Dict(allow_none=True)
    signers = fields.List(fields.Nested(SignerViewSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    returned_reason = fields.String(allow_none=True)
    trade_registration_number = fields.String(allow_none=True)
    # What the rules say about the application now, so callers ask instead of copying them.
    forms = fields.List(fields.String(), metadata={
        "description": "the forms this application prints (REG-7): the pledge and the "
                       "business description, and the signature registration form unless "
                       "it registers as agent; empty before the company is entered",
        "example": ["pledge", "business-description", "signature-registration"]})
    registers_signers = fields.Boolean(metadata={
        "description": "REG-5: applicants register signers, agents none"})
    signer_reason_required = fields.Boolean(metadata={
        "description": "REG-10: the next signer added needs a written `reason`"})
    contact_signer_missing = fields.Boolean(metadata={
        "description": "REG-4.7: the contact signs but is not in the signers yet"})
    missing = fields.List(fields.String(), metadata={
        "description": "what must still be entered before submitting (REG-6)",
        "example": ["signers"]})
    max_extra_addresses = fields.Integer(metadata={
        "description": "REG-4.6: how many extra addresses the company may have"})
    max_signature_scan_bytes = fields.Integer(metadata={
        "description": "REG-7: the largest scanned signature box accepted, in bytes"})


class ApprovalSchema(Schema):
    """POST /api/v1/staff/registration-applications/{number}/approval (REG-8)."""

    registration_fee_receipt_no = fields.String(required=True,
                                                validate=validate.Length(min=1, max=50))


class ApprovalResultSchema(Schema):
    trade_registration_number = fields.String()
    valid_until = fields.Date()
    admin_login_id = fields.String()


class AdminPasswordResultSchema(Schema):
    """POST /api/v1/staff/registrations/{trade_registration_number}/admin-password: the new
    admin password is printed on the new trade registration certificate, nowhere else."""

    trade_registration_number = fields.String()
    admin_login_id = fields.String()
    certificate_url = fields.String(metadata={
        "description": "the new trade registration certificate (PDF) with the admin ID and "
                       "its new password; GET /api/v1/staff/registrations/{n}/certificate.pdf"})


class ReturnSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ApplicationSummarySchema(Schema):
    """A line of the staff's queue."""

    application_number = fields.String()
    status = fields.String()
    name_ja = fields.String(allow_none=True)
    registration_type = fields.String(allow_none=True)
    trade_registration_number = fields.String(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


# --- after approval: the registration, its renewal (REG-9) ---------------------------------

class RenewSchema(Schema):
    """POST /api/v1/staff/registrations/{trade_registration_number}/renewal (REG-9)."""

    registration_fee_receipt_no = fields.String(required=True,
                                                validate=validate.Length(min=1, max=50))


class RenewalSchema(Schema):
    """A renewal: `requested` (the admin asked) or `renewed` (its history: the receipt, the
    old and the new end of validity)."""

    status = fields.String(metadata={"enum": ["requested", "renewed"]})
    requested_at = fields.DateTime(allow_none=True)
    requested_by = fields.String(allow_none=True)
    renewed_at = fields.DateTime(allow_none=True)
    registration_fee_receipt_no = fields.String(allow_none=True)
    previous_valid_until = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)


class RegisteredSignerSchema(Schema):
    login_id = fields.String()
    name_ja = fields.String()
    name_en = fields.String(allow_none=True)
    title_en = fields.String(allow_none=True)




class RegistrationViewSchema(Schema):
    """GET /api/v1/registration: the registration as registered and its validity (REG-9)."""

    trade_registration_number = fields.String()
    cci_code = fields.String()
    valid_from = fields.Date()
    valid_until = fields.Date()
    status = fields.String(metadata={
        "enum": ["valid", "expiring", "expired"],
        "description": "expiring: within 30 days of `valid_until`, when the reminders are "
                       "mailed and renewal is open"})
    renewal_opens_on = fields.Date()
    renewed_until = fields.Date(metadata={
        "description": "the new `valid_until` a renewal today would give"})
    renewal = fields.Nested(RenewalSchema, allow_none=True)
    company = fields.Dict()
    admin_login_id = fields.String()
    signers = fields.List(fields.Nested(RegisteredSignerSchema))


class RenewalRequestedSchema(Schema):
    """POST /api/v1/registration/renewal → 202."""

    trade_registration_number = fields.String()
    valid_until = fields.Date()
    renewal_requested = fields.Boolean()
    renewal = fields.Nested(RenewalSchema)


class RenewalQueueItemSchema(RenewalSchema):
    """A line of the chamber's renewal queue."""

    trade_registration_number = fields.String()
    name_ja = fields.String(allow_none=True)
    name_en = fields.String(allow_none=True)
    registration_valid_until = fields.Date()
    validity = fields.String(metadata={"enum": ["valid", "expiring", "expired"]})


class RenewedSchema(Schema):
    """POST /api/v1/staff/registrations/{trade_registration_number}/renewal → 200."""

    trade_registration_number = fields.String()
    valid_until = fields.Date()
    previous_valid_until = fields.Date()


# --- change requests (変更申請) of an approved registration ----------------------------------

LOGIN_ID = validate.Regexp(r"^[A-Za-z0-9_.-]{1,32}$")


class ChangeRequestSchema(Schema):
    """POST /api/v1/registration/change-requests: the new company (REG-4, as the wizard's),
    signers to add (REG-5, REG-10, as the wizard's) and the user IDs of signers to remove."""

    company = fields.Nested(CompanySchema, load_default=None, allow_none=True)
    signers_added = fields.List(fields.Nested(NewSignerSchema), load_default=list)
    signers_removed = fields.List(fields.String(validate=LOGIN_ID), load_default=list)


class RemovedSignerSchema(Schema):
    login_id = fields.String()
    name_ja = fields.String()
    name_en = fields.String(allow_none=True)
    title_en = fields.String(allow_none=True)




class AddedSignerSchema(SignerViewSchema):
    login_id = fields.String(allow_none=True, metadata={
        "description": "the new user ID, once the change request is approved"})


class ChangeRequestViewSchema(Schema):
    """A change request as the admin and staff see it, and what the rules say about it."""

    change_request_id = fields.String(metadata={"example": "C1504-2026-00001"})
    cci_code = fields.String()
    trade_registration_number = fields.String()
    status = fields.String(metadata={"enum": ["submitted", "returned", "approved"]})
    company = fields.Dict(allow_none=True, metadata={
        "description": "the new company (REG-4), null when it does not change"})
    company_before = fields.Dict(metadata={"description": "the company as registered now"})
    signers_added = fields.List(fields.Nested(AddedSignerSchema))
    signers_removed = fields.List(fields.Nested(RemovedSignerSchema))
    requested_by = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    returned_reason = fields.String(allow_none=True)
    forms = fields.List(fields.String(), metadata={
        "description": "the forms this change prints: business-description when the company "
                       "changes, signature-registration when signers are added",
        "example": ["business-description", "signature-registration"]})
    max_signature_scan_bytes = fields.Integer()


class ChangeRequestCreatedSchema(Schema):
    change_request_id = fields.String()
    status = fields.String()
    signers_added = fields.List(fields.Nested(Schema.from_dict(
        {"signer_id": fields.String(), "name_en": fields.String()},
        name="ChangeRequestAddedSigner")))


class ChangeRequestSummarySchema(Schema):
    """A line of the staff's change request queue."""

    change_request_id = fields.String()
    trade_registration_number = fields.String()
    status = fields.String()
    name_ja = fields.String()
    changes_company = fields.Boolean()
    signers_added = fields.Integer()
    signers_removed = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ChangeRequestPreviewSchema(Schema):
    """What a change request would ask for (the pages' review step; nothing written)."""

    company = fields.Dict(allow_none=True)
    company_before = fields.Dict()
    signers_added = fields.List(fields.Nested(NewSignerSchema))
    signers_removed = fields.List(fields.Nested(RemovedSignerSchema))
