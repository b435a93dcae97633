"""Errors cross RPC as themselves and become API.md's error body in the caller's language."""
from nameko.exceptions import deserialize, serialize

from gateway import i18n
from services.identity.exceptions import ChamberNotFound, PasswordPolicyViolated
from tradecert.errors import NotFound, TradecertError, ValidationFailed, validation_failed


def test_a_service_error_survives_nameko_serialisation():
    error = PasswordPolicyViolated(message="bad", fields={"password": ["password_policy"]})

    back = deserialize(serialize(error))

    assert type(back) is PasswordPolicyViolated
    assert (back.status, back.code, back.fields) == (422, "password_policy",
                                                     {"password": ["password_policy"]})
    assert isinstance(back, ValidationFailed)


def test_marshmallow_messages_become_dotted_field_paths():
    error = validation_failed({"contact": {"email": ["Not a valid email address."]},
                               "signers": {1: {"name_ja": ["Missing data for required field."]}},
                               "name_ja": ["Missing data for required field."]})

    assert error.fields == {"contact.email": ["Not a valid email address."],
                            "signers.1.name_ja": ["Missing data for required field."],
                            "name_ja": ["Missing data for required field."]}


def test_error_body_in_japanese_and_english():
    error = validation_failed({"email": ["Not a valid email address."]})

    assert i18n.error_payload(error, "ja") == {"error": {
        "code": "validation_failed", "message": "入力内容に誤りがあります。",
        "fields": {"email": ["メールアドレスの形式が正しくありません。"]}}}
    assert i18n.error_payload(error, "en")["error"] == {
        "code": "validation_failed", "message": "Some fields are not valid.",
        "fields": {"email": ["Not a valid email address."]}}


def test_an_unknown_code_keeps_its_own_message():
    error = NotFound(code="something_new", message="something new is missing")
    assert i18n.error_payload(error, "ja")["error"]["message"] == "something new is missing"
    assert ChamberNotFound().status == 404 and TradecertError().status == 500
