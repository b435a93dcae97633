"""The applicant's issuance pages (ISS-1 … ISS-7, ISS-10) through the gateway with the real
services, as a browser without scripts uses them: the CO form keeps what was typed on a 422
and shows each message beside its field, in Japanese and in English; "add a goods line"
keeps the other lines; attachments (a PDF taken, anything else refused by its content),
preview, submission, withdrawal after a confirmation, a copy; a sub ID's list is its own."""
import re

import pytest

from tests.api.issuance_flow import PASSWORD, applicants
from tests.helpers import issuance as bodies
from tests.helpers.pages import csrf_of, location, log_in, text_of


@pytest.fixture
def browsers(new_browser):
    return new_browser


@pytest.fixture
def world(smtp_sink, saitama, browsers, rpc_client, db_session):
    """An approved registration: its user ID and sub ID (API headers), and the user ID
    logged in to the pages."""
    found = applicants(browsers(), smtp_sink, rpc_client, db_session)
    user = browsers()
    assert location(log_in(user, found.user_id, PASSWORD)) == "/me"
    return found, user


def co_form(goods=2, **changes) -> list[tuple[str, str]]:
    """What the CO form sends for tests/helpers/issuance.co_japan(), with `changes`."""
    body = bodies.co_japan(goods)
    fields = {
        "certificate_type": "co_japan", "consignee.name": body["consignee"]["name"],
        "consignee.address_lines.0": body["consignee"]["address_lines"][0],
        "consignee.address_lines.1": body["consignee"]["address_lines"][1],
        "consignee.country": body["consignee"]["country"],
        "invoices.0.number": body["invoices"][0]["number"],
        "invoices.0.date": body["invoices"][0]["date"],
        "transport.from": "TOKYO, JAPAN", "transport.to": "HONG KONG", "transport.via": "",
        "transport.by": "vessel", "transport.vessel_or_flight": "EVER GIVEN V.123",
        "transport.on_or_about": body["transport"]["on_or_about"],
        "remarks.0.title": "manufacturer", "remarks.0.value": "SAKURA BEARINGS CO., LTD.",
        "declaration.date": body["declaration"]["date"], "declaration.place": "SAITAMA, JAPAN",
        "copies": "1", "statistics.goods_category": "general_machinery",
        "statistics.destination_country": "HK", "action": "save"}
    for n, item in enumerate(body["goods"]):
        fields.update({f"goods.{n}.marks": item["marks"], f"goods.{n}.packages": item["packages"],
                       f"goods.{n}.description": item["description"],
                       f"goods.{n}.quantity.value": item["quantity"]["value"],
                       f"goods.{n}.quantity.unit": item["quantity"]["unit"],
                       f"goods.{n}.origin": item["origin"]})
    fields.update(changes)
    return list(fields.items())


def send(client, path, data, page, **kwargs):
    return client.post(path, data=[("csrf_token", csrf_of(page)), *data],
                       allow_redirects=False, **kwargs)


def message_beside(page, name: str) -> str:
    """The message shown right under the field `name` (its id, as pages.field_id makes)."""
    field_id = "f-" + name.replace(".", "-")
    found = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">([^<]*)</p>',
                      page.text)
    assert found, f"no message beside {name}"
    return found.group(1)


