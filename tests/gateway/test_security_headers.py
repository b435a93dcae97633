"""Issue 9, hardening: the security headers on every answer of the gateway (pages, API
answers, static files, error pages, 404s, /healthz), a Content-Security-Policy with no inline
script or style, PDFs framed by this site only, HSTS over HTTPS; unknown addresses answer a
page in the visitor's language with a way back (the API keeps its JSON 404)."""
import base64
import re

import nameko
import pytest

from gateway import security
from tradecert import config
from tradecert.errors import TradecertError

EN = {"Accept-Language": "en"}
BEARER = {"Authorization": "Bearer application-token"}


def directives(response) -> dict:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_secure(response, framed_by="'none'"):
    csp = directives(response)
    assert csp["frame-ancestors"] == [framed_by]
    assert response.headers["X-Frame-Options"] == ("DENY" if framed_by == "'none'"
                                                   else "SAMEORIGIN")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    return csp


def test_the_chamber_page_has_the_headers(gateway):
    page = gateway.web.get("/c/1504")

    assert page.status_code == 200
    csp = assert_secure(page)
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert "Strict-Transport-Security" not in page.headers  # served over http here


def test_an_api_answer_has_the_headers(gateway):
    answer = gateway.web.get("/api/v1/chambers/1504")

    assert answer.status_code == 200
    assert_secure(answer)


@pytest.mark.parametrize("path", ["/static/site.css", "/static/agreements.js", "/healthz",
                                  "/openapi.json", "/docs", "/lang/en?next=/c/1504",
                                  "/favicon.ico"])
def test_static_files_health_and_redirects_have_the_headers(gateway, path):
    assert_secure(gateway.web.get(path, allow_redirects=False))


def test_an_error_answer_has_the_headers(gateway):
    gateway.registration.get_application.side_effect = TradecertError(message="boom")

    api = gateway.web.get("/api/v1/registration-applications/R1", headers=BEARER)
    refused = gateway.web.get("/static/../config.yaml")
    wrong_method = gateway.web.delete("/api/v1/chambers/1504")

    assert api.status_code == 500
    assert wrong_method.status_code == 405
    for response in (api, refused, wrong_method):
        assert_secure(response)


def test_a_pdf_may_be_framed_by_this_site_only(gateway):
    """The forms to print are shown in our own pages (<object>): a PDF answer lets this site
    frame it, no other, and loads nothing itself."""
    gateway.registration.render_form.return_value = {"file_id": "f1"}
    gateway.documents.fetch.return_value = {"data": base64.b64encode(b"%PDF-1.7").decode()}

    pdf = gateway.web.get("/api/v1/registration-applications/R1/forms/pledge.pdf",
                          headers=BEARER)

    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    csp = assert_secure(pdf, framed_by="'self'")
    assert csp["default-src"] == ["'none'"]


def test_pages_may_embed_pdfs_of_this_site_only(gateway):
    csp = directives(gateway.web.get("/c/1504"))

    assert csp["object-src"] == ["'self'"] and csp["frame-src"] == ["'self'"]


@pytest.fixture
def https():
    with nameko.config.patch({"GATEWAY": {**config.section("GATEWAY"),
                                          "public_url": "https://certs.example.jp"}}):
        yield


def test_hsts_when_the_site_is_served_over_https(gateway, https):
    for response in (gateway.web.get("/c/1504"), gateway.web.get("/api/v1/chambers/1504"),
                     gateway.web.get("/no/such/page")):
        assert response.headers["Strict-Transport-Security"] == security.HSTS


# --- unknown addresses --------------------------------------------------------------------

def test_an_unknown_address_is_a_404_page_in_the_visitors_language(gateway):
    ja = gateway.web.get("/no/such/page")
    en = gateway.web.get("/no/such/page", headers=EN)

    assert ja.status_code == en.status_code == 404
    assert ja.headers["Content-Type"] == "text/html; charset=utf-8"
    assert_secure(ja)
    assert '<html lang="ja">' in ja.text and "ページが見つかりません" in ja.text
    assert '<html lang="en">' in en.text and "Page not found" in en.text
    assert re.search(r'<a href="/">[^<]*トップページへ戻る</a>', ja.text)  # the way back
    assert re.search(r'<a href="/">[^<]*Back to the top page</a>', en.text)


def test_the_language_cookie_chooses_the_404_pages_language(gateway):
    gateway.web.cookies.set("lang", "en")

    page = gateway.web.get("/no/such/page", headers={"Accept-Language": "ja"})

    assert page.status_code == 404 and "Page not found" in page.text


def test_a_404_under_a_chamber_leads_back_to_the_chamber(gateway):
    page = gateway.web.get("/c/1504/no-such-page", headers=EN)

    assert page.status_code == 404
    assert '<a href="/c/1504">' in page.text


def test_an_unknown_api_address_keeps_its_json_404(gateway):
    answer = gateway.web.get("/api/v1/no-such-thing", headers=EN)

    assert answer.status_code == 404
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json()["error"]["code"] == "not_found"
    assert_secure(answer)
