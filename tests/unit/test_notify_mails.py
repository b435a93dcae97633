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
