"""Issue 9 ("what a new user trips over"): every message a refused field gives is ours, in
Japanese and in English, never marshmallow's default text ("Missing data for required
field.", "String does not match expected pattern.", ...), and a format people type says it
with an example (postal code 330-0854, phone 048-641-0011, e-mail name@example.co.jp).

The test walks every schema of every service's schemas.py with bad input of every kind and
translates what comes back exactly as the API's error body and the pages do
(i18n.error_payload)."""
import importlib
import inspect
import pkgutil
import re

import pytest
from marshmallow import Schema, fields, validate

import services
from gateway import i18n
from tradecert.errors import ValidationFailed
from tradecert.schemas import load


def library_defaults() -> list[re.Pattern]:
    """Every default message of marshmallow's fields, schemas and validators, as a pattern
    (its {placeholders} match anything)."""
    texts = set(Schema._default_error_messages.values())
    for _, cls in inspect.getmembers(fields, inspect.isclass):
        texts.update(v for v in getattr(cls, "default_error_messages", {}).values())
    for _, cls in inspect.getmembers(validate, inspect.isclass):
        texts.update(value for name, value in vars(cls).items()
                     if isinstance(value, str) and name.startswith(("message", "default_message")))
    texts.update(("greater than", "less than"))  # Range's parts
    patterns = []
    for text in texts:
        parts = re.split(r"\{+[^}]*\}+", text)
        patterns.append(re.compile(".*".join(re.escape(p) for p in parts), re.S))
    return patterns


LIBRARY_DEFAULTS = library_defaults()


def service_schemas() -> list[type[Schema]]:
    found = []
    for module_info in pkgutil.iter_modules(services.__path__):
        try:
            module = importlib.import_module(f"services.{module_info.name}.schemas")
        except ModuleNotFoundError:
            continue
        found += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                  if issubclass(cls, Schema) and cls.__module__ == module.__name__]
    return found


SCHEMAS = service_schemas()
BAD_VALUES = (None, 12345, -5, 3.5, True, "", "x", "!!!", "2026-99-99", "x" * 6000, [], {},
              [{}], ["x"], [12345], {"unknown_field": 1}, "全角ｘ")


def bad_payloads(schema: Schema):
    yield "not an object"
    yield {}
    yield {"unknown_field": "x"}
    for name in schema.fields:
        for value in BAD_VALUES:
            yield {name: value}


def refusals(schema_class) -> list[ValidationFailed]:
    schema = schema_class()
    answers = []
    for payload in bad_payloads(schema):
        try:
            load(schema, payload)
        except ValidationFailed as exc:
            answers.append(exc)
    return answers


def test_the_walk_covers_every_service():
    modules = {cls.__module__ for cls in SCHEMAS}
    assert {"services.registration.schemas", "services.identity.schemas",
            "services.documents.schemas", "services.notify.schemas"} <= modules


@pytest.mark.parametrize("schema_class", SCHEMAS,
                         ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_no_library_default_reaches_a_person(schema_class):
    """Issue 9: ja and en answers hold our texts only, for every way a field can be wrong."""
    seen = set()
    for exc in refusals(schema_class):
        for lang in i18n.LANGUAGES:
            payload = i18n.error_payload(exc, lang)["error"]
            for path, texts in payload["fields"].items():
                for text in texts:
                    seen.add((lang, path, text))
                    assert not any(p.fullmatch(text) for p in LIBRARY_DEFAULTS), (lang, path, text)
        for raw in {text for texts in exc.fields.values() for text in texts}:
            for lang in i18n.LANGUAGES:
                assert i18n.message(lang, raw) != raw, (lang, raw)  # translated: ours
    assert seen or not schema_class().fields


@pytest.mark.parametrize("lang, required, pattern", [
    ("ja", "必須項目です。", "形式が正しくありません。"),
    ("en", "This field is required.", "The format is not valid."),
])
def test_the_common_messages_are_ours(lang, required, pattern):
    assert i18n.message(lang, "Missing data for required field.") == required
    assert i18n.message(lang, "String does not match expected pattern.") == pattern
    assert i18n.message(lang, "Length must be between 1 and 200.") in (
        "1〜200文字で入力してください。", "Enter 1 to 200 characters.")
    assert i18n.message(lang, "Must be greater than or equal to 0.") in (
        "0以上の数値で入力してください。", "Enter a number of 0 or more.")


def messages_for(schema: Schema, payload: dict, lang: str) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        load(schema, payload)
    return i18n.error_payload(refused.value, lang)["error"]["fields"]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_formats_people_type_give_an_example(lang):
    """Postal code, phone and e-mail say how to write them, in both languages."""
    from services.registration.schemas import ContactSchema, RegisteredAddressSchema

    address = messages_for(RegisteredAddressSchema(), {"postal_code": "3300854x",
                                                       "address_ja": "さいたま市"}, lang)
    assert "330-0854" in address["postal_code"][0]
    contact = messages_for(ContactSchema(), {"same_as_current_address": True, "name_ja": "山田",
                                             "phone": "048-641-0011 ext", "email": "yamada@"},
                           lang)
    assert "048-641-0011" in contact["phone"][0]
    assert "name@example.co.jp" in contact["email"][0]
    japanese = bool(re.search(r"[ぁ-んァ-ン]", contact["email"][0]))
    assert japanese == (lang == "ja")
