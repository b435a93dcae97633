"""Issue 12, "No request hangs": with a service stopped, a request through the gateway answers
503 `service_unavailable` with Retry-After and API.md's error body (a page: the HTML error
page) within the RPC timeout, not after minutes; the request that timed out expired in the
stopped service's queue, so the service started again never executes it; the same request
then works. A service that does not answer another service is named the same way."""
import nameko
import pytest
from sqlalchemy import select

from services.registration.models import Invitation
from tests.helpers.pages import submit, text_of
from tests.helpers.services import service_class
from tradecert import config

INVITE = "/api/v1/chambers/1504/registration-invitations"
EN = {"Accept-Language": "en"}
TIMEOUT_S = 1
# the gateway's own work, the error page's rendering, a loaded machine
MARGIN_S = 1.5


@pytest.fixture
def short_timeouts(system):
    """Every process here reads the same nameko.config: the gateway waits TIMEOUT_S, the
    services wait for each other TIMEOUT_S too (and the gateway longer for what they ask)."""
    gateway = {**config.section("GATEWAY"), "rpc_timeout_s": TIMEOUT_S * 3}
    rpc = {**config.section("RPC"), "timeout_s": TIMEOUT_S}
    with nameko.config.patch({"GATEWAY": gateway, "RPC": rpc}):
        yield


def invited(db_session) -> list[str]:
    return list(db_session("registration").scalars(select(Invitation.email)
                                                   .order_by(Invitation.id)))


def test_a_stopped_service_is_503_in_time_and_the_request_is_not_executed_later(
        web, new_browser, system, saitama, runner_factory, db_session):
    gateway = {**config.section("GATEWAY"), "rpc_timeout_s": TIMEOUT_S}
    system["registration"].stop()  # its queue stays: requests wait there unanswered

    with nameko.config.patch({"GATEWAY": gateway}):
        api = web.post(INVITE, json={"email": "api@example.jp", "agree_rules": True},
                       headers=EN)
        page = submit(new_browser(), "/c/1504/registration", {
            "email": "page@example.jp", "agree_certification_rules": "yes",
            "agree_penalty_rules": "yes"})

    assert api.status_code == 503
    assert api.elapsed.total_seconds() < TIMEOUT_S + MARGIN_S
    assert api.headers["Retry-After"] == "5"
    assert api.json() == {"error": {
        "code": "service_unavailable", "fields": {},
        "message": "The trade registration service is not answering just now. "
                   "Please try again in a few seconds."}}
    assert page.status_code == 503
    assert page.elapsed.total_seconds() < TIMEOUT_S + MARGIN_S
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Retry-After"] == "5"
    assert "貿易登録の処理が現在応答していません。" in text_of(page)

    runner_factory(service_class("registration")).start()
    again = web.post(INVITE, json={"email": "api@example.jp", "agree_rules": True})

    assert again.status_code == 202
    # the two requests that timed out expired in the queue: only the one after the start
    assert invited(db_session) == ["api@example.jp"]


def test_a_service_that_does_not_answer_another_is_named_in_the_503(web, system, saitama,
                                                                    short_timeouts,
                                                                    db_session):
    """registration asks identity for the chamber (RPC.timeout_s), the gateway waits for
    registration longer (GATEWAY.rpc_timeout_s): the answer names identity."""
    system["identity"].stop()

    response = web.post(INVITE, json={"email": "api@example.jp", "agree_rules": True},
                        headers=EN)

    assert response.status_code == 503
    assert response.elapsed.total_seconds() < TIMEOUT_S + MARGIN_S
    assert response.headers["Retry-After"] == "5"
    assert response.json()["error"]["message"].startswith("The ID and login service ")
    assert invited(db_session) == []
