"""Issue 12: the gateway's `/metrics` after real requests through the whole system: the route
counter and latency histogram moved under the route's rule and the answer's status class,
and the RPC calls the gateway made are counted by target service, method and outcome."""
from prometheus_client.parser import text_string_to_metric_families

CHAMBER_ROUTE = "/api/v1/chambers/<cci_code>"


def scrape(web) -> dict:
    response = web.get("/metrics")
    assert response.status_code == 200
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples}


def moved(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0) - before.get(key, 0)


def test_requests_move_their_route_counter_histogram_and_rpc_calls(web, saitama):
    before = scrape(web)

    assert web.get("/api/v1/chambers/1504").status_code == 200
    assert web.get("/api/v1/chambers/1504").status_code == 200
    assert web.get("/api/v1/chambers/9999").status_code == 404
    after = scrape(web)

    ok = {"method": "GET", "route": CHAMBER_ROUTE, "status_class": "2xx"}
    missing = {**ok, "status_class": "4xx"}
    assert moved(before, after, "tradecert_http_requests_total", **ok) == 2
    assert moved(before, after, "tradecert_http_requests_total", **missing) == 1
    assert moved(before, after, "tradecert_http_request_duration_seconds_count", **ok) == 2
    assert moved(before, after, "tradecert_http_request_duration_seconds_bucket",
                 **ok, le="+Inf") == 2
    assert moved(before, after, "tradecert_http_request_duration_seconds_sum", **ok) > 0
    # as the gateway saw its calls: two chambers found, one not (an answer, not a failure)
    calls = {"service": "gateway", "target": "identity", "method": "get_chamber"}
    assert moved(before, after, "tradecert_rpc_client_calls_total", **calls,
                 outcome="ok") == 2
    assert moved(before, after, "tradecert_rpc_client_calls_total", **calls,
                 outcome="expected") == 1
    assert moved(before, after, "tradecert_rpc_client_duration_seconds_count",
                 service="gateway", target="payment", method="fees", outcome="ok") == 2
    # and as identity handled them (here every service runs in the test's one process)
    assert moved(before, after, "tradecert_rpc_handled_total", service="identity",
                 method="get_chamber", outcome="expected") == 1
