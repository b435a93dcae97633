"""The account forms (ID-1 … ID-6): their fields, and the API bodies they become."""
import re
import unicodedata

from gateway.forms import stripped
from gateway.i18n import translate

# ID-6.2: the subject the signer starts from (editable).
SUB_ID_NOTICE_SUBJECT = "【貿易関係証明発給システム】サブID付与のお知らせ"
SUB_ID_FIELDS = ("name", "email", "phone")
NOTIFICATION_FIELDS = ("target_trade_registration_number", "target_phone", "target_email",
                       "subject")
PASSWORD_CHANGE_FIELDS = ("current_password", "new_password", "new_password_confirm")
CODE_PATTERN = re.compile(r"[0-9]{6}")


def mismatch(request, password: str, confirmation: str, field: str) -> dict:
    """ID-2: the confirmation is checked here, before anything is sent."""
    if password and confirmation and password != confirmation:
        return {field: [translate(request, "password_mismatch")]}
    return {}


def verification_code(form) -> str:
    """ID-5: full-width digits and spaces, as typed from a Japanese keyboard, are still the
    code."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", form.get("code", "")))


def sub_id_from_form(form) -> tuple[dict, dict]:
    """(the API's sub ID body without its password, the values to show again)."""
    values = stripped(form, *SUB_ID_FIELDS)
    return {**values, "phone": values["phone"] or None}, values


def sub_id_values(sub: dict) -> dict:
    return {name: sub.get(name) or "" for name in SUB_ID_FIELDS}


def notification_values(caller: dict, sub: dict, body: str) -> dict:
    """ID-6.2: the notification form as first shown, filled from the sub ID."""
    return {"target_trade_registration_number": caller["trade_registration_number"] or "",
            "target_phone": sub.get("phone") or "", "target_email": sub["email"],
            "subject": SUB_ID_NOTICE_SUBJECT, "body": body}


def notification_from_form(form) -> tuple[dict, dict]:
    """(API.md's notification body, the values to show again)."""
    values = stripped(form, *NOTIFICATION_FIELDS)
    values["body"] = form.get("body", "").replace("\r\n", "\n").strip()
    return {**values, "target_phone": values["target_phone"] or None}, values
