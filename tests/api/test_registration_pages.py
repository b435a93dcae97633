"""The trade registration pages (REG-1 … REG-8) through the real gateway and services, as a
browser without scripts uses them: HTML forms with the page's CSRF token, redirects after
each POST, the mails read from the SMTP sink. The applicant's wizard in Japanese and in
English, a 422 that shows the values again with each field's message, expired links, and
the chamber staff's queue, signature upload, return and approval."""
import html
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import update

from gateway import pages
from gateway.forms import registration as registration_form
from services.registration.models import Invitation
from tests.api.registration_data import SIGNERS, company, invitation_token
from tests.helpers import pdf as pdfs
from tests.helpers.scans import frame, paper, scanned, sign, stroke_to

GUIDANCE = "貿易登録申請手続きのご案内"
RETURNED = "【貿易関係証明発給システム】貿易登録申請の差戻しのお知らせ"
STAFF_PASSWORD = "Staff2026x"
TICK = "「同意する」にチェックを入れてください。"
ROOT = Path(__file__).resolve().parents[2]

# The company form as a browser sends it (REG-4): API.md's paths as field names.
COMPANY_FORM = {
    "registration_type": "applicant", "membership": "non_member_joining",
    "business_form": "corporation", "legal_entity_type": "kabushiki_kaisha",
    "legal_entity_position": "after", "name_ja": "さくら貿易", "name_en": "Sakura Trading",
    "registered_address.postal_code": "330-0854",
    "registered_address.address_ja": "埼玉県さいたま市大宮区桜木町一丁目2番地3",
    "current_address.same_as_registered": "yes",
    "current_address_en": "1-2-3 Sakuragicho,  Omiya-ku, Saitama-shi, Saitama 330-0854, Japan",
    "extra_addresses.0.address_ja": "", "extra_addresses.0.address_en": "",
    "extra_addresses.1.address_ja": "群馬県高崎市八幡町100番地",
    "extra_addresses.1.address_en": "100 Yawatamachi, Takasaki-shi, Gunma, Japan",
    "contact.same_as_current_address": "yes", "contact.department": "業務部",
    "contact.name_ja": "鈴木 一郎", "contact.phone": "048-000-0000",
    "contact.email": "contact@sakura.example.jp", "contact.is_signer": "yes",
    "second_hand_dealer": "no", "industry": "wholesale",
    "main_products": ["general_machinery", "foodstuffs"],
}


# --- helpers -------------------------------------------------------------------------------

def csrf_of(page) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)


