"""notify builds each mail from an event's facts and what it asked the owning service; the
texts are the ones the templates always had (services/notify/mails.py)."""
from services.notify import domain, mails

URL = "https://certs.example.jp"
CHAMBER = {"cci_code": "1504", "name_ja": "さいたま商工会議所", "name_en": "Saitama CCI",
           "registration_fee_jpy": {"member": 0, "non_member": 16200}}


def test_the_guidance_mail_from_an_invitation_and_its_chamber():
    invitation = {"cci_code": "1504", "email": "a@example.jp", "invitation_token": "tok-1",
                  "valid_until": "2027-01-30"}

    subject, body = domain.render("registration_guidance",
                                  mails.registration_guidance(invitation, CHAMBER, URL))

    assert subject == "貿易登録申請手続きのご案内"
    assert f"{URL}/registration/start?token=tok-1" in body
    assert "非会員 16,200円" in body and "Saitama CCI (chamber code 1504)" in body
    assert "有効期限は 2027-01-30 まで" in body


def test_the_returned_mail_names_the_company_and_links_the_application():
    returned = {"cci_code": "1504", "application_number": "R1504-2026-00001",
                "reason": "署名が枠に触れています", "application_token": "tok-2"}
    contact = {"email": "a@example.jp", "company_name_ja": "さくら貿易"}

    _, body = domain.render("registration_returned",
                            mails.registration_returned(returned, contact, URL))

    assert body.startswith("さくら貿易 ご担当者様")
    assert f"{URL}/registration/application?token=tok-2&application_number=R1504-2026-00001" \
        in body
    assert "署名が枠に触れています" in body


SUB = {"cci_code": "1504", "login_id": "S0000001", "kind": "sub", "name": "サブ 一郎",
       "email": "sub@example.jp",
       "company": {"trade_registration_number": "1504-000123", "name_ja": "さくら貿易",
                   "name_en": "SAKURA TRADING"}}


def test_the_sub_id_mail_carries_the_signers_text_and_the_activation_link():
    notified = {"cci_code": "1504", "login_id": "S0000001", "subject": "サブIDのお知らせ",
                "body": "サブIDを付与しました。", "activation_token": "tok-3",
                "expires_in_days": 14}

    subject, body = domain.render("sub_id_notification",
                                  mails.sub_id_notification(notified, SUB, URL))

    assert subject == "サブIDのお知らせ"
    assert "\nサブIDを付与しました。\n" in body
    assert f"{URL}/sub-id/activate?token=tok-3" in body and "14日間有効" in body


def test_the_sub_id_mail_names_the_company_that_sent_it_before_the_senders_text():
    """Issue 9 (ID-6.2): any verified user ID mails its own text from the chamber's sender,
    so each such mail says which registered company sent it, in Japanese and English."""
    notified = {"cci_code": "1504", "login_id": "S0000001", "subject": "お知らせ",
                "body": "ご連絡です。", "activation_token": "tok-4", "expires_in_days": 14}

    _, body = domain.render("sub_id_notification",
                            mails.sub_id_notification(notified, SUB, URL))

    head = body[:body.index("ご連絡です。")]
    assert "「さくら貿易」（貿易登録番号 1504-000123）" in head
    assert "SAKURA TRADING (trade registration number 1504-000123)" in head


def test_the_sub_id_mail_is_plain_text_with_the_senders_markup_as_written():
    """Issue 9: the sender's body goes out as text/plain only, never as an HTML part."""
    from services.notify.models import MailMessage

    notified = {"cci_code": "1504", "login_id": "S0000001", "subject": "お知らせ",
                "body": '<a href="https://evil.example">click</a><script>x()</script>',
                "activation_token": "tok-5", "expires_in_days": 14}
    subject, body = domain.render("sub_id_notification",
                                  mails.sub_id_notification(notified, SUB, URL))
    message = MailMessage(message_id="<1@example.jp>", to_address="t@example.jp",
                          subject=subject, body=body)

    email = domain.as_email(message, "noreply@example.jp")

    assert not email.is_multipart() and email.get_content_type() == "text/plain"
    assert '<a href="https://evil.example">click</a><script>x()</script>' in email.get_content()


def test_no_customer_mail_shows_a_requirement_number():
    """Issue 9: customer mails use the manual's words, never "REG-2"."""
    import re
    from pathlib import Path

    for template in Path(domain.__file__).parent.glob("templates/*.txt"):
        text = re.sub(r"\{#.*?#\}", "", template.read_text(), flags=re.S)  # comments may
        assert not re.search(r"\b(REG|ID|ISS)-\d", text), template.name


def test_the_guidance_mail_says_the_manuals_fee_word():
    invitation = {"cci_code": "1504", "email": "a@example.jp", "invitation_token": "tok-1",
                  "valid_until": "2027-01-30"}
    _, body = domain.render("registration_guidance",
                            mails.registration_guidance(invitation, CHAMBER, URL))
    assert "貿易登録手数料（税込）" in body and "貿易登録料" not in body


