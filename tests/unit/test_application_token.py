"""API.md: an application's token is its credential until approval, not after (issue 9):
`by_token` refuses an approved application with ApplicationApproved, a 401 that names the
chamber whose login page the pages lead to."""
import pytest

from services.registration import domain
from services.registration.exceptions import ApplicationApproved, ApplicationTokenInvalid
from tests.unit.test_registration_domain import approve, company, signer, start


@pytest.fixture
def session(domain_session):
    return domain_session("registration")


def test_the_token_opens_its_application_until_approval_and_not_after(session):
    application, token = start(session)
    number = application.application_number
    domain.save_company(session, application, company())
    added = domain.add_signer(session, application, signer(1))
    added.signature_file_id = "1" * 64
    domain.submit(session, application)
    assert domain.by_token(session, number, token) is application  # submitted: still opens

    approve(session, application)

    with pytest.raises(ApplicationApproved) as refused:
        domain.by_token(session, number, token)
    assert refused.value.status == 401
    assert refused.value.code == "application_approved"
    assert refused.value.params == {"cci_code": "1504"}
    assert isinstance(refused.value, ApplicationTokenInvalid)  # every caller handles it
    with pytest.raises(ApplicationTokenInvalid) as wrong:  # a wrong token says nothing more
        domain.by_token(session, number, "wrong")
    assert wrong.value.code == "application_token_invalid"
