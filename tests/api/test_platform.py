"""The gateway's platform routes: /healthz, chambers, errors, request ids, OpenAPI."""
import io
import json
import logging
import re

from tests.api.conftest import SAITAMA_RULES
from tests.conftest import wait_for
from tests.helpers.payment import DEFAULT_FEES
from tradecert.logs import json_formatter


def test_healthz_is_ok_when_every_service_answers(web):
    response = web.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "failing": [], "services": {
        name: "ok" for name in
        ("identity", "registration", "issuance", "payment", "documents", "notify")}}


def test_healthz_names_a_stopped_service_within_the_timeout(web, system):
    system["payment"].stop()

    response = web.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["payment"]
    assert body["services"]["payment"] == "unavailable"
    assert body["services"]["identity"] == "ok"
    assert response.elapsed.total_seconds() < 3  # 2 s timeout, all asked in parallel


def test_chamber_as_in_the_contract(web, saitama):
    response = web.get("/api/v1/chambers/1504")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {
        "cci_code": "1504", "name_ja": "さいたま商工会議所", "name_en": "Saitama CCI",
        "registration_fee_jpy": {"member": 0, "non_member": 16200},
        "registration_validity_years": 2,
        # API.md's {title, url} stay; issue 9 adds the English name and what each is for
        "rules": SAITAMA_RULES,
        "contact": None,  # until `tradecert chamber contact` sets it (issue 9)
        # API.md "Payment": the configured default until the chamber sets its own (ISS-11)
        "fees_jpy": DEFAULT_FEES}
    assert {"title", "url"} <= set(response.json()["rules"][0])


def test_chamber_answers_the_fees_it_sets_and_its_page_shows_them(web, saitama, rpc_client):
    """API.md "Payment": `fees_jpy` per certificate and per extra copy, member and
    non-member, tax included; each chamber sets its own (ISS-11)."""
    own = {"co": {"member": 1100, "non_member": 3300},
           "signature": {"member": 1650, "non_member": 4400},
           "copy": {"member": 0, "non_member": 550}}
    rpc_client.payment.set_fees("1504", own, "staff01")

    assert web.get("/api/v1/chambers/1504").json()["fees_jpy"] == own
    ja = web.get("/c/1504").text
    assert "原産地証明書 発給手数料（税込）" in ja and "3,300 円" in ja
    assert "副本（コピー）1通ごと（税込）" in ja and "550 円" in ja
    en = web.get("/c/1504", headers={"Accept-Language": "en"}).text
    assert "Signature certification fee (tax included)" in en
    assert "Members: 1,650 yen / Non-members: 4,400 yen" in " ".join(en.split())


def test_unknown_chamber_is_404_in_the_requested_language(web):
    ja = web.get("/api/v1/chambers/9999")
    en = web.get("/api/v1/chambers/9999", headers={"Accept-Language": "en-GB,en;q=0.8"})

    assert ja.status_code == en.status_code == 404
    assert ja.json() == {"error": {"code": "chamber_not_found", "fields": {},
                                   "message": "この商工会議所コードの商工会議所はありません。"}}
    assert en.json()["error"]["message"] == "No chamber of commerce has this code."


def test_every_response_carries_a_request_id(web, saitama):
    generated = web.get("/api/v1/chambers/1504").headers["X-Request-ID"]
    echoed = web.get("/api/v1/chambers/1504", headers={"X-Request-ID": "abc-123"})
    refused = web.get("/api/v1/chambers/1504", headers={"X-Request-ID": "bad id\u00e9"})

    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert echoed.headers["X-Request-ID"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["X-Request-ID"])
    assert web.get("/api/v1/chambers/0000").headers["X-Request-ID"]  # errors too


def test_openapi_document_describes_the_routes_from_their_schemas(web):
    spec = web.get("/openapi.json").json()

    assert spec["openapi"].startswith("3.")
    chamber = spec["paths"]["/api/v1/chambers/{cci_code}"]["get"]
    assert chamber["parameters"][0]["name"] == "cci_code"
    assert chamber["responses"]["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    schemas = spec["components"]["schemas"]
    assert {"cci_code", "name_ja", "name_en", "registration_fee_jpy",
            "registration_validity_years", "rules", "fees_jpy"} <= set(
        schemas["Chamber"]["properties"])
    fees = schemas["FeeSchedule"]["properties"]
    assert set(fees) == {"co", "signature", "copy"}
    assert set(schemas["FeePair"]["properties"]) == {"member", "non_member"}
    assert "/healthz" in spec["paths"]


def test_docs_page_lists_the_operations(web):
    page = web.get("/docs", headers={"Accept-Language": "en"})

    assert page.status_code == 200
    assert "/api/v1/chambers/{cci_code}" in page.text and "/openapi.json" in page.text


def test_request_id_and_call_id_are_on_the_services_log_lines(web):
    """The gateway passes X-Request-ID on as Nameko context data; identity's log line for
    the error it raised carries it, with its own call id, as JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    logging.getLogger().addHandler(handler)
    try:
        web.get("/api/v1/chambers/0000", headers={"X-Request-ID": "trace-me-42"})
        lines = wait_for(lambda: [json.loads(line) for line in stream.getvalue().splitlines()
                                  if "trace-me-42" in line], message="a log line")
    finally:
        logging.getLogger().removeHandler(handler)

    identity_lines = [line for line in lines if line.get("service") == "identity"]
    assert identity_lines, lines
    assert identity_lines[0]["request_id"] == "trace-me-42"
    assert identity_lines[0]["call_id"].startswith("identity.get_chamber.")
