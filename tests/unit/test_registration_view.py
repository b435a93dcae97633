"""What registration's application view says about the rules (REG-4.7, REG-5, REG-6, REG-7,
REG-10), so that the pages ask instead of keeping copies: plain functions, no broker."""
import pytest

from services.registration import domain
from services.registration.models import Application, Signer


def application(registration_type=None, contact=None) -> Application:
    company = None if registration_type is None else {
        "registration_type": registration_type,
        "contact": contact or {"is_signer": False, "email": "contact@example.jp"}}
    return Application(company=company)


def signer(email="s@example.jp") -> Signer:
    return Signer(email=email, name_ja="署名者", name_en="SIGNER", title_en="CEO")


@pytest.mark.parametrize(("registration_type", "forms"), [
    (None, []),
    ("applicant", ["pledge", "business-description", "signature-registration"]),
    ("applicant_and_agent", ["pledge", "business-description", "signature-registration"]),
    ("agent", ["pledge", "business-description"])])
def test_the_forms_an_application_prints(registration_type, forms):
    """REG-7: agents have no signature registration form; nothing before the company."""
    assert domain.forms_of(application(registration_type)) == forms


@pytest.mark.parametrize(("registration_type", "registers"), [
    (None, True), ("applicant", True), ("applicant_and_agent", True), ("agent", False)])
def test_who_registers_signers(registration_type, registers):
    assert domain.registers_signers(application(registration_type)) is registers  # REG-5


def test_a_reason_is_needed_from_the_16th_signer():
    assert not domain.reason_required(14)
    assert domain.reason_required(15)  # REG-10: the 16th


def test_what_is_missing_before_submitting():
    assert domain.missing_for_submission(application(), []) == {"company": ["required"]}
    assert domain.missing_for_submission(application("applicant"), []) == {
        "signers": ["at_least_one_signer"]}
    assert domain.missing_for_submission(application("applicant"), [signer()]) == {}
    assert domain.missing_for_submission(application("agent"), []) == {}  # REG-5


def test_a_contact_who_signs_must_be_a_signer_too():
    """REG-4.7"""
    signs = {"is_signer": True, "email": "contact@example.jp"}
    assert domain.contact_signer_missing(application("applicant", signs), [signer()])
    assert not domain.contact_signer_missing(application("applicant", signs),
                                             [signer("contact@example.jp")])
    assert not domain.contact_signer_missing(application("applicant"), [])
    assert not domain.contact_signer_missing(application("agent", signs), [])
