"""The trade registration documents (REG-7 forms, REG-8, ID-3) and the signature certification
cover sheet (ISS-10): each renders from its payload with the values in it, the right number of
pages, a QR code that scans, only embedded IPAex fonts, and refuses what the rules refuse.

The PDFs are read back with poppler (pdftotext, pdfinfo, pdffonts, pdftoppm) and zbar
(zbarimg), as a chamber's printer and scanner would see them."""
import copy
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from services.documents import domain, samples
from services.documents.kinds import KINDS
from services.documents.registration_documents import company_name_ja
from services.documents.rendering import Renderer
from services.documents.storage import DirectoryStore
from tradecert.errors import ValidationFailed

REGISTRATION_KINDS = ("pledge", "business-description", "signature-registration",
                      "registration-certificate", "signer-certificate")
ALL_KINDS = (*REGISTRATION_KINDS, "signature-certification")
APPLICATION_NUMBER = samples.APPLICATION_NUMBER
UPDATED_JA = "2026年11月25日 14:05"  # the samples' updated_at, 05:05 UTC, in Japan time


@pytest.fixture(scope="module")
def renderer():
    return Renderer(KINDS)


@pytest.fixture
def render(renderer, tmp_path):
    """Validate and render a payload; the PDF's path."""
    def render(kind: str, payload: dict) -> Path:
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(renderer.render(kind, renderer.validate(kind, payload)))
        return path
    return render


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def text_of(pdf: Path) -> str:
    """The PDF's text with every run of white space made one space."""
    return " ".join(run("pdftotext", str(pdf), "-").split())


def compact(text: str) -> str:
    """Without any white space: titles are letter-spaced, long values wrap."""
    return "".join(text.split())


def pages_of(pdf: Path) -> int:
    info = dict(line.split(":", 1) for line in run("pdfinfo", str(pdf)).splitlines()
                if ":" in line)
    return int(info["Pages"])


