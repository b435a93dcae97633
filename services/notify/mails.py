"""Each event's mail: the template's values, built from the event's facts and what notify
asked the owning service (names, addresses). Links to the gateway's pages are made here, from
the tokens the events carry, so no other service writes notify's mails. Free of Nameko.

Every mail but those to chamber staff (`STAFF_MAILS`) ends with the chamber's contact
(`domain.contact_footer`), asked from identity's get_chamber."""

from datetime import datetime

from tradecert.clock import JAPAN

STAFF_MAILS = frozenset({"staff_account_created"})


def staff_account_created(account: dict, public_url: str) -> dict:
    return {**account, "login_url": f"{public_url}/c/{account['cci_code']}"}


def email_verification_code(verification: dict, account: dict) -> dict:
    """ID-5."""
    return {**verification, "name": account["name"]}


def sub_id_notification(notified: dict, sub: dict, public_url: str) -> dict:
    """ID-6.2, ID-6.3: the signer's subject and body, and the single-use activation link.
    The text is the signer's, mailed from the chamber's sender to any address: the mail says
    which registered company sent it (issue 9). Plain text only, as every mail here."""
    return {**notified, "company": sub["company"],
            "activation_url": f"{public_url}/sub-id/activate?token={notified['activation_token']}"}


def registration_guidance(invitation: dict, chamber: dict, public_url: str) -> dict:
    """REG-2: the chamber, its fees and the link to the consent page."""
    fee = chamber["registration_fee_jpy"]
    return {"cci_code": invitation["cci_code"], "chamber_name_ja": chamber["name_ja"],
            "chamber_name_en": chamber["name_en"], "fee_member_jpy": fee["member"],
            "fee_non_member_jpy": fee["non_member"], "valid_until": invitation["valid_until"],
            "link": f"{public_url}/registration/start?token={invitation['invitation_token']}"}


def registration_returned(returned: dict, contact: dict, public_url: str) -> dict:
    """REG-8: the reason, and the link that opens the application to correct it."""
    link = f"{public_url}/registration/application?token={returned['application_token']}" \
           f"&application_number={returned['application_number']}"
    # agents register no signers (REG-5): their mail asks for no signature registration form
    return {**company_mail(returned, contact), "link": link,
            "signature_form": contact.get("registration_type") != "agent"}


def registration_approved(approved: dict, contact: dict, public_url: str) -> dict:
    """REG-8: the numbers, the admin ID, and where to log in with it."""
    return {**company_mail(approved, contact),
            "login_url": f"{public_url}/c/{approved['cci_code']}/login"}


def company_mail(facts: dict, contact: dict) -> dict:
    """A mail to a company's contact, addressed by the company's name."""
    return {**facts, "name_ja": contact["company_name_ja"]}


def registration_renewed(renewed: dict, contact: dict) -> dict:
    """REG-9: the new end of validity and the fee's receipt, addressed by the company's name
    (to the admin ID's address)."""
    return company_mail(renewed, contact)


def change_request_returned(returned: dict, contact: dict, public_url: str) -> dict:
    """A change request (変更申請) returned with the reason, to the registration's contact
    (the admin ID's person); a signature form is asked for only when it added signers,
    which agents never do."""
    return {**company_mail(returned, contact),
            "asks_signature_form": returned["signers_added"] > 0
            and returned["registration_type"] != "agent",
            "link": f"{public_url}/registration/changes/{returned['change_request_id']}"}


def registration_changed(changed: dict, contact: dict, public_url: str) -> dict:
    """A change request (変更申請) approved and applied: the new signers' user IDs (their
    initial passwords are on the signer registration certificates the admin ID outputs)."""
    return {**company_mail(changed, contact), "new_login_ids": [
        u["login_id"] for u in changed["users"]],
        "link": f"{public_url}/registration/changes/{changed['change_request_id']}"}


# --- issuance (ISS-2, ISS-7, ISS-9, ISS-13): to the applying user or sub ID ------------------

#: How a mail names each certificate type, Japanese and English (ISS-1, ISS-10).
CERTIFICATE_TYPES = {
    "co_japan": ("原産地証明書（日本産）", "Certificate of Origin (Japanese origin)"),
    "co_foreign": ("原産地証明書（外国産）", "Certificate of Origin (foreign origin)"),
    "signature": ("サイン証明", "Signature certification"),
}

#: The issuance events' facts that may be absent (services/issuance/interfaces.py).
OPTIONAL_FACTS = ("consignee_name", "destination_country", "replaces_certificate_no")


