"""The gateway's HTTP mapping, with the services' RPC replaced: remote errors become API.md's
error body, bodies over the limit are refused before they are read, unknown API addresses
answer JSON, control characters never reach a service, and `next` never leaves the site."""
import http.client
import json

import nameko
import pytest
from nameko.exceptions import UnknownService, deserialize, serialize

from gateway import http as gateway_http
from services.registration.exceptions import ApplicationTokenInvalid
from tradecert import config, rpc
from tradecert.errors import Unavailable, ValidationFailed

EN = {"Accept-Language": "en"}
BEARER = {"Authorization": "Bearer application-token"}


def remote(error):
    """The error as it arrives over RPC (Nameko serialises it and rebuilds it)."""
    return deserialize(serialize(error))


# --- errors from the services -------------------------------------------------------------

def test_a_remote_validation_failure_is_422_with_its_fields(gateway):
    gateway.registration.save_company.side_effect = remote(ValidationFailed(
        message="validation failed", fields={"contact.email": ["Not a valid email address."],
                                             "name_en": ["Longer than maximum length 200."]}))

    en = gateway.web.put("/api/v1/registration-applications/R1/company", json={},
                         headers={**BEARER, **EN})
    ja = gateway.web.put("/api/v1/registration-applications/R1/company", json={},
                         headers=BEARER)

    assert en.status_code == ja.status_code == 422
    assert en.headers["Content-Type"].startswith("application/json")
    assert en.json() == {"error": {
        "code": "validation_failed", "message": "Some fields are not valid.",
        "fields": {"contact.email": ["Enter an e-mail address such as name@example.co.jp."],
                   "name_en": ["Enter at most 200 characters."]}}}
    # one translation for the API and the pages: marshmallow's numbers are kept
    assert ja.json()["error"]["fields"]["name_en"] == ["200文字以内で入力してください。"]
    gateway.registration.save_company.assert_called_with("R1", "application-token", {})


def test_a_remote_not_found_keeps_its_code(gateway):
    gateway.registration.get_application.side_effect = remote(
        ApplicationTokenInvalid(message="this token does not open this application"))

    response = gateway.web.get("/api/v1/registration-applications/R1", headers=BEARER)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "application_token_invalid"


@pytest.mark.parametrize("failure", [
    UnknownService("identity"),
    remote(rpc.unavailable("identity", "identity did not answer get_chamber within 10 s"))])
def test_a_service_that_does_not_answer_is_503_naming_it_with_retry_after(gateway, failure):
    """Issue 12: a timeout (tradecert/rpc.py) and a service that was never started answer
    alike: 503, the service named in the request's language, Retry-After."""
    gateway.identity.get_chamber.side_effect = failure

    en = gateway.web.get("/api/v1/chambers/1504", headers=EN)
    ja = gateway.web.get("/api/v1/chambers/1504")

    assert en.status_code == ja.status_code == 503
    assert en.headers["Retry-After"] == ja.headers["Retry-After"] == "5"
    assert en.json()["error"] == {
        "code": "service_unavailable", "fields": {},
        "message": "The ID and login service is not answering just now. "
                   "Please try again in a few seconds."}
    assert ja.json()["error"]["message"] == (
        "ID・ログインの処理が現在応答していません。しばらくしてから再度お試しください。")


@pytest.mark.parametrize("failure", [TimeoutError("no answer"),
                                     Unavailable(message="identity is down")])
def test_any_other_unavailability_is_503(gateway, failure):
    gateway.identity.get_chamber.side_effect = failure

    response = gateway.web.get("/api/v1/chambers/1504", headers=EN)

    assert response.status_code == 503
    assert response.json()["error"] == {"code": "unavailable", "fields": {},
                                        "message": "The service is temporarily unavailable."}


def test_a_page_shows_a_503_as_the_error_page_with_retry_after(gateway):
    gateway.identity.get_chamber.side_effect = UnknownService("identity")

    page = gateway.web.get("/c/1504")

    assert page.status_code == 503
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Retry-After"] == "5"
    assert "ID・ログインの処理が現在応答していません" in page.text


# --- bodies: too deep, too large -----------------------------------------------------------

def test_json_nested_1000_deep_is_a_clear_400(gateway):
    body = "[" * 1000 + "]" * 1000
    response = gateway.web.post("/api/v1/sessions", data=body, headers={
        "Content-Type": "application/json", **EN})

    assert response.status_code == 400
    assert response.json()["error"] == {"code": "json_too_deep", "fields": {},
                                        "message": "The JSON body nests too deeply."}
    gateway.identity.login.assert_not_called()


def test_json_nested_deeper_than_the_limit_inside_an_object_is_refused(gateway):
    nested = {"a": None}
    for _ in range(gateway_http.MAX_JSON_DEPTH):
        nested = {"a": nested}
    response = gateway.web.post("/api/v1/sessions", json=nested)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "json_too_deep"
    gateway.identity.login.assert_not_called()


def test_an_ordinary_body_still_goes_through(gateway):
    gateway.identity.login.return_value = {"token": "t"}
    body = {"cci_code": "1504", "login_id": "A1", "password": "x", "extra": [[{"a": [1]}]]}

    response = gateway.web.post("/api/v1/sessions", json=body)

    assert response.status_code == 201
    gateway.identity.login.assert_called_once_with(body, "bearer", "127.0.0.1")