def test_the_approval_mail_carries_the_login_url():
    approved = {"cci_code": "1504", "application_number": "R1504-2026-00001",
                "trade_registration_number": "1504-000001", "valid_until": "2028-11-30",
                "admin_login_id": "A1234567"}
    contact = {"email": "a@example.jp", "company_name_ja": "さくら貿易"}

    _, body = domain.render("registration_approved",
                            mails.registration_approved(approved, contact, URL))

    assert body.startswith("さくら貿易 ご担当者様")
    assert body.count(f"{URL}/c/1504/login") == 2  # in Japanese and in English
    assert "A1234567" in body


def test_the_returned_mail_asks_agents_for_no_signature_form():
    returned = {"cci_code": "1504", "application_number": "R1504-2026-00001",
                "reason": "英文住所が違います", "application_token": "tok-2"}
    applicant = {"email": "a@example.jp", "company_name_ja": "さくら貿易",
                 "registration_type": "applicant"}
    agent = {**applicant, "registration_type": "agent"}

    _, to_applicant = domain.render("registration_returned",
                                    mails.registration_returned(returned, applicant, URL))
    _, to_agent = domain.render("registration_returned",
                                mails.registration_returned(returned, agent, URL))

    assert "署名届" in to_applicant and "signature registration form" in to_applicant
    assert "署名届" not in to_agent and "signature" not in to_agent
    assert "業態内容届" in to_agent and "business description form" in to_agent

def test_the_renewal_mail_names_the_new_end_and_the_fee_in_the_manuals_words():
    # REG-9: to the admin, no requirement numbers, 貿易登録手数料
    renewed = {"cci_code": "1504", "trade_registration_number": "1504-000001",
               "valid_until": "2030-11-30", "previous_valid_until": "2028-11-30",
               "registration_fee_receipt_no": "R-77", "admin_login_id": "A0000001"}
    contact = {"email": "a@example.jp", "company_name_ja": "さくら貿易"}

    subject, body = domain.render("registration_renewed",
                                  mails.registration_renewed(renewed, contact))

    assert subject == "【貿易関係証明発給システム】貿易登録更新完了のお知らせ"
    assert body.startswith("さくら貿易 ご担当者様")
    assert "新しい有効期限: 2030-11-30" in body and "更新前の有効期限: 2028-11-30" in body
    assert "貿易登録手数料の領収書番号: R-77" in body
    assert "REG-" not in body


def test_a_returned_change_request_asks_for_the_signature_form_only_with_new_signers():
    """変更申請: an agent (or a change without new signers) is never asked for a signature
    registration form."""
    contact = {"email": "a@example.jp", "company_name_ja": "さくら貿易"}
    facts = {"cci_code": "1504", "trade_registration_number": "1504-000001",
             "valid_until": "2028-11-30", "change_request_id": "C1504-2026-00001",
             "reason": "押印がありません", "signers_added": 1,
             "registration_type": "applicant"}

    subject, with_signers = domain.render("change_request_returned",
                                          mails.change_request_returned(facts, contact, URL))
    _, agent = domain.render("change_request_returned", mails.change_request_returned(
        {**facts, "signers_added": 0, "registration_type": "agent"}, contact, URL))

    assert subject.endswith("登録内容変更申請の差戻しのお知らせ")
    assert "押印がありません" in with_signers and "C1504-2026-00001" in with_signers
    assert "署名届" in with_signers and "signature registration form" in with_signers
    assert "署名届" not in agent and "signature registration" not in agent
    assert f"{URL}/registration/changes/C1504-2026-00001" in agent


def test_an_applied_change_names_the_new_user_ids():
    contact = {"email": "a@example.jp", "company_name_ja": "さくら貿易"}
    changed = {"cci_code": "1504", "trade_registration_number": "1504-000001",
               "valid_until": "2028-11-30", "change_request_id": "C1504-2026-00001",
               "users": [{"signer_id": "s9", "login_id": "U0000009"}], "signers_removed": 1}

    subject, body = domain.render("registration_changed",
                                  mails.registration_changed(changed, contact, URL))

    assert subject.endswith("登録内容変更完了のお知らせ")
    assert "U0000009" in body and "削除した署名者: 1名" in body
    assert body.startswith("さくら貿易 ご担当者様")


def test_the_chambers_contact_is_the_foot_of_customer_mails_only():
    # issue 9: the manual tells applicants to call the chamber; staff mails go without it
    from services.notify import domain, mails

    chamber = {"name_ja": "さいたま商工会議所", "name_en": "Saitama CCI", "contact": {
        "department_ja": "国際部", "department_en": "International Division",
        "phone": "048-641-0061", "email": "shomei@example.jp", "hours_ja": "平日 9:00〜17:00",
        "hours_en": "Weekdays 9:00-17:00"}}
    footer = domain.contact_footer(chamber)
    for text in ("さいたま商工会議所 国際部", "048-641-0061", "shomei@example.jp",
                 "平日 9:00〜17:00", "Saitama CCI, International Division", "Weekdays"):
        assert text in footer
    assert domain.contact_footer({**chamber, "contact": None}) is None
    assert {"staff_account_created"} == mails.STAFF_MAILS