def qr_of(pdf: Path) -> str:
    """The QR code on page 1, rasterised at 200 dpi and read by zbar."""
    png = pdf.with_suffix("")  # pdftoppm adds .png
    run("pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png))
    # zbarimg exits 4 when it finds no code: the empty answer then fails the comparison.
    result = subprocess.run(["zbarimg", "--raw", "-q", f"{png}.png"], check=False,
                            capture_output=True, text=True)
    return result.stdout.strip()


def fonts_of(pdf: Path) -> list[tuple[str, str]]:
    """(name, embedded) of every font pdffonts lists."""
    rows = run("pdffonts", str(pdf)).splitlines()[2:]
    return [(row.split()[0], row.split()[-5]) for row in rows if row.strip()]


def form(registration_type="applicant_and_agent", signers=2, **company) -> dict:
    payload = samples.registration_form(registration_type, signers)
    payload["company"].update(company)
    return payload


def failed_fields(renderer, kind, payload) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        renderer.validate(kind, payload)
    return caught.value.fields


# --- the kinds ------------------------------------------------------------------------------

def test_every_kind_is_registered_with_its_signing():
    assert set(ALL_KINDS) <= set(KINDS)
    certified = {name for name in ALL_KINDS if KINDS[name].certified}
    assert certified == {"registration-certificate", "signature-certification"}


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_only_embedded_ipaex_fonts(kind, render):
    pdf = render(kind, KINDS[kind].sample())
    fonts = fonts_of(pdf)
    assert fonts
    # A missing glyph would pull in a fallback font (DejaVu, Noto, ...): none may appear.
    for name, embedded in fonts:
        assert "IPAex" in name, fonts
        assert embedded == "yes", fonts


# --- REG-7: pledge --------------------------------------------------------------------------

def test_pledge_of_applicant_and_agent_has_a_page_per_role(render):
    pdf = render("pledge", samples.pledge())
    text = text_of(pdf)
    assert pages_of(pdf) == 2
    assert "（申請者）" in text and "（代行業者）" in text
    assert "さいたま商工会議所 御中" in text
    assert "「商工会議所原産地証明書等貿易関係書類認証規程」" in text
    assert "「商工会議所貿易関係証明罰則規程」" in text
    assert "貸与、共有又は譲渡しません" in text  # REG-3: no lending of IDs
    assert "さくら貿易株式会社" in text  # REG-4.4: entity type after the name
    assert "SAKURA TRADING CO., LTD." in text
    assert "埼玉県さいたま市大宮区桜木町一丁目2番地3" in text
    assert "代表取締役 桜井 健一" in text
    assert "押印欄" in text
    assert text.count(APPLICATION_NUMBER) == 2 and text.count(UPDATED_JA) == 2  # every page
    assert qr_of(pdf) == APPLICATION_NUMBER


@pytest.mark.parametrize(("registration_type", "role", "other"), [
    ("applicant", "（申請者）", "（代行業者）"),
    ("agent", "（代行業者）", "（申請者）"),
])
def test_pledge_of_one_role_has_one_page(render, registration_type, role, other):
    pdf = render("pledge", form(registration_type))
    text = text_of(pdf)
    assert pages_of(pdf) == 1
    assert role in text and other not in text


def test_pledge_puts_the_entity_type_before_the_name_when_asked(render):
    pdf = render("pledge", form("applicant", legal_entity_position="before"))
    assert "株式会社さくら貿易" in text_of(pdf)


@pytest.mark.parametrize(("entity", "other", "position", "name"), [
    ("kabushiki_kaisha", None, "after", "さくら貿易株式会社"),
    ("tokutei_hieiri_katsudo_hojin", None, "before", "特定非営利活動法人さくら貿易"),
    ("other", "医療法人社団", "before", "医療法人社団さくら貿易"),
    (None, None, None, "さくら貿易"),  # an individual
])
def test_company_name_with_its_legal_entity_type(entity, other, position, name):
    # REG-4.4: the name is entered without the entity type, which goes before or after it.
    company = {"name_ja": "さくら貿易", "legal_entity_type": entity,
               "legal_entity_type_other": other, "legal_entity_position": position}
    assert company_name_ja(company) == name


def test_pledge_without_a_representative_leaves_the_line_blank(render):
    payload = samples.pledge()
    payload["representative"] = None
    text = text_of(render("pledge", payload))
    assert "代表者 役職・氏名" in text and "桜井" not in text


# --- REG-4, REG-7: business description --------------------------------------------------------

def test_business_description_prints_every_company_field_and_the_signers(render):
    pdf = render("business-description", samples.business_description())
    text = text_of(pdf)
    company = samples.company()
    for value in [
        "申請者かつ代行業者", "会員", "法人・団体", "株式会社", "表記：さくら貿易株式会社",
        company["name_ja"], company["name_en"], "代表取締役 桜井 健一",
        "〒330-0854", company["registered_address"]["address_ja"],
        "〒330-0846", company["current_address"]["address_ja"], company["current_address_en"],
        company["extra_addresses"][0]["address_ja"], company["extra_addresses"][0]["address_en"],
        "業務部 貿易課", "鈴木 一郎", "048-641-0000", "i.suzuki@sakura-trading.example.jp",
        "現住所と同じ", "無し", "卸売業", "一般機械、電気機器、精密機器",
        *(value for signer in samples.SIGNERS for value in signer.values()),
        APPLICATION_NUMBER, UPDATED_JA,
    ]:
        assert compact(value) in compact(text), value
    assert pages_of(pdf) == 1
    assert qr_of(pdf) == APPLICATION_NUMBER


def test_business_description_of_an_agent_individual(render):
    payload = form("agent", business_form="individual", legal_entity_type=None,
                   legal_entity_position=None, second_hand_dealer=True,
                   current_address={"same_as_registered": True, "postal_code": None,
                                    "address_ja": None},
                   contact={**samples.company()["contact"], "same_as_current_address": False,
                            "postal_code": "3300063", "address_ja": "さいたま市浦和区高砂3-1"})
    text = text_of(render("business-description", payload))
    assert "代行業者" in text and "個人" in text
    assert "株式会社" not in text
    assert "登記上の所在地と同じ" in text
    assert "〒330-0063 さいたま市浦和区高砂3-1" in text
    assert "有り" in text
    assert "署名者（" not in text  # REG-5: agents have no signers
    assert "証明書類上に記載する住所" not in text  # REG-4.6: applicants only


def test_business_description_keeps_the_english_address_exactly_as_typed(renderer):
    # REG-4.5: spaces, commas and periods as on the commercial invoice, nothing normalised.
    typed = "  7F Omiya Bldg.,2-118  Daimoncho ,Omiya-ku,  Saitama 330-0846 , JAPAN. "
    payload = renderer.validate("business-description", form(current_address_en=typed))
    html = renderer.html("business-description", payload)
    assert f'<span class="exact" lang="en">{typed}</span>' in html


def test_updated_at_is_printed_in_japan_time(renderer):
    payload = form()
    payload["updated_at"] = "2026-11-25T23:30:00-05:00"
    html = renderer.html("business-description",
                         renderer.validate("business-description", payload))
    assert "2026年11月26日 13:30" in html


# --- REG-5, REG-7: signature registration -----------------------------------------------------

def test_signature_registration_has_a_box_per_signer(render):
    pdf = render("signature-registration", samples.signature_registration())
    text = text_of(pdf)
    for signer in samples.SIGNERS:
        for value in signer.values():
            assert value in text, value
    assert "枠に触れないよう、黒色で中央にご署名ください" in text
    assert "さくら貿易株式会社" in text and APPLICATION_NUMBER in text and UPDATED_JA in text
    assert pages_of(pdf) == 1
    assert qr_of(pdf) == APPLICATION_NUMBER


def test_six_signers_take_two_pages(render):
    pdf = render("signature-registration", form("applicant", signers=6))
    text = text_of(pdf)
    assert pages_of(pdf) == 2
    assert "SIGNER NUMBER 6" in text
    assert text.count(APPLICATION_NUMBER) == 2


def frames_on(pdf: Path, page: int, dpi: int = 300) -> list[tuple[float, ...]]:
    """Black rectangles on a page as (left, top, width, height, line width) in mm: pairs of
    long black horizontal lines of equal extent, joined by a black vertical side."""
    png = pdf.with_name(f"{pdf.stem}-frames")
    run("pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", str(page), "-l", str(page),
        "-singlefile", str(pdf), str(png))
    dark = np.asarray(Image.open(f"{png}.png").convert("L")) < 100
    mm = dpi / 25.4
    lines = []  # [first row, thickness, left, right] of each horizontal line over 50 mm
    for y in np.flatnonzero(dark.sum(axis=1) > 50 * mm):
        xs = np.flatnonzero(dark[y])
        left, right = int(xs[0]), int(xs[-1])
        if lines and sum(lines[-1][:2]) == y and abs(lines[-1][2] - left) <= 2:
            lines[-1][1] += 1
        else:
            lines.append([int(y), 1, left, right])
    frames = []
    for top, bottom in zip(lines, lines[1:], strict=False):
        if abs(top[2] - bottom[2]) > 2 or abs(top[3] - bottom[3]) > 2:
            continue
        if dark[top[0]:bottom[0] + bottom[1], top[2] + top[1] // 2].all():
            frames.append((top[2] / mm, top[0] / mm, (top[3] - top[2] + 1) / mm,
                           (bottom[0] + bottom[1] - top[0]) / mm, top[1] / mm))
    return frames


def test_signature_frames_are_crisp_centred_90_by_30_mm_rectangles(render):
    # REG-7: staff scan the box and software finds the frame, refusing ink that touches it.
    pdf = render("signature-registration", form("applicant", signers=4))
    frames = [frame for frame in frames_on(pdf, 1) if frame[2] < 120]  # not the notice box
    assert len(frames) == 4
    for left, _top, width, height, line in frames:
        assert width == pytest.approx(90, abs=0.5)
        assert height == pytest.approx(30, abs=0.5)
        assert 0.3 <= line <= 0.6  # 1-1.5 pt
        assert left + width / 2 == pytest.approx(210 / 2, abs=1)  # centred on the page


def varied_signers(count: int) -> list[dict]:
    """`count` signers, each findable by "署名者<n>番", some with names,
    titles and e-mails long enough to wrap over several lines (REG-5: 200 characters)."""
    return [{"name_ja": f"署名者{n}番" + ("長" * 60 if n % 7 == 0 else ""),
             "name_en": f"SIGNER {n}" + (" WITH A VERY LONG NAME" * 6 if n % 13 == 0 else ""),
             "title_en": "EXPORT STAFF" + (", GENERAL AFFAIRS" * 5 if n % 17 == 0 else ""),
             "email": f"signer{n}" + (".x" + "x" * 48 if n % 11 == 0 else "")
             + "@sakura-trading.example.jp"}
            for n in range(1, count + 1)]


def page_texts(pdf: Path) -> list[str]:
    """Each page's text without white space, in the order drawn (pdftotext -raw), so a value
    wrapped over lines reads whole; a form feed ends each page."""
    text = run("pdftotext", "-raw", str(pdf), "-")
    return [compact(page) for page in text.split("\f")[:-1]]


def words_outside(pdf: Path, right_mm: float, bottom_mm: float) -> list[str]:
    """Words that stand right of `right_mm` or below `bottom_mm` on any page: what did not
    fit the page's box (the page number in the bottom margin is allowed)."""
    mm = 72 / 25.4
    words = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                       r"([^<]*)</word>", run("pdftotext", "-bbox", str(pdf), "-"))
    return [word for y_min, x_max, _y_max, word in words
            if float(x_max) > right_mm * mm + 1
            or (float(y_min) > bottom_mm * mm and not re.fullmatch(r"\d+|/", word))]


@pytest.mark.parametrize("count", [201, 500])
def test_any_number_of_signers_every_one_on_a_page_with_the_heading(renderer, tmp_path, count):
    # REG-7 (ID-7: a user ID per signer, no limit): the form paginates for any number of
    # signers; each page has the heading, the application number, QR code and updated
    # date-time of the first, and "x / y"; every signer is printed once, in order, and no box
    # is pushed onto a page without its heading. Before: refused above 200 signers, and from
    # the 100th signer a fourth box spilled onto a page of its own.
    payload = form("applicant", signers=0)
    payload["signers"] = varied_signers(count)
    data = renderer.validate("signature-registration", payload)
    sections = KINDS["signature-registration"].prepare(renderer, data)["pages"]
    pdf = tmp_path / "signatures.pdf"
    pdf.write_bytes(renderer.render("signature-registration", data))

    pages = page_texts(pdf)
    assert len(pages) == pages_of(pdf) == len(sections)
    assert [s["number"] for section in sections for s in section] == list(range(1, count + 1))
    for number, (text, section) in enumerate(zip(pages, sections, strict=True), start=1):
        assert "署名届" in text and "さいたま商工会議所御中" in text, number
        assert "枠に触れないよう" in text and compact(UPDATED_JA) in text, number
        assert APPLICATION_NUMBER in text and f"{number}/{len(pages)}" in text, number
        expected = [s["number"] for s in section]
        assert [int(n) for n in re.findall(r"署名者(\d+)番", text)] == expected, number
        for signer in section:
            for value in ("name_ja", "name_en", "title_en", "email"):
                assert compact(signer[value]) in text, (number, signer[value])
    assert words_outside(pdf, right_mm=210 - 15, bottom_mm=297 - 14) == []
    # The boxes on the first and the last page: whole frames, one per signer.
    for number in (1, len(pages)):
        frames = [f for f in frames_on(pdf, number, dpi=150) if f[2] < 120]
        assert len(frames) == len(sections[number - 1]), number
        assert all(f[2] == pytest.approx(90, abs=1) and f[3] == pytest.approx(30, abs=1)
                   for f in frames)
    qr_png = tmp_path / "last"
    run("pdftoppm", "-r", "200", "-png", "-f", str(len(pages)), "-l", str(len(pages)),
        "-singlefile", str(pdf), str(qr_png))
    assert run("zbarimg", "--raw", "-q", f"{qr_png}.png").strip() == APPLICATION_NUMBER


def test_signer_boxes_with_the_longest_values_stay_inside_the_page(renderer, tmp_path):
    # REG-5: 200 characters per name and title; a box grows with its text and the page
    # holds fewer of them, each page still under its heading.
    payload = form("applicant", signers=0,
                   name_ja="長" * 200, name_en="SAKURA TRADING " * 13)
    payload["chamber"] = {**payload["chamber"], "name_ja": "商" * 60}
    payload["signers"] = [{"name_ja": f"署名者{n}番" + "長" * 190, "name_en": "W" * 200,
                           "title_en": "M" * 200, "email": "a" * 60 + f"{n}@example.jp"}
                          for n in range(1, 7)]
    data = renderer.validate("signature-registration", payload)
    sections = KINDS["signature-registration"].prepare(renderer, data)["pages"]
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(renderer.render("signature-registration", data))
    pages = page_texts(pdf)
    assert len(pages) == len(sections) >= 3
    for text, section in zip(pages, sections, strict=True):
        assert "署名届" in text and APPLICATION_NUMBER in text
        assert [int(n) for n in re.findall(r"署名者(\d+)番", text)] == [
            s["number"] for s in section]
    assert words_outside(pdf, right_mm=210 - 15, bottom_mm=297 - 14) == []


def test_business_description_lists_500_signers_on_numbered_pages(renderer, tmp_path):
    # REG-4, REG-7: the signers' table goes on over as many pages as it needs, each with the
    # application number, QR code, updated date-time and "x / y".
    payload = form("applicant", signers=0)
    payload["signers"] = varied_signers(500)
    pdf = tmp_path / "business.pdf"
    pdf.write_bytes(renderer.render("business-description",
                                    renderer.validate("business-description", payload)))
    pages = page_texts(pdf)
    assert len(pages) == pages_of(pdf) > 1
    for number, text in enumerate(pages, start=1):
        assert APPLICATION_NUMBER in text and compact(UPDATED_JA) in text, number
        assert f"{number}/{len(pages)}" in text, number
    text = "".join(pages)
    assert [int(n) for n in re.findall(r"署名者(\d+)番", text)] == list(range(1, 501))
    assert "署名者（500名）" in text
    assert words_outside(pdf, right_mm=210 - 15, bottom_mm=297 - 14) == []


def test_a_form_is_rendered_once_per_content(renderer, domain_session, tmp_path, monkeypatch):
    # REG-7: the print page asks for the forms on every visit; the same content answers the
    # stored file without WeasyPrint, and an edit (a new updated date-time, printed on the
    # form) or a changed template renders anew.
    renders = []
    render_document = renderer.render_document
    monkeypatch.setattr(renderer, "render_document",
                        lambda kind, data: renders.append(kind) or render_document(kind, data))
    store = DirectoryStore(tmp_path)

    def produce(payload):
        return domain.produce(domain_session("documents"), kind="signature-registration",
                              payload=payload, renderer=renderer, store=store,
                              sign=lambda chamber, pdf: pdf)

    first = produce(form("applicant", signers=6))
    again = produce(form("applicant", signers=6))
    assert again.file_id == first.file_id and again.id == first.id
    assert renders == ["signature-registration"]

    edited = form("applicant", signers=6)
    edited["updated_at"] = "2026-11-25T05:06:00+00:00"
    assert produce(edited).file_id != first.file_id
    assert len(renders) == 2

    monkeypatch.setattr(renderer, "fingerprint", lambda kind: "a changed template")
    produce(form("applicant", signers=6))
    assert len(renders) == 3


def test_the_content_key_covers_the_payload_and_the_renderer(renderer):
    data = renderer.validate("pledge", form())
    key = domain.content_key("pledge", data, renderer.fingerprint("pledge"))
    assert key == domain.content_key("pledge", renderer.validate("pledge", form()),
                                     renderer.fingerprint("pledge"))
    assert key != domain.content_key("business-description", data,
                                     renderer.fingerprint("pledge"))
    assert key != domain.content_key("pledge", data, "another renderer")
    assert renderer.fingerprint("pledge") != Renderer(KINDS, "https://other.example").fingerprint(
        "pledge")  # the public URL is printed on certificates


# --- REG-8: trade registration certificate ----------------------------------------------------

def test_registration_certificate_shows_the_admin_id_and_initial_password(render):
    payload = samples.registration_certificate()
    pdf = render("registration-certificate", payload)
    text = text_of(pdf)
    assert "貿易登録証" in compact(text)
    for value in ["さいたま商工会議所", "The Saitama Chamber of Commerce and Industry",
                  "1504-000318", "さくら貿易株式会社", "SAKURA TRADING CO., LTD.",
                  "2026年12月1日 〜 2028年11月30日", "1504A000318", "Kx7mR4tq9W", "1504",
                  "初回ログイン後、必ずパスワードを変更してください"]:
        assert value in text, value
    assert pages_of(pdf) == 1


# --- ID-3: signer registration certificate -------------------------------------------------------

def test_signer_certificate_on_the_first_day_shows_the_password(render):
    pdf = render("signer-certificate", samples.signer_certificate())
    text = text_of(pdf)
    assert "署名登録証" in compact(text)
    for value in ["1504-000318", "さくら貿易株式会社", "山田 太郎", "TARO YAMADA",
                  "1504U00031801", "Vn3sP8dk2L", "2026年12月2日"]:
        assert value in text, value
    assert pages_of(pdf) == 1
    images = run("pdfimages", "-list", str(pdf)).splitlines()[2:]
    assert len(images) >= 1  # the registered signature


def test_signer_certificate_later_masks_the_password(render):
    text = text_of(render("signer-certificate", samples.signer_certificate(password=None)))
    assert "************" in text
    assert "Vn3sP8dk2L" not in text


# --- ISS-10: signature certification -------------------------------------------------------------

def test_signature_certification_cover_sheet(render, renderer):
    payload = samples.signature_certification()
    pdf = render("signature-certification", payload)
    text = text_of(pdf)
    for value in ["SIGNATURE CERTIFICATION", "サイン証明",
                  "Signature verified by The Saitama Chamber of Commerce and Industry",
                  "1504-2026-S00077", "M3TZ-81QF", "Free Sale Certificate", "自由販売証明書",
                  "SAKURA TRADING CO., LTD.", "さくら貿易株式会社", "TARO YAMADA", "山田 太郎",
                  "November 26, 2026"]:
        assert value in text, value
    assert pages_of(pdf) == 1
    data = renderer.validate("signature-certification", payload)
    assert qr_of(pdf) == renderer.verification_url(
        "1504-2026-S00077", "M3TZ-81QF", data["certification"]["date"])


def test_signature_certification_of_another_document_names_it(render):
    payload = {**samples.signature_certification(), "document_type": "other",
               "document_type_other": "Certificate of Analysis"}
    assert "Other: Certificate of Analysis" in text_of(render("signature-certification", payload))


# --- validation ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "path"), [
    ("pledge", "application_number"),
    ("pledge", "company.name_ja"),
    ("business-description", "updated_at"),
    ("business-description", "company.current_address_en"),
    ("business-description", "company.contact.email"),
    ("signature-registration", "chamber.name_ja"),
    ("registration-certificate", "admin_login_id"),
    ("registration-certificate", "initial_password"),
    ("signer-certificate", "password"),
    ("signer-certificate", "signature_png"),
    ("signature-certification", "certificate_no"),
    ("signature-certification", "signer.name_en"),
])
def test_a_missing_required_field_is_named(renderer, kind, path):
    payload = copy.deepcopy(KINDS[kind].sample())
    *parents, last = path.split(".")
    node = payload
    for key in parents:
        node = node[key]
    del node[last]
    assert path in failed_fields(renderer, kind, payload)