def test_the_co_form_keeps_what_was_typed_and_shows_each_message_beside_its_field(world):
    """ISS-4: every broken rule in one 422, each beside its field and linked from the
    summary at the top; nothing typed is lost; the same in English."""
    found, user = world
    form = user.get("/applications/new?type=co_japan")
    assert form.status_code == 200
    assert 'name="goods.0.marks"' in form.text and 'name="consignee.address_lines.4"' in form.text
    assert '<option value="manufacturer">' in form.text  # the titles are the service's list
    assert 'id="fee"' in form.text and "手数料" in text_of(form)  # payment's quote

    broken = co_form(**{"goods.1.quantity.value": "12 pcs", "goods.1.quantity.unit": "",
                        "invoices.0.date": bodies.days(0), "declaration.date": bodies.days(-1),
                        "copies": "9"})
    for lang, quantity, copies in (
            ("ja", "数量は数字で入力してください（例：1200、12.5）。",
             "副本の部数は0〜5部で入力してください。"),
            ("en", "Enter the quantity as a number, such as 1200 or 12.5.", None)):
        refused = send(user, "/applications/new", broken, form,
                       headers={"Accept-Language": lang})
        assert refused.status_code == 422, text_of(refused)[:1000]
        assert message_beside(refused, "goods.1.quantity.value") == quantity
        assert message_beside(refused, "goods.1.quantity.unit")
        assert message_beside(refused, "invoices.0.date")  # invoice_after_declaration
        if copies:
            assert message_beside(refused, "copies") == copies
        assert 'href="#f-goods-1-quantity-value"' in refused.text  # the error summary
        # what was typed stays, every line of it
        assert 'name="goods.1.quantity.value" type="text" value="12 pcs"' in refused.text
        assert 'name="goods.0.description" rows="2"' in refused.text
        assert "BALL BEARINGS TYPE 1" in refused.text and "BALL BEARINGS TYPE 2" in refused.text
        assert 'value="ABC Imports Ltd."' in refused.text and 'value="Wan Chai"' in refused.text
        assert '<option value="manufacturer" selected>' in refused.text
    assert "インボイスの日付は申請者宣誓欄の日付と同じ日かそれより前にしてください。" in text_of(
        send(user, "/applications/new", broken, form))
    listing = user.get("/applications?lang=en")
    assert listing.text.count("/applications/new?type=") == 3
    assert "No applications." in text_of(listing)  # nothing was saved


def test_adding_a_goods_line_keeps_the_other_lines_and_saves_nothing(world):
    found, user = world
    form = user.get("/applications/new?type=co_japan")
    more = send(user, "/applications/new", co_form(goods=1, action="add_line"), form)
    assert more.status_code == 200
    assert "BALL BEARINGS TYPE 1" in more.text
    assert 'name="goods.1.marks" type="text" value=""' in more.text
    assert re.search(r'id="f-goods-1-marks"[^>]*autofocus', more.text)  # the new line
    assert 'value="SAKURA BEARINGS CO., LTD."' in more.text  # the rest stays too
    assert "該当する申請はありません。" in text_of(user.get("/applications"))  # nothing saved

    data = co_form(goods=1) + [("goods.1.marks", "N/M"), ("goods.1.packages", "3 CASES"),
                               ("goods.1.description", "ROLLER BEARINGS"),
                               ("goods.1.quantity.value", "40"),
                               ("goods.1.quantity.unit", "sets"), ("goods.1.origin", "JAPAN")]
    saved = send(user, "/applications/new", data, more)
    path = location(saved).split("?")[0]
    assert re.fullmatch(r"/applications/[0-9a-f]{32}", path)
    page = user.get(path)
    assert "BALL BEARINGS TYPE 1" in page.text and "ROLLER BEARINGS" in page.text
    assert "申請を保存しました。" in text_of(user.get(location(saved)))
    edit = user.get(path + "/edit")
    assert 'name="goods.1.description" rows="2"' in edit.text and "ROLLER BEARINGS" in edit.text


