"""Trade registration documents: the three forms printed at REG-7 (pledge, business description,
signature registration), the trade registration certificate (REG-8) and the signer registration
certificate (ID-3). Template contexts, the Japanese labels of API.md's codes, document kinds."""
from services.documents import layouts, samples
from services.documents.interfaces import company_name_ja
from services.documents.labels import (
    BUSINESS_FORMS,
    INDUSTRIES,
    LEGAL_ENTITY_POSITIONS,
    LEGAL_ENTITY_TYPES,
    MAIN_PRODUCTS,
    MEMBERSHIPS,
    REGISTRATION_TYPES,
)
from services.documents.rendering import (
    DocumentKind,
    Renderer,
    datetime_ja,
    default_seal,
    png_data_uri,
    qr_data_uri,
)
from services.documents.schemas import (
    BusinessDescriptionSchema,
    PledgeSchema,
    RegistrationCertificateSchema,
    SignatureRegistrationSchema,
    SignerCertificateSchema,
)

MASKED_PASSWORD = "************"  # ID-3: the password after the day of first output

# REG-7: applicant-and-agent pledges twice, once in each role.
PLEDGE_ROLES = {"applicant": ("applicant",), "agent": ("agent",),
                "applicant_and_agent": ("applicant", "agent")}
ROLES = {"applicant": "申請者", "agent": "代行業者"}


def postal_code(code: str | None) -> str:
    if not code:
        return ""
    digits = code.replace("-", "")
    return f"〒{digits[:3]}-{digits[3:]}"


def form_header(form: dict) -> dict:
    """REG-7: application number, QR code (exactly the number) and updated date-time, printed
    at the top right of every page of every form."""
    return {"application_number": form["application_number"],
            "qr": qr_data_uri(form["application_number"]),
            "updated": datetime_ja(form["updated_at"])}


def company_view(company: dict) -> dict:
    """Every REG-4 field as the business description form prints it."""
    current = company["current_address"]
    contact = company["contact"]
    entity = company["legal_entity_type"]
    return {
        "registration_type": REGISTRATION_TYPES[company["registration_type"]],
        "applicant": company["registration_type"] != "agent",
        "membership": MEMBERSHIPS[company["membership"]],
        "business_form": BUSINESS_FORMS[company["business_form"]],
        "corporation": company["business_form"] == "corporation",
        "legal_entity_type": (f"その他（{company['legal_entity_type_other']}）" if entity == "other"
                              else LEGAL_ENTITY_TYPES.get(entity, "")),
        "legal_entity_position": LEGAL_ENTITY_POSITIONS.get(company["legal_entity_position"], ""),
        "full_name_ja": company_name_ja(company),
        "name_ja": company["name_ja"],
        "name_en": company["name_en"],
        "registered_postal_code": postal_code(company["registered_address"]["postal_code"]),
        "registered_address_ja": company["registered_address"]["address_ja"],
        "current_same": current["same_as_registered"],
        "current_postal_code": postal_code(current["postal_code"]),
        "current_address_ja": current["address_ja"],
        "current_address_en": company["current_address_en"],
        "extra_addresses": company["extra_addresses"],
        "contact": contact,
        "contact_postal_code": postal_code(contact["postal_code"]),
        "second_hand_dealer": "有り" if company["second_hand_dealer"] else "無し",
        "industry": INDUSTRIES[company["industry"]],
        "main_products": "、".join(MAIN_PRODUCTS[p] for p in company["main_products"]),
    }


def prepare_pledge(renderer: Renderer, form: dict) -> dict:
    company = form["company"]
    registered = company["registered_address"]
    return {
        "header": form_header(form), "chamber": form["chamber"],
        "roles": [{"code": role, "label": ROLES[role]}
                  for role in PLEDGE_ROLES[company["registration_type"]]],
        "company_name": company_name_ja(company), "name_en": company["name_en"],
        "individual": company["business_form"] == "individual",
        "postal_code": postal_code(registered["postal_code"]),
        "address_ja": registered["address_ja"],
        "representative": form["representative"],
    }


def prepare_business_description(renderer: Renderer, form: dict) -> dict:
    return {"header": form_header(form), "chamber": form["chamber"],
            "company": company_view(form["company"]), "signers": form["signers"],
            "representative": form["representative"]}


def prepare_signature_registration(renderer: Renderer, form: dict) -> dict:
    # REG-7: one box per signer, any number of them (ID-7: a user ID per signer, no limit);
    # every page repeats the heading, so a page holds what fits under it.
    numbered = [{"number": i + 1, **signer} for i, signer in enumerate(form["signers"])]
    company_name = company_name_ja(form["company"])
    heading = layouts.signature_heading_mm(form["chamber"]["name_ja"], company_name,
                                           form["company"]["name_en"])
    return {"header": form_header(form), "chamber": form["chamber"],
            "company_name": company_name, "name_en": form["company"]["name_en"],
            "pages": layouts.paginate_signers(numbered, heading)}


def prepare_registration_certificate(renderer: Renderer, cert: dict) -> dict:
    chamber = cert["chamber"]
    return {"cert": cert, "chamber": chamber, "company_name": company_name_ja(cert["company"]),
            "system_url": renderer.public_url + "/",
            "seal": png_data_uri(chamber["seal_png"]) or default_seal(chamber["name_en"])}


def prepare_signer_certificate(renderer: Renderer, cert: dict) -> dict:
    # ID-3: the service decides whether the password may still be shown; null means masked.
    return {"cert": cert, "chamber": cert["chamber"],
            "company_name": company_name_ja(cert["company"]),
            "password": cert["password"] or MASKED_PASSWORD,
            "password_shown": cert["password"] is not None,
            "system_url": renderer.public_url + "/",
            "signature": png_data_uri(cert["signature_png"])}


FORM_STYLESHEETS = ("base.css", "registration_forms.css")

PLEDGE = DocumentKind(
    name="pledge", template="pledge.html", schema=PledgeSchema,
    stylesheets=(*FORM_STYLESHEETS, "pledge.css"), prepare=prepare_pledge,
    sample=samples.pledge, certified=False)

BUSINESS_DESCRIPTION = DocumentKind(
    name="business-description", template="business_description.html",
    schema=BusinessDescriptionSchema,
    stylesheets=(*FORM_STYLESHEETS, "business_description.css"),
    prepare=prepare_business_description, sample=samples.business_description,
    certified=False)

SIGNATURE_REGISTRATION = DocumentKind(
    name="signature-registration", template="signature_registration.html",
    schema=SignatureRegistrationSchema,
    stylesheets=(*FORM_STYLESHEETS, "signature_registration.css"),
    prepare=prepare_signature_registration, sample=samples.signature_registration,
    certified=False)

REGISTRATION_CERTIFICATE = DocumentKind(
    name="registration-certificate", template="registration_certificate.html",
    schema=RegistrationCertificateSchema,
    stylesheets=("base.css", "registration_certificates.css"),
    prepare=prepare_registration_certificate,
    sample=samples.registration_certificate, certified=True)

SIGNER_CERTIFICATE = DocumentKind(
    name="signer-certificate", template="signer_certificate.html",
    schema=SignerCertificateSchema,
    stylesheets=("base.css", "registration_certificates.css"),
    prepare=prepare_signer_certificate, sample=samples.signer_certificate,
    certified=False)

KINDS = (PLEDGE, BUSINESS_DESCRIPTION, SIGNATURE_REGISTRATION, REGISTRATION_CERTIFICATE,
         SIGNER_CERTIFICATE)
