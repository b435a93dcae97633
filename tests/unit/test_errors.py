"""Errors cross RPC as themselves and become API.md's error body in the caller's language."""
import json
import subprocess
import sys

import nameko.exceptions
from nameko.exceptions import RemoteError, deserialize, serialize

from gateway import i18n
from services.documents.exceptions import SignatureRejected, SigningUnavailable
from services.identity.exceptions import ChamberNotFound, PasswordPolicyViolated
from tradecert.errors import (
    Conflict,
    NotFound,
    TradecertError,
    ValidationFailed,
    validation_failed,
)


def test_a_service_error_survives_nameko_serialisation():
    error = PasswordPolicyViolated(message="bad", fields={"password": ["password_policy"]})

    back = deserialize(serialize(error))

    assert type(back) is PasswordPolicyViolated
    assert (back.status, back.code, back.fields) == (422, "password_policy",
                                                     {"password": ["password_policy"]})
    assert isinstance(back, ValidationFailed)


def over_rpc(error):
    """What a caller gets: Nameko's own serialisation, through JSON as on the wire."""
    return deserialize(json.loads(json.dumps(serialize(error))))


def test_an_error_whose_class_the_caller_does_not_import_keeps_name_kind_and_code(
        monkeypatch):
    refused = SignatureRejected(code="signature_touches_frame", message="ink on the frame",
                                fields={"scan": ["signature_touches_frame"]})
    wire = serialize(refused)
    # As in a caller that never imported services.documents.exceptions:
    monkeypatch.delitem(nameko.exceptions.registry, wire["exc_path"])

    back = over_rpc(refused)

    assert type(back) is not SignatureRejected and type(back).__name__ == "SignatureRejected"
    assert isinstance(back, ValidationFailed)
    assert (back.status, back.code, back.fields) == (
        422, "signature_touches_frame", {"scan": ["signature_touches_frame"]})
    assert type(over_rpc(refused)) is type(back)  # one class per origin: `except type(e)`
    # A status of its own (not its kind's) and the default code come along too.
    unavailable = SigningUnavailable()
    monkeypatch.delitem(nameko.exceptions.registry, serialize(unavailable)["exc_path"])
    assert (over_rpc(unavailable).status, over_rpc(unavailable).code) == (
        503, "signing_unavailable")


def test_a_rebuilt_error_passed_on_becomes_the_real_class_where_that_is_imported(monkeypatch):
    refused = SignatureRejected(code="signature_empty")
    with monkeypatch.context() as middle:  # the service in between does not know the class
        middle.delitem(nameko.exceptions.registry, serialize(refused)["exc_path"])
        rebuilt = over_rpc(refused)

    back = over_rpc(rebuilt)  # raised on, to a caller that imports documents' exceptions

    assert type(back) is SignatureRejected and back.code == "signature_empty"


def test_a_process_rebuilds_every_service_error_knowing_only_the_shared_package():
    wire = json.dumps(serialize(SignatureRejected(code="signature_empty")))
    script = (
        "import json, sys\n"
        "from nameko.exceptions import deserialize\n"
        "import tradecert.errors as errors\n"
        f"back = deserialize(json.loads({wire!r}))\n"
        "assert not any(m.startswith('services') for m in sys.modules), 'imported services'\n"
        "print(type(back).__name__, isinstance(back, errors.ValidationFailed), back.code, "
        "back.status)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["SignatureRejected", "True", "signature_empty", "422"]


def test_the_kinds_come_back_as_themselves_and_other_exceptions_as_remote_errors():
    conflict = over_rpc(Conflict(code="registration_exists", message="taken"))
    assert type(conflict) is Conflict and conflict.code == "registration_exists"

    crash = over_rpc(KeyError("signer"))
    assert isinstance(crash, RemoteError) and crash.exc_type == "KeyError"


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
        "fields": {"email": ["メールアドレスは name@example.co.jp のように入力してください。"]}}}
    assert i18n.error_payload(error, "en")["error"] == {
        "code": "validation_failed", "message": "Some fields are not valid.",
        "fields": {"email": ["Enter an e-mail address such as name@example.co.jp."]}}


def test_an_unknown_code_keeps_its_own_message():
    error = NotFound(code="something_new", message="something new is missing")
    assert i18n.error_payload(error, "ja")["error"]["message"] == "something new is missing"
    assert ChamberNotFound().status == 404 and TradecertError().status == 500