def test_attachments_preview_submission_and_the_list(world):
    """ISS-6: the commercial invoice attached (a PDF; anything else refused by its content),
    the preview, the submission; the list says `submitted`."""
    found, user = world
    form = user.get("/applications/new?type=co_japan")
    path = location(send(user, "/applications/new", co_form(), form)).split("?")[0]
    page = user.get(path)

    # submitting without the invoice: the message is beside the attachments
    refused = send(user, path + "/submission", [], page)
    assert refused.status_code == 422
    assert "商業インボイスを添付してください。" in text_of(refused)

    exe = send(user, path + "/attachments", [("kind", "commercial_invoice")], page,
               files={"file": ("invoice.pdf", bodies.EXE_BYTES, "application/pdf")})
    assert exe.status_code == 422
    assert message_beside(exe, "file") == (
        "PDF、PNG、JPEGのいずれかのファイルを添付してください（ファイル名ではなく中身で判定します）。")
    assert '<option value="commercial_invoice" selected>' in exe.text  # kept
    assert send(user, path + "/attachments", [("kind", "")], page, files={
        "file": ("invoice.pdf", bodies.pdf_file(), "application/pdf")}).status_code == 422

    added = send(user, path + "/attachments", [("kind", "commercial_invoice")], page,
                 files={"file": ("請求書.pdf", bodies.pdf_file(), "application/pdf")})
    assert location(added).startswith(path + "?notice=attachment_added")
    page = user.get(path)
    link = re.search(r'href="(/api/v1/applications/[0-9a-f]+/attachments/[0-9a-f]+)">請求書.pdf',
                     page.text).group(1)
    opened = user.get(link)  # the page's own cookie opens it
    assert opened.status_code == 200 and opened.headers["Content-Type"] == "application/pdf"

    preview = user.get(path + "/preview")
    assert f'data-pdf="{path}/preview.pdf"' in preview.text
    pdf = user.get(path + "/preview.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("inline")

    submitted = send(user, path + "/submission", [], page)
    assert location(submitted) == path + "?notice=application_submitted"
    listing = user.get("/applications")
    assert found.trade_number in listing.text
    assert "申請済み" in text_of(listing) and "ABC Imports Ltd." in listing.text
    assert 'name="file"' not in user.get(path).text  # no uploads while the chamber reviews
    assert "Submitted" in text_of(user.get("/applications?status=submitted&lang=en"))


def test_a_withdrawal_asks_first_and_a_copy_starts_a_new_draft(world):
    found, user = world
    form = user.get("/applications/new?type=co_japan")
    path = location(send(user, "/applications/new", co_form(), form)).split("?")[0]
    page = user.get(path)

    asked = send(user, path + "/withdrawal", [], page)
    assert asked.status_code == 200 and "申請を取り下げますか？" in text_of(asked)
    assert "作成中" in text_of(user.get(path))  # not yet
    withdrawn = send(user, path + "/withdrawal", [("confirmed", "yes")], asked)
    assert location(withdrawn) == path + "?notice=application_withdrawn"
    assert "取下げ" in text_of(user.get(path))

    copy_page = user.get(f"/applications/new?copy_from={path.rsplit('/', 1)[1]}")
    assert copy_page.status_code == 200
    copied = send(user, "/applications/new", [("copy_from", path.rsplit("/", 1)[1]),
                                              ("certificate_type", "co_japan")], copy_page)
    edit = location(copied).split("?")[0]
    assert edit.endswith("/edit") and edit != path + "/edit"
    form = user.get(edit)
    assert 'value="ABC Imports Ltd."' in form.text
    assert 'name="invoices.0.number" type="text" value=""' in form.text  # not copied
    assert 'name="declaration.date" type="date" value=""' in form.text


def test_a_sub_id_lists_its_own_applications_and_the_user_id_all(world, browsers):
    """ISS-3: the RPC scopes the list; the page shows what it answers."""
    found, user = world
    mine = browsers().post("/api/v1/applications", headers=found.sub, json=bodies.signature())
    assert mine.status_code == 201, mine.text
    mine = mine.json()["application_id"]
    form = user.get("/applications/new?type=co_japan")
    theirs = location(send(user, "/applications/new", co_form(), form)).split("?")[0]
    theirs = theirs.rsplit("/", 1)[1]

    sub = browsers()  # a new login of the sub ID (its API session ends: one at a time)
    assert location(log_in(sub, found.sub_id, PASSWORD)) == "/me"
    assert 'href="/applications"' in sub.get("/me").text
    listed = sub.get("/applications")
    assert listed.status_code == 200
    assert mine in listed.text and theirs not in listed.text
    assert "サイン証明" in text_of(listed)
    assert sub.get(f"/applications/{theirs}").status_code == 404

    every = user.get("/applications")
    assert mine in every.text and theirs in every.text
    assert found.sub_id in every.text  # who applied
    # the signature form of the sub ID, refused fields in English
    form = sub.get("/applications/new?type=signature&lang=en")
    refused = send(sub, "/applications/new", [("certificate_type", "signature"),
                                              ("document_kind", "health_certificate"),
                                              ("document_title", "HEALTH CERTIFICATE"),
                                              ("destination_country", "usa"),
                                              ("copies", "0")], form,
                   headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert message_beside(refused, "destination_country") == \
        "Enter the two-letter country code in capitals, such as HK or US."
    assert message_beside(refused, "statistics.goods_category")
    assert 'value="HEALTH CERTIFICATE"' in refused.text
