"""Issue 12 through the gateway and the real services: what the gateway remembers to answer
faster never outlives what it stands for. A bearer token that the gateway has just seen
through is refused at once after a lock, a logout, a password set by the admin, a newer login
(ID-8, ID-10); a change made without this gateway (identity's RPC itself, as another gateway
process would) reaches it through `sessions_changed` within a moment. A certificate revoked
without this gateway is reported revoked within a moment too (`certificate_revoked`), and
the lookups the gateway answered itself are counted for staff (ISS-14)."""
from services.issuance.models import Application
from tests.api.issuance_flow import applicants, login, mark_paid, submitted_co
from tests.conftest import wait_for

APPLICATIONS = "/api/v1/applications"
VERIFY = "/api/v1/verification"


def token_of(headers: dict) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def status_of(web, headers) -> int:
    return web.get(APPLICATIONS, headers=headers).status_code


def error_of(web, headers) -> str:
    return web.get(APPLICATIONS, headers=headers).json()["error"]["code"]


def test_a_token_seen_through_is_refused_at_once_when_its_session_ends(
        smtp_sink, saitama, web, rpc_client, db_session):
    world = applicants(web, smtp_sink, rpc_client, db_session)
    user, sub = world.user, world.sub

    # seen through: the gateway remembers the callers
    assert status_of(web, sub) == 200 and status_of(web, sub) == 200
    assert status_of(web, user) == 200 and status_of(web, user) == 200
    # the admin resets the sub ID's password (ID-6.5) and the signer's (ID-4): their
    # sessions end, at once
    reset = web.put(f"/api/v1/sub-ids/{world.sub_id}/password", headers=world.admin,
                    json={"new_password": "Other2026x"})
    assert reset.status_code == 204, reset.text
    assert status_of(web, sub) == 401
    assert web.put(f"/api/v1/signers/{world.user_id}/password", headers=world.admin,
                   json={"new_password": "Other2026x"}).status_code == 204
    assert status_of(web, user) == 401

    # a newer login with the same ID ends the older session (ID-10), at once
    first = login(web, world.user_id, "Other2026x")
    assert status_of(web, first) == 200
    second = login(web, world.user_id, "Other2026x")
    assert error_of(web, first) == "session_replaced"
    assert status_of(web, second) == 200

    # a logout, at once
    assert web.delete("/api/v1/sessions/current", headers=second).status_code == 204
    assert status_of(web, second) == 401

    # a lock by staff, at once
    third = login(web, world.user_id, "Other2026x")
    assert status_of(web, third) == 200
    locked = web.post(f"/api/v1/staff/accounts/{world.user_id}/lock", headers=world.staff)
    assert locked.status_code == 200, locked.text
    assert status_of(web, third) == 401


def test_a_change_made_without_this_gateway_reaches_it(smtp_sink, saitama, web, rpc_client,
                                                       db_session):
    world = applicants(web, smtp_sink, rpc_client, db_session)
    assert status_of(web, world.user) == 200 and status_of(web, world.user) == 200
    staff = rpc_client.identity.authorize(token_of(world.staff), "staff.accounts")
    rpc_client.identity.lock_account(staff, world.user_id)  # identity's RPC itself
    wait_for(lambda: status_of(web, world.user) == 401, timeout=5,
             message="the lock, through sessions_changed")


def test_a_revocation_made_without_this_gateway_reaches_it_and_lookups_are_counted(
        smtp_sink, saitama, web, rpc_client, db_session):
    world = applicants(web, smtp_sink, rpc_client, db_session)
    application_id = submitted_co(web, world.user)
    certified = web.post(f"/api/v1/staff/applications/{application_id}/certification",
                         headers=world.staff)
    assert certified.status_code == 200, certified.text
    mark_paid(db_session, application_id)
    application = db_session("issuance").get(Application, application_id)
    query = {"certificate_no": application.certificate_no,
             "access_code": application.access_code,
             "issued_on": application.issued_on.isoformat()}
    for _ in range(5):
        assert web.get(VERIFY, params=query).json()["status"] == "valid"
    # ISS-14: all five counted, four of them sent by the gateway a moment later
    wait_for(lambda: web.get(f"/api/v1/staff/applications/{application_id}",
                             headers=world.staff).json()["verifications"]["count"] == 5,
             timeout=5, message="5 lookups counted")

    staff = rpc_client.identity.authorize(token_of(world.staff), "staff.review")
    rpc_client.issuance.revoke(staff, application_id, {"reason": "誤記のため"})  # not the gateway
    wait_for(lambda: web.get(VERIFY, params=query).json()["status"] == "revoked", timeout=5,
             message="the revocation, through certificate_revoked")
