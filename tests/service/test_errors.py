"""An error crosses two RPC hops intact: documents refuses a scan, registration lets the
error through without importing documents' exceptions, the caller gets its class, code and
status (tradecert/errors.py)."""
import base64
from datetime import timedelta

import nameko.exceptions
import pytest

from services.documents.exceptions import SignatureRejected
from services.documents.service import DocumentsService
from services.registration.models import Application, Invitation, Signer
from services.registration.service import RegistrationService
from tradecert.db import utcnow
from tradecert.errors import ValidationFailed

STAFF = {"cci_code": "1504", "account_id": 1, "kind": "staff"}
NOT_AN_IMAGE = base64.b64encode(b"this is no scan").decode()


@pytest.fixture
def application_with_signer(db_session):
    """A submitted application with one signer, written straight to registration's tables."""
    session, now = db_session("registration"), utcnow()
    invitation = Invitation(cci_code="1504", email="a@example.jp", token_hash="0" * 64,
                            expires_at=now + timedelta(days=60))
    session.add(invitation)
    session.flush()
    application = Application(application_number="R1504-2026-00001", cci_code="1504",
                              invitation_id=invitation.id, email="a@example.jp",
                              status="submitted", company={}, agreed_privacy_at=now,
                              agreed_terms_at=now, updated_at=now, submitted_at=now)
    session.add(application)
    session.flush()
    session.add(Signer(signer_id="s-1", application_id=application.id, name_ja="山田 太郎",
                       name_en="Taro Yamada", title_en="President", email="t@example.jp"))
    session.commit()
    return application.application_number, "s-1"


@pytest.fixture
def services(runner_factory):
    runner = runner_factory(RegistrationService, DocumentsService)
    runner.start()
    return runner


def test_a_documents_error_reaches_the_caller_through_registration(
        services, application_with_signer, rpc_client):
    number, signer_id = application_with_signer

    with pytest.raises(SignatureRejected) as caught:
        rpc_client.registration.upload_signature(STAFF, number, signer_id, NOT_AN_IMAGE)

    assert (caught.value.code, caught.value.status) == ("signature_image_unreadable", 422)


def test_a_caller_that_does_not_import_documents_still_gets_name_kind_and_code(
        services, application_with_signer, rpc_client, monkeypatch):
    number, signer_id = application_with_signer
    # Registration and this caller share the test's process: forget the class for both.
    monkeypatch.delitem(nameko.exceptions.registry,
                        "services.documents.exceptions.SignatureRejected")

    with pytest.raises(ValidationFailed) as caught:
        rpc_client.registration.upload_signature(STAFF, number, signer_id, NOT_AN_IMAGE)

    assert type(caught.value).__name__ == "SignatureRejected"
    assert type(caught.value) is not SignatureRejected
    assert (caught.value.code, caught.value.status) == ("signature_image_unreadable", 422)