def application_mail(facts: dict, account: dict | None, contact: dict | None,
                     public_url: str) -> dict:
    """Any issuance event's mail: which application (its type in Japanese and English, the
    consignee and destination) and the link to its page; addressed to the applying ID by name
    (`account`, identity's account_contact), or to the company's contact (`contact`,
    registration's registration_contact) when that ID is gone (a deleted sub ID, ID-6.6)."""
    type_ja, type_en = CERTIFICATE_TYPES[facts["certificate_type"]]
    company = (account or {}).get("company") or {}
    # An optional fact may be left out of an event: absent is null (the schemas' load_default).
    return {**dict.fromkeys(OPTIONAL_FACTS), **facts,
            "certificate_type_ja": type_ja, "certificate_type_en": type_en,
            "name": account["name"] if account else None,
            "company_name_ja": company.get("name_ja") or (contact or {}).get("company_name_ja"),
            "link": f"{public_url}/applications/{facts['application_id']}"}


# --- payment (ISS-8, ISS-11, ISS-12): to the paying user or sub ID ------------------------------

#: ISS-12: a paid certificate may be printed for this many days after payment.
PRINT_DAYS = 14

#: Stripe's decline and error codes (PaymentFailed.code) in plain words, Japanese and English.
#: A code not listed is said as a card payment that could not be completed, with the code.
PAYMENT_FAILURES = {
    "card_declined": ("カードが承認されませんでした", "The card was declined"),
    "generic_decline": ("カードが承認されませんでした", "The card was declined"),
    "do_not_honor": ("カードが承認されませんでした", "The card was declined"),
    "insufficient_funds": ("カードのご利用可能額が不足しています",
                           "The card's available credit is not enough"),
    "expired_card": ("カードの有効期限が切れています", "The card has expired"),
    "incorrect_cvc": ("セキュリティコードが正しくありません", "The security code is not correct"),
    "invalid_cvc": ("セキュリティコードが正しくありません", "The security code is not correct"),
    "incorrect_number": ("カード番号が正しくありません", "The card number is not correct"),
    "invalid_expiry_month": ("有効期限が正しくありません", "The expiry date is not correct"),
    "invalid_expiry_year": ("有効期限が正しくありません", "The expiry date is not correct"),
    "card_not_supported": ("このカードはご利用いただけません", "This card cannot be used"),
    "lost_card": ("このカードはご利用いただけません", "This card cannot be used"),
    "stolen_card": ("このカードはご利用いただけません", "This card cannot be used"),
    "processing_error": ("カード会社での処理中にエラーが発生しました",
                         "An error occurred while the card was processed"),
    "authentication_required": ("カードの本人認証（3Dセキュア）が完了しませんでした",
                                "The card's authentication (3-D Secure) was not completed"),
    "payment_intent_authentication_failure": (
        "カードの本人認証（3Dセキュア）が完了しませんでした",
        "The card's authentication (3-D Secure) was not completed"),
}


def failure_words(code: str) -> tuple[str, str]:
    return PAYMENT_FAILURES.get(code) or (f"カード決済を完了できませんでした（コード: {code}）",
                                          f"The card payment could not be completed (code: {code})")


def paid_at_ja(paid_at: str) -> str:
    """An event's ISO moment as Japan's date and time: 2026-12-01 10:05."""
    return f"{datetime.fromisoformat(paid_at).astimezone(JAPAN):%Y-%m-%d %H:%M}"


def payment_mail(facts: dict, account: dict | None, contact: dict | None,
                 public_url: str) -> dict:
    """Any payment event's mail (services/payment/interfaces.py): the amount, how many
    certificates, the payment's page; addressed as an issuance mail is (application_mail).
    Succeeded: the receipt's number and PDF, and the print window (ISS-12). Failed: the
    reason in plain words. Refunded: the amount refunded and the reason."""
    company = (account or {}).get("company") or {}
    payment = f"{public_url}/payments/{facts['payment_id']}"
    context = {**facts, "certificates": len(facts["application_ids"]),
               "name": account["name"] if account else None,
               "company_name_ja": company.get("name_ja") or (contact or {}).get("company_name_ja"),
               "link": payment, "print_days": PRINT_DAYS,
               "receipt_url": f"{public_url}/api/v1/payments/{facts['payment_id']}/receipt.pdf"}
    if "paid_at" in facts:
        context["paid_at_ja"] = paid_at_ja(facts["paid_at"])
    if "code" in facts:
        context["failure_ja"], context["failure_en"] = failure_words(facts["code"])
    return context
