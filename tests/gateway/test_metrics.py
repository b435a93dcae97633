"""Issue 12: the gateway counts its answers by the rule of the route that took them, never by
the path, so addresses nobody routes (404s, probes, fuzzing) add no series; `/metrics`
itself answers Prometheus's text format to anyone, with no session and no cookie."""
import uuid

from prometheus_client.parser import text_string_to_metric_families

from gateway.http import HttpEntrypoint
from gateway.service import GatewayService


def route_rules() -> set[str]:
    return {entrypoint.url for base in GatewayService.__mro__ for fn in vars(base).values()
            for entrypoint in getattr(fn, "nameko_entrypoints", ())
            if isinstance(entrypoint, HttpEntrypoint)}


def http_labels(web) -> set[tuple[str, str, str]]:
    """(method, route, status_class) of every series of tradecert_http_requests_total."""
    families = text_string_to_metric_families(web.get("/metrics").text)
    return {(s.labels["method"], s.labels["route"], s.labels["status_class"])
            for family in families if family.name == "tradecert_http_requests"
            for s in family.samples if s.name.endswith("_total")}


def test_unknown_addresses_and_methods_add_no_label_values(gateway):
    web = gateway.web
    web.get("/api/v1/chambers/1504")
    before = http_labels(web)

    for _ in range(5):
        probe = uuid.uuid4().hex
        assert web.get(f"/api/v1/{probe}").status_code == 404
        assert web.get(f"/{probe}/{probe}").status_code == 404
        web.request("BREW", f"/api/v1/chambers/{probe}")
    web.get(f"/api/v1/chambers/{uuid.uuid4().hex}")  # a real route: its rule, not the path
    after = http_labels(web)

    routes = {route for _, route, _ in after}
    assert routes <= route_rules() | {"unmatched"}
    assert {method for method, _, _ in after} <= {"GET", "HEAD", "POST", "PUT", "PATCH",
                                                  "DELETE", "OPTIONS", "other"}
    assert after - before <= {("GET", "unmatched", "4xx"), ("other", "unmatched", "4xx"),
                              ("GET", "/metrics", "2xx")}


def test_metrics_are_prometheus_text_with_no_session(gateway):
    response = gateway.web.get("/metrics")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "Set-Cookie" not in response.headers
    assert "# TYPE tradecert_http_request_duration_seconds histogram" in response.text
    assert "/metrics" not in gateway.web.get("/openapi.json").json()["paths"]
