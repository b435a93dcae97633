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


def test_the_sub_id_mail_carries_the_signers_text_and_the_activation_link():
    notified = {"cci_code": "1504", "login_id": "S0000001", "subject": "サブIDのお知らせ",
                "body": "サブIDを付与しました。", "activation_token": "tok-3",
                "expires_in_days": 14}

    subject, body = domain.render("sub_id_notification",
                                  mails.sub_id_notification(notified, URL))

    assert subject == "サブIDのお知らせ"
    assert body.startswith("サブIDを付与しました。")
    assert f"{URL}/sub-id/activate?token=tok-3" in body and "14日間有効" in body


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