def text_of(page) -> str:
    """What people read: tags dropped, entities decoded, spaces folded."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


def submit(client, path, data, form_page=None, **kwargs):
    """POST a form as the browser would: with the hidden fields of the page it came from
    (the CSRF token, the application it was shown for)."""
    form_page = form_page or client.get(path)
    hidden = {"csrf_token": csrf_of(form_page)}
    shown_for = re.search(r'name="application_number" value="([^"]+)"', form_page.text)
    if shown_for:
        hidden["application_number"] = shown_for.group(1)
    return client.post(path, data={**hidden, **data}, allow_redirects=False, **kwargs)


def location(response) -> str:
    assert response.status_code in (302, 303), (response.status_code, response.text[:800])
    parsed = urlparse(response.headers["Location"])
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def field_error(page, field_id) -> str:
    found = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', page.text)
    assert found, f"no message for {field_id}"
    return html.unescape(found.group(1))


def input_value(page, name) -> str:
    found = re.search(rf'<input id="[^"]+" name="{re.escape(name)}" type="[^"]+" value="([^"]*)"',
                      page.text)
    assert found, f"no input {name}"
    return html.unescape(found.group(1))


def checked(page, field_id) -> bool:
    return re.search(rf'id="{field_id}"[^>]*\bchecked\b', page.text) is not None


def guidance_mail(sink, count=1):
    return [m for m in sink.wait_for_messages(count) if m["Subject"] == GUIDANCE][-1]


def start_link(mail) -> str:
    return f"/registration/start?token={invitation_token(mail)}"


def invited(web, sink, email="contact@sakura.example.jp", mails_before=0) -> str:
    """REG-1, REG-2 through the guidance page; the mailed link."""
    sent = submit(web, "/c/1504/registration", {
        "email": email, "agree_certification_rules": "yes", "agree_penalty_rules": "yes"})
    assert location(sent) == "/c/1504/registration/sent"
    return start_link(guidance_mail(sink, mails_before + 1))


def consented(web, link) -> str:
    """REG-3: the consent page; where it leads."""
    started = submit(web, "/registration/start", {
        "token": invitation_token_of(link), "agree_privacy": "yes", "agree_terms": "yes"},
        form_page=web.get(link))
    return location(started)


def invitation_token_of(link: str) -> str:
    return link.split("token=", 1)[1]


@pytest.fixture
def staff(rpc_client, saitama):
    rpc_client.identity.add_staff({"cci_code": "1504", "login_id": "staff01",
                                   "password": STAFF_PASSWORD, "name": "証明 担当"})
    return "staff01"


# --- the applicant's wizard, in Japanese --------------------------------------------------

def test_the_wizard_in_japanese_from_the_guidance_page_to_the_forms(smtp_sink, saitama, web):
    # REG-1: the manual's address leads to the chamber's guidance page
    legacy = web.get("/tentative-company?cci_code=1504", allow_redirects=False)
    assert location(legacy) == "/c/1504/registration"
    guidance = web.get("/c/1504/registration")
    assert guidance.status_code == 200 and '<html lang="ja">' in guidance.text
    text = text_of(guidance)
    for part in ("貿易登録のご案内", "誓約・貿易登録について", "貿易登録とは",
                 "貿易登録証の交付", "貿易登録の申請", "貿易登録に必要な提出書類",
                 "商工会議所原産地証明書等貿易関係書類認証規程", "商工会議所貿易関係証明罰則規程",
                 "会員 0 円", "非会員 16,200 円", "現金", "承認から2年間"):
        assert part in text, part
    assert 'href="https://example.jp/rules">商工会議所貿易関係証明罰則規程</a>' in guidance.text
    assert 'autocomplete="email"' in guidance.text
    assert 'id="send-invitation"' in guidance.text and "button.disabled" in guidance.text

    # REG-2: the server checks the ticks too (the button is only a convenience)
    refused = submit(web, "/c/1504/registration", {"email": "contact@sakura.example.jp",
                                                   "agree_certification_rules": "yes"},
                     form_page=guidance)
    assert refused.status_code == 422
    assert field_error(refused, "f-agree_penalty_rules") == TICK
    assert input_value(refused, "email") == "contact@sakura.example.jp"
    assert checked(refused, "f-agree_certification_rules")
    assert smtp_sink.messages() == []

    link = invited(web, smtp_sink)
    sent = web.get("/c/1504/registration/sent")
    assert f"contact@sakura.example.jp 宛に「{GUIDANCE}」メールを送信しました。" in text_of(sent)

    # REG-3: the consent page, both ticks, then the company form
    consent = web.get(link)
    text = text_of(consent)
    assert "個人情報の取り扱い" in text and "IDの貸与は禁止されています。" in text
    assert 'content="same-origin"' in consent.text  # the token does not leak to other sites
    unticked = submit(web, "/registration/start", {"token": invitation_token_of(link),
                                                   "agree_privacy": "yes"}, form_page=consent)
    assert unticked.status_code == 422
    assert field_error(unticked, "f-agree_terms") == TICK
    assert consented(web, link) == "/registration/company"

    # REG-4: every field, with the right autocomplete
    form = web.get("/registration/company")
    assert form.status_code == 200 and "企業情報の入力" in form.text
    for name in (*registration_form.COMPANY_TEXT_FIELDS, *registration_form.COMPANY_TICKS,
                 "main_products", "extra_addresses.0.address_ja", "extra_addresses.1.address_en"):
        assert f'name="{name}"' in form.text, name
    assert re.search(r'name="contact.email" type="email" value="" autocomplete="email"', form.text)
    assert re.search(r'name="contact.phone" type="tel" value="" autocomplete="tel"', form.text)
    assert re.search(r'name="registered_address.address_ja" type="text" value="" '
                     r'autocomplete="off"', form.text)
    assert "法人格は入力不要です" in form.text
    assert "コマーシャルインボイス上の英文住所と一致する" in form.text
    assert checked(form, "f-current_address-same_as_registered")  # the usual case first

    # a 422 shows the form again with what was entered and each field's message
    broken = {**COMPANY_FORM, "name_ja": "",
              "registered_address.postal_code": "33", "current_address.same_as_registered": "",
              "contact.email": "not-an-address", "main_products": []}
    again = submit(web, "/registration/company", broken, form_page=form)
    assert again.status_code == 422
    assert "入力内容に誤りがあります。" in text_of(again)
    assert field_error(again, "f-name_ja") == "必須項目です。"
    assert field_error(again, "f-registered_address-postal_code") == "形式が正しくありません。"
    assert field_error(again, "f-current_address-postal_code") == "必須項目です。"
    assert field_error(again, "f-contact-email") == "メールアドレスの形式が正しくありません。"
    assert field_error(again, "f-main_products") == "必須項目です。"
    assert input_value(again, "name_en") == "Sakura Trading"
    assert input_value(again, "registered_address.postal_code") == "33"
    assert input_value(again, "current_address_en") == COMPANY_FORM["current_address_en"]
    assert not checked(again, "f-current_address-same_as_registered")
    assert checked(again, "f-contact-is_signer") and checked(again, "f-industry-wholesale")
    # the second extra address row moves up to the first, where the service sees it
    assert input_value(again, "extra_addresses.0.address_en") == \
        "100 Yawatamachi, Takasaki-shi, Gunma, Japan"

    # REG-4.4: the entity type is required for corporations (the company-wide rules)
    no_entity = submit(web, "/registration/company", {**COMPANY_FORM, "legal_entity_type": ""},
                       form_page=again)
    assert no_entity.status_code == 422
    assert field_error(no_entity, "f-legal_entity_type") == \
        "業態区分が「法人・団体」の場合は必須です。"
    assert checked(no_entity, "f-legal_entity_position-after")

    # REG-4.9: saved, on to the signers; the contact who signs is offered as the first one
    saved = submit(web, "/registration/company", COMPANY_FORM, form_page=again)
    assert location(saved) == "/registration/signers?notice=company_saved"
    signers = web.get("/registration/signers?notice=company_saved")
    text = text_of(signers)
    assert "企業情報を保存しました。" in text
    assert "担当者の鈴木 一郎さんは署名者を兼任します。" in text
    assert input_value(signers, "name_ja") == "鈴木 一郎"

    # REG-5: add, refuse an incomplete one with its values, remove
    for signer in SIGNERS:
        added = submit(web, "/registration/signers", signer, form_page=signers)
        assert location(added) == "/registration/signers?notice=signer_added"
    incomplete = submit(web, "/registration/signers", {**SIGNERS[0], "email": ""},
                        form_page=signers)
    assert incomplete.status_code == 422
    assert field_error(incomplete, "f-email") == "必須項目です。"
    assert input_value(incomplete, "name_en") == "TARO YAMADA"
    extra = submit(web, "/registration/signers", {**SIGNERS[0], "name_en": "EXTRA SIGNER"},
                   form_page=signers)
    assert location(extra) == "/registration/signers?notice=signer_added"
    listed = web.get("/registration/signers")
    signer_ids = re.findall(r'action="/registration/signers/([^/"]+)/delete"', listed.text)
    assert len(signer_ids) == 3 and "EXTRA SIGNER" in listed.text
    removed = submit(web, f"/registration/signers/{signer_ids[2]}/delete", {}, form_page=listed)
    assert location(removed) == "/registration/signers?notice=signer_removed"
    listed = web.get("/registration/signers")
    assert "EXTRA SIGNER" not in listed.text and "HANAKO SATO" in listed.text

    # REG-6: everything, with the ways back, and the fee for a non-member
    review = web.get("/registration/review")
    text = text_of(review)
    for part in ("申請者", "非会員（入会手続中）", "法人・団体", "株式会社", "さくら貿易",
                 "Sakura Trading", "〒330-0854 埼玉県さいたま市大宮区桜木町一丁目2番地3",
                 "登記上の所在地と同じ",
                 "群馬県高崎市八幡町100番地", "業務部 鈴木 一郎", "署名者兼任", "無し", "卸売業",
                 "一般機械、食料品", "山田 太郎", "HANAKO SATO", "16,200 円"):
        assert part in text, part
    assert COMPANY_FORM["current_address_en"] in html.unescape(review.text)  # spaces kept
    assert 'href="/registration/company"' in review.text
    assert 'href="/registration/signers"' in review.text
    number = re.search(r'<strong class="number">([^<]+)</strong>', review.text).group(1)
    submitted = submit(web, "/registration/review", {}, form_page=review)
    assert location(submitted) == "/registration/forms?notice=submitted"

    # REG-7: the three forms in the page, the number, the updated date-time, what to bring
    forms = web.get("/registration/forms?notice=submitted")
    text = text_of(forms)
    assert "申請しました。" in text and number in text and "更新日時" in text
    for part in ("誓約書", "業態内容届", "署名届", "右上の更新日時が最新のもの",
                 "履歴事項全部証明書", "貿易登録料（現金）：16,200円（税込）",
                 "枠にかかっている場合は登録できません"):
        assert part in text, part
    pledge = f"/api/v1/registration-applications/{number}/forms/pledge.pdf"
    assert f'<object data="{pledge}" type="application/pdf"' in forms.text
    assert 'target="_blank"' not in forms.text  # no pop-ups
    shown = web.get("/registration/forms?form=signature-registration")
    url = f"/api/v1/registration-applications/{number}/forms/signature-registration.pdf"
    assert f'<object data="{url}"' in shown.text
    pdf = web.get(url)  # the session's application token opens it
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert "TARO YAMADA" in pdfs.text(pdf.content)

    # edits stay possible until approval: the saved values are in the form again
    edit = web.get("/registration/company")
    assert input_value(edit, "name_en") == "Sakura Trading"
    assert checked(edit, "f-main_products-foodstuffs")
    assert input_value(edit, "current_address_en") == COMPANY_FORM["current_address_en"]


# --- in English, an agent, and what goes wrong --------------------------------------------

def test_an_agent_in_english_skips_the_signers_and_prints_two_forms(smtp_sink, saitama, web):
    web.cookies.set("lang", "en")
    guidance = web.get("/c/1504/registration")
    assert '<html lang="en">' in guidance.text
    text = text_of(guidance)
    assert "Trade registration: guidance" in text and "Non-members 16,200 yen" in text
    assert "商工会議所貿易関係証明罰則規程 (Rules on penalties for trade certificates)" in text
    link = invited(web, smtp_sink, email="agent@forwarder.example.jp")
    assert "Lending an ID is forbidden." in text_of(web.get(link))
    assert consented(web, link) == "/registration/company"

    agent = {**COMPANY_FORM, "registration_type": "agent", "business_form": "individual",
             "legal_entity_type": "kabushiki_kaisha", "contact.same_as_current_address": "",
             "contact.postal_code": "", "contact.address_ja": ""}
    refused = submit(web, "/registration/company", agent)
    assert refused.status_code == 422
    assert "Some fields are not valid." in text_of(refused)
    assert field_error(refused, "f-contact-postal_code") == "Required."
    assert "f-legal_entity_type-error" not in refused.text  # hidden for individuals: not sent
    agent.update({"contact.postal_code": "330-0854", "contact.address_ja": "さいたま市大宮区"})
    saved = submit(web, "/registration/company", agent, form_page=refused)
    assert location(saved) == "/registration/review?notice=company_saved"  # REG-5: no signers
    assert location(web.get("/registration/signers", allow_redirects=False)) == \
        "/registration/review"

    review = web.get("/registration/review")
    text = text_of(review)
    assert "Agent" in text and "Individual (sole proprietor)" in text
    assert "Other address" not in text  # agents print no extra addresses (REG-4.6)
    assert 'href="/registration/signers"' not in review.text
    assert location(submit(web, "/registration/review", {}, form_page=review)) == \
        "/registration/forms?notice=submitted"
    forms = web.get("/registration/forms")
    text = text_of(forms)
    assert "1. Pledge" in text and "2. Business description form" in text
    assert "Signature registration form" not in text
    assert "Certified copy of the commercial register" not in text  # an individual


def test_an_expired_or_broken_link_and_no_application(smtp_sink, saitama, web, db_session):
    link = invited(web, smtp_sink)
    session = db_session("registration")
    session.execute(update(Invitation).values(
        expires_at=Invitation.expires_at - timedelta(days=61)))
    session.commit()
    expired = submit(web, "/registration/start", {"token": invitation_token_of(link),
                                                  "agree_privacy": "yes", "agree_terms": "yes"},
                     form_page=web.get(link))
    assert expired.status_code == 410
    assert "このURLは有効期限が切れています" in text_of(expired)
    assert 'href="/c/1504/registration"' in expired.text  # start again from REG-1

    broken = submit(web, "/registration/start", {"token": "x" * 43, "agree_privacy": "yes",
                                                 "agree_terms": "yes"}, form_page=web.get(link))
    assert broken.status_code == 404 and "このURLは無効です" in text_of(broken)
    assert web.get("/registration/start").status_code == 404

    nothing = web.get("/registration/company")
    assert nothing.status_code == 401 and "開いている申請はありません" in text_of(nothing)
    # a form posted without the page's token is refused
    assert web.post("/c/1504/registration", data={"email": "x@example.jp"}).status_code == 403


def test_a_form_of_another_tab_never_changes_the_application_opened_since(smtp_sink, saitama,
                                                                          web):
    first = invited(web, smtp_sink)
    assert consented(web, first) == "/registration/company"
    first_form = web.get("/registration/company")  # tab 1, still open
    second = invited(web, smtp_sink, email="other@example.jp", mails_before=1)
    assert consented(web, second) == "/registration/company"  # tab 2: another application

    stale = submit(web, "/registration/company", COMPANY_FORM, form_page=first_form)
    assert location(stale) == "/registration/company?notice=other_application"
    shown = web.get("/registration/company?notice=other_application")
    assert "別の申請が開かれたため、保存しませんでした。" in text_of(shown)
    assert input_value(shown, "name_ja") == ""  # the open application is untouched
    assert shown.text.count('name="application_number"') == 1
    assert re.search(r'name="application_number" value="([^"]+)"', shown.text).group(1) != \
        re.search(r'name="application_number" value="([^"]+)"', first_form.text).group(1)


# --- chamber staff ---------------------------------------------------------------------------

def submitted_application(web, sink) -> str:
    """An applicant's submitted application with two signers, through the API."""
    web.post("/api/v1/chambers/1504/registration-invitations",
             json={"email": "contact@sakura.example.jp", "agree_rules": True})
    started = web.post("/api/v1/registration-applications", json={
        "invitation_token": invitation_token(guidance_mail(sink)), "agree_privacy": True,
        "agree_terms": True}).json()
    number = started["application_number"]
    app = {"Authorization": f"Bearer {started['application_token']}"}
    web.put(f"/api/v1/registration-applications/{number}/company", headers=app, json=company())
    for signer in SIGNERS:
        web.post(f"/api/v1/registration-applications/{number}/signers", headers=app, json=signer)
    assert web.post(f"/api/v1/registration-applications/{number}/submission",
                    headers=app).status_code == 200
    return number


