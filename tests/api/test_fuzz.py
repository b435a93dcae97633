"""The API against its own OpenAPI document (schemathesis): generated requests, valid and
not, to every operation; no answer may be a server error, every error body is API.md's."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.world import PASSWORD, login, make_ready, register

EXAMPLES_PER_OPERATION = 12


@pytest.fixture
def api(web):
    raw = web.get("/openapi.json").json()
    return schemathesis.openapi.from_dict(raw)


def test_no_generated_request_breaks_the_gateway(api, web, saitama, rpc_client, db_session):
    # as nobody, with a bad token, and as a ready admin, user, sub ID and staff of Saitama
    company = make_ready(db_session, register(rpc_client, "1504", "1504-000777")[0], rpc_client)
    rpc_client.identity.add_staff({"cci_code": "1504", "login_id": "fuzzstaff",
                                   "password": PASSWORD})
    tokens = [None, "not-a-token"] + [login(rpc_client, "1504", login_id) for login_id in
                                      (company.admin, company.user, company.sub, "fuzzstaff")]
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 25
    failures = []

    for operation in operations:
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy(), token=st.sampled_from(tokens))
        def probe(case, token):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = case.call(base_url=web.base_url, headers=headers)
            if response.status_code >= 500:
                failures.append((case.operation.label, response.status_code, response.text[:200]))
            elif response.status_code >= 400 and \
                    response.headers.get("Content-Type", "").startswith("application/json"):
                error = response.json().get("error", {})
                if not {"code", "message", "fields"} <= set(error):
                    failures.append((case.operation.label, "bad error body", response.text[:200]))

        probe()
    assert failures == []