def test_a_60_mb_body_is_refused_on_its_content_length_before_it_is_read(gateway):
    """Only the headers are sent: a gateway that waited for the body would never answer."""
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=5)
    connection.putrequest("POST", "/api/v1/sessions")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(60 * 1024 * 1024))
    connection.putheader("Accept-Language", "en")
    connection.endheaders()
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()

    assert response.status == 413
    assert body["error"]["code"] == "payload_too_large"
    assert body["error"]["message"] == "The request body is too large."
    gateway.identity.login.assert_not_called()


def test_the_limit_is_larger_than_a_signature_scan():
    assert gateway_http.max_body_bytes() > 10 * 1024 * 1024


@pytest.fixture
def small_limit():
    with nameko.config.patch({"GATEWAY": {**config.section("GATEWAY"),
                                          "max_body_bytes": 1000}}):
        yield


def test_a_chunked_body_is_read_at_most_up_to_the_limit(gateway, small_limit):
    def chunks():
        yield b'{"cci_code": "'
        for _ in range(100):
            yield b"x" * 100
        yield b'"}'

    response = gateway.web.post("/api/v1/sessions", data=chunks(), headers={
        "Content-Type": "application/json", "Accept-Language": "ja"})

    assert response.status_code == 413, response.text
    assert response.json()["error"]["message"] == "送信されたデータが大きすぎます。"
    gateway.identity.login.assert_not_called()


def test_a_small_chunked_body_is_read(gateway, small_limit):
    gateway.identity.login.return_value = {"token": "t"}

    response = gateway.web.post("/api/v1/sessions", data=iter([b'{"login_id": ', b'"A1"}']),
                                headers={"Content-Type": "application/json"})

    assert response.status_code == 201
    gateway.identity.login.assert_called_once_with({"login_id": "A1"}, "bearer", "127.0.0.1")


def test_a_form_over_the_limit_is_a_413_page(gateway, small_limit):
    page = gateway.web.post("/c/1504/login", data={"login_id": "x" * 2000})

    assert page.status_code == 413
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "送信されたデータが大きすぎます。" in page.text
    gateway.identity.login.assert_not_called()


# --- addresses --------------------------------------------------------------------------------

def test_an_unknown_api_address_answers_the_json_error_body(gateway):
    response = gateway.web.get("/api/v1/no-such-thing", headers=EN)

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.",
                                         "fields": {}}}
    assert response.headers["X-Request-ID"]


def test_a_wrong_method_on_an_api_address_answers_json(gateway):
    response = gateway.web.delete("/api/v1/chambers/1504", headers=EN)

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_an_unknown_page_is_the_html_error_page(gateway):
    page = gateway.web.get("/no-such-page")

    assert page.status_code == 404
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "ページが見つかりません" in page.text and page.headers["X-Request-ID"] in page.text


@pytest.mark.parametrize("path", ["/api/v1/chambers/15%0004", "/api/v1/chambers/1504%0A",
                                  "/api/v1/staff/registration-applications?status=sub%00mitted"])
def test_control_characters_in_the_address_never_reach_a_service(gateway, path):
    response = gateway.web.get(path)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    gateway.identity.get_chamber.assert_not_called()
    gateway.identity.authorize.assert_not_called()


def test_a_nul_in_a_page_query_is_a_400_page(gateway):
    page = gateway.web.get("/staff/registrations?number=R1504%00")

    assert page.status_code == 400
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"


# --- the language switch's `next` (defect 2) ---------------------------------------------------

@pytest.mark.parametrize("target", ["/\t/evil.example", "//evil.example", "/\\evil.example",
                                    "https://evil.example/", "/\r\nSet-Cookie: x=1",
                                    "/me\n", "evil.example"])
def test_the_language_switch_never_leaves_the_site(gateway, target):
    response = gateway.web.get("/lang/en", params={"next": target}, allow_redirects=False)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "x=1" not in response.headers.get("Set-Cookie", "")


def test_the_language_switch_goes_back_to_a_page_of_this_site(gateway):
    response = gateway.web.get("/lang/en", params={"next": "/c/1504?x=1"},
                               allow_redirects=False)

    assert response.status_code == 302
    assert response.headers["Location"] == "/c/1504?x=1"
    assert "lang=en" in response.headers["Set-Cookie"]


def test_a_route_is_checked_against_its_own_signature_read_once():
    """Issue 12: the signature Nameko checks each request against is read once per route;
    it is the decorated route's (`@authorized` adds the caller itself), and a call that does
    not fit is still refused."""
    from types import SimpleNamespace

    from nameko.exceptions import IncorrectSignature

    from gateway.service import GatewayService

    entrypoint = gateway_http.HttpEntrypoint("GET", "/api/v1/applications/<application_id>")
    entrypoint.container = SimpleNamespace(service_cls=GatewayService)
    entrypoint.method_name = "issuance_application"
    entrypoint.check_signature(("request",), {"application_id": "a1"})
    entrypoint.check_signature(("request",), {"application_id": "a2"})
    assert entrypoint._signature is not None
    other = gateway_http.HttpEntrypoint("GET", "/api/v1/verification")
    other.container, other.method_name = entrypoint.container, "verification"
    with pytest.raises(IncorrectSignature):  # a route of no path values given one
        other.check_signature(("request",), {"application_id": "a1"})
