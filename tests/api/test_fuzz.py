"""The API against its own OpenAPI document (schemathesis): generated requests, valid and
not, to every operation; no answer may be a server error, every error body is API.md's.

Defect 10: at least 2,000 generated requests in all (`make test`); `make fuzz` sends more
(TRADECERT_FUZZ_CASES, the total, spread evenly over the operations)."""
import logging
import math
import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.world import PASSWORD, login, make_ready, register

CASES = int(os.environ.get("TRADECERT_FUZZ_CASES", "2000"))


@pytest.fixture
def quiet_nameko():
    """Nameko logs every expected 4xx with its traceback (config.yaml keeps it at ERROR in
    every process): thousands of them would only slow the run down."""
    logger = logging.getLogger("nameko")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def api(web):
    raw = web.get("/openapi.json").json()
    return schemathesis.openapi.from_dict(raw)


@pytest.mark.timeout(max(600, CASES // 4))
def test_no_generated_request_breaks_the_gateway(api, web, saitama, rpc_client, db_session,
                                                 quiet_nameko):
    # as nobody, with a bad token, and as a ready admin, user, sub ID and staff of Saitama
    company = make_ready(db_session, register(rpc_client, "1504", "1504-000777")[0], rpc_client)
    rpc_client.identity.add_staff({"cci_code": "1504", "login_id": "fuzzstaff",
                                   "password": PASSWORD})
    tokens = [None, "not-a-token"] + [login(rpc_client, "1504", login_id) for login_id in
                                      (company.admin, company.user, company.sub, "fuzzstaff")]
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 25
    failures, sent = [], []
    started = time.monotonic()

    for done, operation in enumerate(operations):
        # What an operation with few distinct inputs leaves unused goes to the next ones.
        per_operation = math.ceil((CASES - len(sent)) / (len(operations) - done))

        @settings(max_examples=per_operation, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy(), token=st.sampled_from(tokens))
        def probe(case, token):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = case.call(base_url=web.base_url, headers=headers)
            sent.append(case.operation.label)
            # Each failure with the request that caused it, as a curl command to replay.
            replay = case.as_curl_command(headers, base_url=web.base_url)[:1000]
            if response.status_code >= 500:
                failures.append((response.status_code, response.text[:200], replay))
            elif response.status_code >= 400 and \
                    response.headers.get("Content-Type", "").startswith("application/json"):
                error = response.json().get("error", {})
                if not {"code", "message", "fields"} <= set(error):
                    failures.append(("bad error body", response.text[:200], replay))

        probe()
    print(f"fuzz: {len(sent)} requests to {len(operations)} operations in "
          f"{time.monotonic() - started:.0f}s")
    assert failures == []
    assert len(sent) >= CASES
