"""Issue 9: pages and messages shown to people use the manual's words and show no
requirement numbers ("REG-2", "ID-6", "ISS-4"); code comments may keep them."""
import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENT = re.compile(r"\b(REG|ID|ISS)-\d")


def test_no_template_shows_a_requirement_number():
    for template in [*ROOT.glob("gateway/templates/**/*.html"),
                     *ROOT.glob("gateway/templates/**/*.txt"),
                     *ROOT.glob("services/notify/templates/*.txt")]:
        text = re.sub(r"\{#.*?#\}", "", template.read_text(), flags=re.S)
        assert not REQUIREMENT.search(text), template.relative_to(ROOT)


def test_no_message_shows_a_requirement_number():
    for catalog in ROOT.glob("gateway/translations/*/LC_MESSAGES/*.po"):
        with open(catalog, "rb") as fh:
            for message in read_po(fh):
                if message.id:
                    assert not REQUIREMENT.search(message.id), (catalog.name, message.id)
                    assert not REQUIREMENT.search(message.string or ""), (catalog.name,
                                                                          message.id)


def test_the_registration_fee_is_the_manuals_word():
    """貿易登録手数料, as the chamber's manual calls it, in every Japanese text."""
    for path in [*ROOT.glob("gateway/translations/ja/LC_MESSAGES/*.po"),
                 *ROOT.glob("services/notify/templates/*.txt")]:
        assert "貿易登録料" not in path.read_text(), path.name


def test_a_message_has_one_translation_across_the_catalogs():
    """i18n merges every catalog of a language: a msgid translated twice, differently,
    would show whichever came last (two parts of issue 9 did that once)."""
    for lang in ("ja", "en"):
        seen = {}
        for catalog in sorted(ROOT.glob(f"gateway/translations/{lang}/LC_MESSAGES/*.po")):
            with open(catalog, "rb") as fh:
                for message in read_po(fh):
                    if message.id:
                        first = seen.setdefault(message.id, (catalog.name, message.string))
                        assert first[1] == message.string, (lang, message.id, first[0],
                                                            catalog.name)
