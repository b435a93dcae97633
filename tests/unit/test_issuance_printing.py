"""What printing and verification decide without the database (issue 11): when a certificate
may be printed (ISS-8, ISS-12), the access code as typed, and what a verifier is told of a
signature certification (ISS-10, ISS-14). The journeys through the gateway:
tests/api/test_printing_verification.py."""
from datetime import UTC, date, datetime

import pytest

from services.issuance import certificates
from services.issuance.exceptions import (
    CertificateNotIssued,
    CertificateNotValid,
    NoCopiesAppliedFor,
    PaymentRequired,
    PrintWindowClosed,
)
from services.issuance.models import Application

TODAY = date(2026, 5, 10)
PAID = datetime(2026, 5, 1, tzinfo=UTC)


def issued(**overrides) -> Application:
    values = {"status": "paid", "certificate_type": "co_japan", "certificate_file_id": "f" * 64,
              "paid_at": PAID, "print_until": date(2026, 5, 15), "body": {"copies": 1},
              **overrides}
    return Application(id="a" * 32, **values)


@pytest.mark.parametrize(("overrides", "copy", "refused"), [
    ({"status": "submitted", "certificate_file_id": None, "paid_at": None}, False,
     CertificateNotIssued),
    ({"status": "certified", "paid_at": None, "print_until": None}, False, PaymentRequired),
    ({"print_until": date(2026, 5, 9)}, False, PrintWindowClosed),
    ({"status": "revoked"}, False, CertificateNotValid),
    ({"status": "replaced"}, True, CertificateNotValid),
    ({"body": {"copies": 0}}, True, NoCopiesAppliedFor),
])
def test_what_stops_printing(overrides, copy, refused):
    with pytest.raises(refused):
        certificates.require_printable(issued(**overrides), copy, TODAY)
    assert certificates.printable(issued(**overrides), TODAY)["printable"] is (
        refused is NoCopiesAppliedFor)


def test_printable_on_the_last_day_with_and_without_copies():
    certificates.require_printable(issued(print_until=TODAY), True, TODAY)
    assert certificates.printable(issued(), TODAY) == {"printable": True,
                                                       "copy_printable": True}
    assert certificates.printable(issued(body={"copies": 0}), TODAY) == {
        "printable": True, "copy_printable": False}


def test_the_copy_is_the_stored_payload_marked_copy():
    application = issued(certificate={"kind": "co", "payload": {"certificate_no": "N",
                                                                "copy": False}})
    assert certificates.copy_document(application) == ("co", {"certificate_no": "N",
                                                              "copy": True})


def test_an_access_code_as_typed():
    assert certificates.normalized_code(" k7qx-29pd ab ") == "K7QX29PDAB"


def test_a_signature_certification_is_answered_with_its_document():
    application = issued(
        certificate_type="signature", certificate_no="1504-2026-000002",
        issued_on=TODAY, destination_country="US", replaced_by_id=None, status="revoked",
        certificate={"kind": "signature-stamp", "payload": {
            "chamber": {"cci_code": "1504", "name_ja": "さいたま", "name_en": "Saitama CCI"},
            "document_kind": "health_certificate", "document_title": "HEALTH CERTIFICATE 12",
            "applicant": {"name_en": "SAKURA TRADING CO., LTD.",
                          "trade_registration_number": "1504-000001"}}})
    answer = certificates.answer(None, application)
    assert (answer["valid"], answer["status"]) == (False, "revoked")
    assert answer["exporter"] == {"name": "SAKURA TRADING CO., LTD.", "country": None}
    assert answer["goods"] == [{"description": "HEALTH CERTIFICATE 12", "quantity": None}]
    assert answer["destination_country"] == "US" and answer["replaced_by"] is None


def test_lookups_the_gateway_answered_are_counted_for_paid_certificates_only(domain_session):
    """Issue 12, ISS-14: `record_lookups` counts by certificate number, in one insert; a
    number that is no paid certificate is skipped."""
    from sqlalchemy import insert

    from tests.helpers.issuance import co_japan

    session = domain_session("issuance")
    rows = [{"id": f"{n:032d}", "cci_code": "1504", "trade_registration_number": "1504-000001",
             "certificate_type": "co_japan", "status": status, "applicant_login_id": "U1",
             "applicant_kind": "user", "applicant_account_id": 1, "signer_login_id": "U1",
             "exporter_name": "SAKURA", "signer_name": "TARO", "body": co_japan(),
             "updated_at": PAID, "certificate_no": f"1504-2026-00000{n}",
             "paid_at": PAID if status == "paid" else None}
            for n, status in ((1, "paid"), (2, "certified"))]
    session.execute(insert(Application), rows)
    at = "2026-05-02T09:00:00+00:00"
    recorded = certificates.record_lookups(session, [
        {"certificate_no": "1504-2026-000001", "at": at},
        {"certificate_no": "1504-2026-000001", "at": at},
        {"certificate_no": "1504-2026-000002", "at": at},  # not paid: no verification
        {"certificate_no": "1504-2026-999999", "at": at}])
    assert recorded == 2
    facts = certificates.lookup_facts(session, session.get(Application, f"{1:032d}"))
    assert facts["count"] == 2 and facts["last_at"] == datetime(2026, 5, 2, 9, tzinfo=UTC)


def test_lookups_the_gateway_answered_find_their_certificates_by_index(domain_session):
    """Issue 13: among hundreds of thousands of applications each number is found through
    the unique index of (cci_code, certificate_no), not by reading the table."""
    from tests.helpers.databases import plan_without_table_scans

    query = certificates.paid_by_number({"1504-2026-000001", "1301-2026-000002"})
    plan = plan_without_table_scans(domain_session("issuance"), query)
    assert "uq_applications_certificate_no" in plan, plan