def upload(client, path, page, scan: bytes):
    return client.post(path, data={"csrf_token": csrf_of(page)},
                       files={"signature": ("box.png", scan, "image/png")},
                       allow_redirects=False)


def test_staff_review_upload_return_and_approve(smtp_sink, saitama, staff, web, new_browser):
    api = new_browser()
    number = submitted_application(api, smtp_sink)

    # not logged in: the chamber's login page, and back here after it
    away = web.get("/staff/registrations", allow_redirects=False)
    assert location(away) == "/c/1504/login?notice=unauthorized&next=%2Fstaff%2Fregistrations"
    logged_in = submit(web, "/c/1504/login", {"login_id": staff, "password": STAFF_PASSWORD,
                                              "next": "/staff/registrations"})
    assert location(logged_in) == "/staff/registrations"

    # the queue, and the number as typed (full-width) or scanned from the QR code
    queue = web.get("/staff/registrations")
    assert queue.status_code == 200 and number in queue.text and "さくら貿易" in queue.text
    assert re.search(r'name="number" type="text" value="" autocomplete="off"', queue.text)
    full_width = number.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    found = web.get(f"/staff/registrations?number=+{full_width.lower()}+",
                    allow_redirects=False)
    assert location(found) == f"/staff/registrations/{number}"
    unknown = web.get("/staff/registrations?number=R1504-1999-00001")
    assert unknown.status_code == 404 and "この申請番号の申請はありません。" in text_of(unknown)

    # everything entered, the forms in the page, an upload form per signer
    detail = web.get(f"/staff/registrations/{number}")
    text = text_of(detail)
    assert "さくら貿易" in text and "1-2-3 Sakuragicho,  Omiya-ku" in html.unescape(detail.text)
    assert f'<object data="/api/v1/staff/registration-applications/{number}/forms/pledge.pdf"' \
        in detail.text
    assert web.get(f"/api/v1/staff/registration-applications/{number}/forms/"
                   "pledge.pdf").headers["Content-Type"] == "application/pdf"
    actions = re.findall(rf'action="(/staff/registrations/{number}/signers/[^"]+/signature)"',
                         detail.text)
    assert len(actions) == 2
    assert detail.text.count('accept="image/png,image/jpeg"') == 2
    assert detail.text.count('enctype="multipart/form-data"') == 2

    # approval needs every signature first
    early = submit(web, f"/staff/registrations/{number}/approval",
                   {"registration_fee_receipt_no": "R-001"}, form_page=detail)
    assert early.status_code == 409
    # beside each signer, and in the error summary as links to their upload fields
    assert len(re.findall(r'<p class="field-error" id="f-signers-[0-9a-f-]+-signature-error">'
                          r'この署名者のサインがまだ登録されていません。</p>', early.text)) == 2
    assert len(re.findall(r'<li><a href="#f-signers-[0-9a-f-]+-signature">[^<]+: '
                          r'この署名者のサインがまだ登録されていません。</a></li>',
                          early.text)) == 2

    # REG-7: a signature touching the frame is refused with the reason, next to its signer
    touching = upload(web, actions[0], detail, scanned(stroke_to(frame(paper()), end_x=10_000)))
    assert touching.status_code == 422
    assert "サインが枠にかかっているため登録できません。" in text_of(touching)
    assert text_of(touching).count("サイン未登録") == 2
    for action in actions:
        uploaded = upload(web, action, detail, scanned(sign(frame(paper()))))
        assert location(uploaded) == f"/staff/registrations/{number}?notice=signature_registered"
    detail = web.get(f"/staff/registrations/{number}?notice=signature_registered")
    assert "サインを登録しました。" in text_of(detail)
    assert text_of(detail).count("サイン登録済み") == 2

    # return with a reason: mailed with a link that reopens the application
    no_reason = submit(web, f"/staff/registrations/{number}/return", {"reason": " "},
                       form_page=detail)
    assert no_reason.status_code == 422 and field_error(no_reason, "f-reason") == "必須項目です。"
    returned = submit(web, f"/staff/registrations/{number}/return",
                      {"reason": "英文住所がインボイスと異なります。"}, form_page=detail)
    assert location(returned) == f"/staff/registrations/{number}?notice=returned"
    mail = [m for m in smtp_sink.wait_for_messages(2) if m["Subject"] == RETURNED][-1]
    path = urlparse(re.search(r"(\S*/registration/application\?\S+)",
                              mail.get_content()).group(1))
    applicant = new_browser()
    reopened = applicant.get(f"{path.path}?{path.query}", allow_redirects=False)
    assert location(reopened) == "/registration/review"
    review = applicant.get("/registration/review")
    assert "英文住所がインボイスと異なります。" in text_of(review)
    assert "再申請する" in text_of(review)
    resubmitted = submit(applicant, "/registration/review", {}, form_page=review)
    assert location(resubmitted) == "/registration/forms?notice=submitted"

    # REG-8: approve with the cash receipt number; the result and the certificate in the page
    detail = web.get(f"/staff/registrations/{number}")
    missing = submit(web, f"/staff/registrations/{number}/approval",
                     {"registration_fee_receipt_no": ""}, form_page=detail)
    assert missing.status_code == 422
    assert field_error(missing, "f-registration_fee_receipt_no") == "必須項目です。"
    approved = submit(web, f"/staff/registrations/{number}/approval",
                      {"registration_fee_receipt_no": "R-001"}, form_page=detail)
    assert location(approved) == f"/staff/registrations/{number}/approved"
    result = web.get(f"/staff/registrations/{number}/approved")
    text = text_of(result)
    trade_number = re.search(r'id="trade-registration-number">([^<]+)<', result.text).group(1)
    assert re.fullmatch(r"1504-\d{6}", trade_number)
    assert "貿易登録を承認しました" in text and "有効期限" in text and "管理者ID" in text
    admin_id = re.search(r"<dt>管理者ID</dt><dd><code>([^<]+)</code>", result.text).group(1)
    certificate = f"/api/v1/staff/registrations/{trade_number}/certificate.pdf"
    assert f'<object data="{certificate}" type="application/pdf"' in result.text
    pdf = web.get(certificate)
    assert pdf.status_code == 200 and admin_id in pdfs.text(pdf.content)

    # after approval the applicant's pages only show the result
    assert location(applicant.get("/registration/company", allow_redirects=False)) == \
        "/registration/forms"
    assert trade_number in text_of(applicant.get("/registration/forms"))


