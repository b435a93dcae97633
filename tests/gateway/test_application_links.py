"""Issue 9: the applicant's links. Tokens leave the address once the page has them; a link
cannot switch which application a browser has open without the visitor confirming it (POST
with the CSRF token); after approval the application token opens nothing (401) and the
pages say so and lead to the login."""
import re

from nameko.exceptions import deserialize, serialize

from services.registration.exceptions import ApplicationApproved, ApplicationTokenInvalid
from tests.gateway.conftest import application_view

FIRST, SECOND = "R1504-2026-00001", "R1504-2026-00002"


def remote(error):
    return deserialize(serialize(error))


def follow_link(web, number, token):
    return web.get("/registration/application",
                   params={"application_number": number, "token": token},
                   allow_redirects=False)


def csrf_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]


def test_the_mailed_link_leaves_the_address_without_its_token(gateway):
    gateway.registration.get_application.return_value = application_view()

    landed = follow_link(gateway.web, FIRST, "tok-1")

    assert landed.status_code == 303
    assert landed.headers["Location"] == "/registration/review"  # no token in it
    gateway.web.get("/registration/review")
    gateway.registration.get_application.assert_called_with(FIRST, "tok-1")  # kept


def test_the_invitation_link_leaves_the_address_without_its_token(gateway):
    landed = gateway.web.get("/registration/start?token=invite-tok", allow_redirects=False)

    assert landed.status_code == 303 and landed.headers["Location"] == "/registration/start"
    consent = gateway.web.get("/registration/start")
    assert consent.status_code == 200 and "invite-tok" not in consent.text
    gateway.registration.start_application.return_value = {
        "application_number": FIRST, "application_token": "tok-1", "status": "draft",
        "created": True}
    started = gateway.web.post("/registration/start", data={
        "csrf_token": csrf_of(consent), "agree_privacy": "yes", "agree_terms": "yes"},
        allow_redirects=False)
    assert started.headers["Location"] == "/registration/company"
    assert gateway.registration.start_application.call_args.args[0]["invitation_token"] == \
        "invite-tok"


def test_a_link_to_another_application_does_not_switch_without_confirmation(gateway):
    web = gateway.web
    gateway.registration.get_application.return_value = application_view()
    follow_link(web, FIRST, "tok-1")

    other = follow_link(web, SECOND, "tok-2")

    assert other.status_code == 303
    assert other.headers["Location"] == "/registration/application"  # no token in it
    question = web.get("/registration/application")
    assert question.status_code == 200
    assert FIRST in question.text and SECOND in question.text
    assert 'action="/registration/application"' in question.text
    # still the first one until the visitor confirms
    web.get("/registration/review")
    gateway.registration.get_application.assert_called_with(FIRST, "tok-1")

    # a POST without the page's CSRF token switches nothing
    forged = web.post("/registration/application", data={}, allow_redirects=False)
    assert forged.status_code == 403
    web.get("/registration/review")
    gateway.registration.get_application.assert_called_with(FIRST, "tok-1")

    confirmed = web.post("/registration/application", data={"csrf_token": csrf_of(question)},
                         allow_redirects=False)
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"] == "/registration/review"
    web.get("/registration/review")
    gateway.registration.get_application.assert_called_with(SECOND, "tok-2")


def test_the_same_applications_link_again_needs_no_confirmation(gateway):
    gateway.registration.get_application.return_value = application_view()
    follow_link(gateway.web, FIRST, "tok-1")

    again = follow_link(gateway.web, FIRST, "tok-1b")

    assert again.headers["Location"] == "/registration/review"


def test_a_broken_link_changes_nothing(gateway):
    gateway.registration.get_application.return_value = application_view()
    follow_link(gateway.web, FIRST, "tok-1")
    gateway.registration.get_application.side_effect = remote(ApplicationTokenInvalid())

    broken = follow_link(gateway.web, SECOND, "wrong")

    assert broken.status_code == 401
    gateway.registration.get_application.side_effect = None
    gateway.web.get("/registration/review")
    gateway.registration.get_application.assert_called_with(FIRST, "tok-1")


def test_after_approval_the_pages_say_so_and_lead_to_the_login(gateway):
    gateway.registration.get_application.return_value = application_view()
    follow_link(gateway.web, FIRST, "tok-1")
    gateway.registration.get_application.side_effect = remote(ApplicationApproved(
        message="approved", params={"cci_code": "1504"}))

    page = gateway.web.get("/registration/review")
    assert page.status_code == 401
    assert "この申請は承認されました" in page.text
    assert '<a class="button" href="/c/1504/login">' in page.text
    # the mailed link says the same, in English too
    link = gateway.web.get("/registration/application",
                           params={"application_number": FIRST, "token": "tok-1"},
                           headers={"Accept-Language": "en"})
    assert link.status_code == 401 and "This application has been approved" in link.text
    assert '<a class="button" href="/c/1504/login">Log in to Saitama CCI</a>' in link.text


def test_the_api_answers_401_for_an_approved_applications_token(gateway):
    gateway.registration.get_application.side_effect = remote(ApplicationApproved(
        message="approved", params={"cci_code": "1504"}))

    answer = gateway.web.get(f"/api/v1/registration-applications/{FIRST}",
                             headers={"Authorization": "Bearer tok-1",
                                      "Accept-Language": "en"})

    assert answer.status_code == 401
    assert answer.json()["error"] == {
        "code": "application_approved", "fields": {},
        "message": "This application has been approved. Log in with the admin ID."}