ISSUED = {"cci_code": "1504", "application_id": "app-1",
          "trade_registration_number": "1504-000001", "login_id": "U0000001",
          "certificate_type": "co_japan", "certificate_no": "1504-26-000009",
          "issued_on": "2026-12-01", "fee_jpy": 12600}
USER = {"cci_code": "1504", "login_id": "U0000001", "kind": "user", "name": "署名者 1",
        "email": "signer1@example.jp",
        "company": {"trade_registration_number": "1504-000001", "name_ja": "さくら貿易",
                    "name_en": "SAKURA TRADING"}}


def test_every_certificate_type_issuance_accepts_has_its_name_in_a_mail():
    from services.issuance.schemas import CERTIFICATE_TYPES

    assert set(mails.CERTIFICATE_TYPES) == set(CERTIFICATE_TYPES)


def test_a_certified_mail_without_optional_facts_names_what_it_replaces():
    """ISS-13: an event may leave out the consignee, the destination and what it replaces
    (absent is null); a replacement says which certificate it replaces. ISS-11: the fee with
    thousands separators."""
    _, plain = domain.render("certificate_certified",
                             mails.application_mail(ISSUED, USER, None, URL))
    _, replacing = domain.render("certificate_certified", mails.application_mail(
        {**ISSUED, "replaces_certificate_no": "1504-26-000001"}, USER, None, URL))

    assert "荷受人" not in plain and "Consignee" not in plain and "代わるもの" not in plain
    assert "お支払いいただく手数料: 12,600円（税込）" in plain
    assert "証明書番号 1504-26-000001 の証明書に代わるもの" in replacing
    assert "replaces certificate 1504-26-000001" in replacing
    assert "\n\n\n" not in plain and "\n\n\n" not in replacing


def test_an_issuance_mail_greets_the_applicant_or_else_the_companys_contact():
    contact = {"email": "i.suzuki@example.jp", "company_name_ja": "さくら貿易"}
    facts = {**ISSUED, "reason": "署名がありません"}

    _, to_user = domain.render("application_returned",
                               mails.application_mail(facts, USER, None, URL))
    _, to_contact = domain.render("application_returned",
                                  mails.application_mail(facts, None, contact, URL))

    assert to_user.startswith("さくら貿易\n署名者 1 様\n")
    assert to_contact.startswith("さくら貿易 ご担当者様\n")
    assert f"{URL}/applications/app-1" in to_contact


# --- payment (ISS-8, ISS-11, ISS-12) ----------------------------------------------------------

PAID = {"cci_code": "1504", "payment_id": "pay-1", "trade_registration_number": "1504-000001",
        "login_id": "U0000001", "amount_jpy": 12345, "application_ids": ["app-1", "app-2"]}


def test_a_payment_mail_in_japan_time_with_the_payment_page_and_the_receipt():
    context = mails.payment_mail({**PAID, "paid_at": "2026-11-30T15:30:00+00:00",
                                  "receipt_no": "1504-R2026-000001"}, USER, None, URL)
    _, body = domain.render("payment_succeeded", context)

    assert "お支払日時: 2026-12-01 00:30（日本時間）" in body  # 15:30 UTC is the next day
    assert "お支払金額: 12,345円（税込）" in body and "12,345 yen" in body
    assert "証明書: 2通" in body and "Certificates: 2" in body
    assert f"{URL}/payments/pay-1\n" in body
    assert f"{URL}/api/v1/payments/pay-1/receipt.pdf" in body
    assert "14日間" in body and "for 14 days" in body
    assert "\n\n\n" not in body


def test_every_failure_code_is_said_in_plain_words_or_else_named():
    assert mails.failure_words("card_declined") == ("カードが承認されませんでした",
                                                    "The card was declined")
    ja, en = mails.failure_words("something_new")
    assert "something_new" in ja and "something_new" in en
    for code, (ja, en) in mails.PAYMENT_FAILURES.items():
        assert ja and en and code not in ja and code not in en


def test_a_payment_mail_to_a_gone_payer_greets_the_companys_contact():
    contact = {"email": "i.suzuki@example.jp", "company_name_ja": "さくら貿易"}
    _, body = domain.render("payment_refunded", mails.payment_mail(
        {**PAID, "refunded_jpy": 1260, "reason": "二重申請", "by_login_id": "staff01"},
        None, contact, URL))

    assert body.startswith("さくら貿易 ご担当者様\n")
    assert "返金額: 1,260円" in body and body.count("二重申請") == 2
