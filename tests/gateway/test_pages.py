"""Pages rendered from what a mocked service answers: the page shows the service's answer
(which forms exist, whether a reason is needed, whether the contact is still missing) and
keeps no rule of its own; a refusal is shown as GOV.UK shows errors."""
import html
import re

from nameko.exceptions import deserialize, serialize

from tests.gateway.conftest import NUMBER, csrf_of, open_application
from tradecert.errors import ValidationFailed


def test_the_signers_page_asks_for_a_reason_when_the_view_says_so(gateway):
    web = open_application(gateway, signer_reason_required=True)

    page = web.get("/registration/signers")

    assert page.status_code == 200
    assert 'name="reason"' in page.text
    gateway.registration.get_application.assert_called_with(NUMBER, "tok")


def test_the_signers_page_has_no_reason_field_when_the_view_says_none_is_needed(gateway):
    signers = [{"signer_id": str(i), "name_ja": f"署名者{i}", "name_en": f"SIGNER {i}",
                "title_en": "CEO", "email": f"s{i}@example.jp", "reason": None,
                "signature_registered": False} for i in range(20)]
    web = open_application(gateway, signers=signers, signer_reason_required=False)

    page = web.get("/registration/signers")

    assert page.status_code == 200 and "署名者19" in page.text
    assert 'name="reason"' not in page.text  # the page counts nothing itself


def test_the_contact_who_signs_is_offered_when_the_view_says_it_is_missing(gateway):
    web = open_application(gateway, contact_signer_missing=True)

    page = web.get("/registration/signers")

    assert "山田 花子" in page.text
    assert 'id="f-email" name="email" type="email" value="hanako@example.jp"' in page.text


def test_an_application_without_signers_skips_the_signers_page(gateway):
    web = open_application(gateway, registers_signers=False)

    page = web.get("/registration/signers", allow_redirects=False)

    assert page.status_code == 303 and page.headers["Location"].endswith("/registration/review")


def test_the_print_page_offers_the_forms_the_view_names(gateway):
    web = open_application(gateway, status="submitted", forms=["pledge", "business-description"],
                           registers_signers=False)

    page = web.get("/registration/forms?form=signature-registration")

    assert page.status_code == 200
    assert "/forms/pledge.pdf" in page.text  # the one asked for does not exist: the first
    assert "?form=business-description" in page.text
    assert "?form=signature-registration" not in page.text


def test_the_company_form_offers_as_many_extra_addresses_as_the_view_says(gateway):
    web = open_application(gateway, max_extra_addresses=3)

    page = web.get("/registration/company")

    assert 'name="extra_addresses.2.address_ja"' in page.text
    assert 'name="extra_addresses.3.address_ja"' not in page.text


def test_a_refused_signer_is_shown_as_an_error_summary_and_beside_each_field(gateway):
    web = open_application(gateway)
    form = web.get("/registration/signers")
    gateway.registration.add_signer.side_effect = deserialize(serialize(ValidationFailed(
        message="validation failed", fields={"email": ["Not a valid email address."],
                                             "name_en": ["Longer than maximum length 200."],
                                             "_schema": ["something about the whole form"]})))

    page = web.post("/registration/signers", data={
        "csrf_token": csrf_of(form), "application_number": NUMBER, "name_ja": "山田 太郎",
        "name_en": "X" * 201, "title_en": "CEO", "email": "not-an-address"},
        headers={"Accept-Language": "en"})

    assert page.status_code == 422
    summary = re.search(r'<div class="banner banner-alert error-summary"[^>]*'
                        r'role="alert">(.*?)</div>', page.text, re.S)
    assert summary and "autofocus" in summary[0]
    text = html.unescape(summary[1])
    assert text.startswith("Some fields are not valid.")
    assert ('<a href="#f-email">E-mail: Enter an e-mail address such as name@example.co.jp.'
            '</a>') in text
    assert '<a href="#f-name_en">Name (English): Enter at most 200 characters.</a>' in text
    assert "<li>something about the whole form</li>" in text  # no field: no link
    # beside the field, and what was typed is kept
    assert ('<p class="field-error" id="f-email-error">Enter an e-mail address such as '
            'name@example.co.jp.</p>') in page.text
    assert 'value="not-an-address"' in page.text and 'value="山田 太郎"' in page.text
    gateway.registration.add_signer.assert_called_once_with(NUMBER, "tok", {
        "name_ja": "山田 太郎", "name_en": "X" * 201, "title_en": "CEO",
        "email": "not-an-address", "reason": None})


def test_an_account_form_shows_the_same_error_summary(gateway):
    gateway.identity.authorize.return_value = {
        "login_id": "A1", "cci_code": "1504", "role": "user", "must_verify_email": False,
        "must_change_password": False, "trade_registration_number": "1504-0001",
        "name": "さくら貿易", "kind": "user"}
    gateway.identity.list_sub_ids.return_value = []
    web = gateway.web
    form = web.get("/sub-ids")
    assert form.status_code == 200, form.text

    page = web.post("/sub-ids", data={"csrf_token": csrf_of(form), "name": "",
                                      "email": "sub@example.jp", "password": "Abcdefg1",
                                      "password_confirm": "Abcdefg2"},
                    headers={"Accept-Language": "en"})

    assert page.status_code == 422
    assert re.search(r'error-summary[^>]*role="alert">Some fields are not valid\.', page.text)
    assert re.search(r'<a href="#f-name">[^<:]+: ', page.text)
    assert re.search(r'<a href="#f-password_confirm">[^<:]+: ', page.text)
    gateway.identity.create_sub_id.assert_not_called()