def test_an_individual_has_no_legal_entity_type(renderer):
    # REG-4.4
    payload = form(business_form="individual", legal_entity_position=None)
    fields = failed_fields(renderer, "business-description", payload)
    assert fields == {"company.legal_entity_type": ["not_for_individuals"]}


def test_a_corporation_needs_its_legal_entity_type(renderer):
    fields = failed_fields(renderer, "pledge", form(legal_entity_type=None))
    assert fields == {"company.legal_entity_type": ["required_for_corporations"]}


def test_an_agent_has_no_extra_addresses(renderer):
    # REG-4.6
    payload = form("agent", extra_addresses=samples.company()["extra_addresses"])
    fields = failed_fields(renderer, "business-description", payload)
    assert fields == {"company.extra_addresses": ["applicants_only"]}


def test_at_most_two_extra_addresses(renderer):
    extra = samples.company()["extra_addresses"][0]
    payload = form("applicant", extra_addresses=[extra, extra, extra])
    fields = failed_fields(renderer, "business-description", payload)
    assert fields == {"company.extra_addresses": ["at_most_two"]}


def test_an_agent_has_no_signature_registration(renderer):
    # REG-5: agents skip the signers, so there is no signature form to print.
    assert "company.registration_type" in failed_fields(
        renderer, "signature-registration", form("agent"))
    payload = form("agent")
    payload["signers"] = samples.SIGNERS
    assert failed_fields(renderer, "business-description", payload) == {
        "signers": ["applicants_only"]}


def test_updated_at_must_carry_its_time_zone(renderer):
    payload = form()
    payload["updated_at"] = "2026-11-25T14:05:00"
    assert "updated_at" in failed_fields(renderer, "pledge", payload)


def test_a_signature_must_be_a_png(renderer):
    payload = {**samples.signer_certificate(), "signature_png": "bm90IGEgcG5n"}
    assert failed_fields(renderer, "signer-certificate", payload) == {
        "signature_png": ["not_a_base64_png"]}