def test_staff_pages_are_for_staff_only(smtp_sink, saitama, web):
    """Anyone else is sent to log in (no session) or refused (another kind of ID)."""
    assert location(web.get("/staff/registrations/R1504-2026-00001", allow_redirects=False)) \
        .startswith("/c/1504/login?notice=unauthorized")


# --- every visible string is translated ---------------------------------------------------

def test_every_message_of_the_registration_pages_has_japanese_and_codes_have_english():
    ids = {message[2] if isinstance(message[2], str) else message[2][0]
           for message in extract_from_dir(str(ROOT / "gateway/templates/registration"),
                                           [("**.html", "jinja2")])}
    ids |= {msgid for _, msgid in pages.NOTICES.values()}
    catalogs = ROOT / "gateway" / "translations"
    ja = {}
    for path in sorted((catalogs / "ja" / "LC_MESSAGES").glob("*.po")):  # i18n merges all
        with open(path, "rb") as fh:
            ja.update({m.id: m.string for m in read_po(fh) if m.id})
    assert sorted(i for i in ids if not ja.get(i)) == []
    assert len(ids) > 250
    with open(catalogs / "en" / "LC_MESSAGES" / "registration.po", "rb") as fh:
        en = {m.id: m.string for m in read_po(fh) if m.id}
    with open(catalogs / "ja" / "LC_MESSAGES" / "registration.po", "rb") as fh:
        codes = {m.id for m in read_po(fh)
                 if m.id and re.fullmatch(r"[a-z]+(_[a-z0-9]+)+|error\.[a-z_]+|required", m.id)}
    assert sorted(codes - set(en)) == []  # a code is never shown as itself in English
    for code in ("required_for_corporations", "not_for_individuals", "applicants_only",
                 "at_most_two", "reason_required_from_16th_signer", "signature_touches_frame",
                 "signature_empty", "error.invitation_expired", "error.application_incomplete"):
        assert en.get(code) and ja.get(code), code
