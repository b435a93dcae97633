"""Japanese first, English second: choosing the language of a request and translating.

Catalogs are the gettext .po files under translations/ (edit them, or refresh them with
`pybabel extract -F babel.cfg -o messages.pot .` and `pybabel update`). They are compiled in
memory at first use, so no generated .mo file is kept in git.
"""
import collections
import functools
import re
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from werkzeug.datastructures import LanguageAccept

LANGUAGES = ("ja", "en")
DEFAULT = "ja"
LANG_COOKIE = "lang"
CATALOG_DIR = Path(__file__).parent / "translations"
# marshmallow formats some messages with their numbers; the catalogs (validation.po) hold our
# text for each, whose translation may use the same {names}. Every library default a schema
# can give is ours in both languages (issue 9; tests/unit/test_validation_messages.py).
NUMBER = r"-?\d+(?:\.\d+)?"
FORMATTED_MESSAGES = (
    (re.compile(r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"),
     "Length must be between {min} and {max}."),
    (re.compile(r"^Length must be (?P<equal>\d+)\.$"), "Length must be {equal}."),
    (re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"),
     "Longer than maximum length {max}."),
    (re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"),
     "Shorter than minimum length {min}."),
    (re.compile(r"^Must be one of: (?P<choices>.*)\.$", re.S), "Must be one of: {choices}."),
    (re.compile(rf"^Must be greater than (?:or equal to )?(?P<min>{NUMBER}) and less than "
                rf"(?:or equal to )?(?P<max>{NUMBER})\.$"), "Must be between {min} and {max}."),
    (re.compile(rf"^Must be greater than or equal to (?P<min>{NUMBER})\.$"),
     "Must be at least {min}."),
    (re.compile(rf"^Must be less than or equal to (?P<max>{NUMBER})\.$"),
     "Must be at most {max}."),
    (re.compile(rf"^Must be greater than (?P<min>{NUMBER})\.$"), "Must be more than {min}."),
    (re.compile(rf"^Must be less than (?P<max>{NUMBER})\.$"), "Must be less than {max}."),
    (re.compile(r"^Must be equal to (?P<other>.*)\.$", re.S), "Must be equal to {other}."),
    (re.compile(r"^One or more of the choices you made was not in: (?P<choices>.*)\.$", re.S),
     "Choose only from: {choices}."),
)


def negotiate(request) -> str:
    """`?lang=` wins, then the language switch's cookie, then Accept-Language, then Japanese."""
    for candidate in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    accept: LanguageAccept = request.accept_languages
    return accept.best_match(LANGUAGES, default=DEFAULT) or DEFAULT


@functools.cache
def _catalog(lang: str):
    """messages.po, with every other .po of the language merged in (one file per part of
    the site, so that parts can be translated side by side)."""
    directory = CATALOG_DIR / lang / "LC_MESSAGES"
    with open(directory / "messages.po", "rb") as fh:
        catalog = read_po(fh, locale=lang)
    for extra in sorted(directory.glob("*.po")):
        if extra.name != "messages.po":
            with open(extra, "rb") as fh:
                for message in read_po(fh, locale=lang):
                    if message.id:
                        catalog[message.id] = message
    return catalog


@functools.cache
def translations(lang: str) -> Translations:
    buffer = BytesIO()
    write_mo(buffer, _catalog(lang))
    buffer.seek(0)
    return Translations(buffer)


def has_message(lang: str, msgid: str) -> bool:
    message = _catalog(lang).get(msgid)
    return message is not None and bool(message.string)


def translate(request, msgid: str, **params) -> str:
    """`msgid` in the request's language, `%(name)s` filled from `params`."""
    return gettext(negotiate(request), msgid, **params)


def gettext(lang: str, msgid: str, **params) -> str:
    text = translations(lang).gettext(msgid)
    return text % params if params else text


def message(lang: str, text: str) -> str:
    """A service's message (a code, or marshmallow's English, maybe with its numbers) in
    `lang`; a text the catalogs do not know stays as it is."""
    if has_message(lang, text):
        return gettext(lang, text)
    for pattern, msgid in FORMATTED_MESSAGES:
        found = pattern.match(text)
        if found and has_message(lang, msgid):
            return gettext(lang, msgid).format(**found.groupdict())
    return text


def error_payload(error, lang: str) -> dict:
    """API.md's error body, `message` and `fields` in the request's language: the one
    translation of errors, for the API and for the pages' forms alike."""
    return {"error": {
        "code": error.code,
        "message": error_message(error, lang),
        "fields": {path: [message(lang, str(text)) for text in texts]
                   for path, texts in (error.fields or {}).items()},
    }}


def error_message(error, lang: str) -> str:
    """`error.<code>` in `lang`, else the error's own message. A text that names its
    parameters (`%(service)s`) gets them from the error's `params`, each translated as
    `<name>.<value>` where the catalogs have it (`service.registration` → 貿易登録)."""
    key = f"error.{error.code}"
    if not has_message(lang, key):
        return error.message
    text = gettext(lang, key)
    if "%(" not in text:
        return text
    named = collections.defaultdict(str, {
        name: gettext(lang, f"{name}.{value}") if has_message(lang, f"{name}.{value}")
        else str(value) for name, value in (error.params or {}).items()})
    return text % named
