"""The staff's issuance pages (ISS-2, ISS-7, ISS-13) through the gateway against the real
services, as a browser without scripts would use them: applications made, attached and
submitted through the JSON API; staff of Saitama see their own chamber's queue oldest first,
review one (box 1 as registered, the goods, the attachment and the registered signature
opened with the page's session), return it only with a reason, and certify it after a
confirmation; Tokyo's staff see none of it (ID-9). The pages' details with the services
mocked: tests/gateway/test_issuance_staff_pages.py."""
from tests.api.issuance_flow import applicants, staff_browser, submitted_co
from tests.helpers.pages import location, submit, text_of

BASE = "/api/v1/applications"
STAFF = "/api/v1/staff/applications"


def test_staff_review_their_chambers_queue_and_return_with_a_reason(
        smtp_sink, saitama, web, rpc_client, db_session, new_browser):
    world = applicants(web, smtp_sink, rpc_client, db_session)
    first = submitted_co(web, world.user, "FIRST IMPORTS LTD.")
    second = submitted_co(web, world.sub, "SECOND IMPORTS LTD.")
    staff = staff_browser(new_browser, rpc_client, "staff21")

    assert 'href="/staff/applications"' in staff.get("/me").text
    queue = staff.get("/staff/applications")
    assert queue.status_code == 200, queue.text
    text = text_of(queue)
    assert text.index("FIRST IMPORTS LTD.") < text.index("SECOND IMPORTS LTD.")  # oldest first
    assert "原産地証明書（日本産）" in text and world.trade_number in text
    assert "TARO YAMADA" in text and "HONG KONG" in text  # the destination: box 5's "to"
    assert f'href="/staff/applications/{first}"' in queue.text
    assert f'href="/staff/applications/{second}"' in queue.text

    # Tokyo's staff: neither the queue nor the page
    tokyo = staff_browser(new_browser, rpc_client, "tokyo01", cci_code="1301")
    assert "FIRST IMPORTS LTD." not in tokyo.get("/staff/applications").text
    assert tokyo.get(f"/staff/applications/{first}").status_code == 404

    # the review page: box 1 as registered, the goods, the attachment, the signature
    review = staff.get(f"/staff/applications/{first}")
    assert review.status_code == 200, review.text
    exporter = web.get(f"{STAFF}/{first}", headers=world.staff).json()["exporter"]
    text = text_of(review)
    for shown in (exporter["name_en"], exporter["address_en_lines"][0], "JAPAN",
                  "FIRST IMPORTS LTD.", "INV-2026-001", "BALL BEARINGS TYPE 1",
                  "BALL BEARINGS TYPE 2", "2400 pcs", "TARO YAMADA, EXPORT MANAGER",
                  "invoice.pdf"):
        assert shown in text, shown
    attachment = web.get(f"{BASE}/{first}", headers=world.user).json()["attachments"][0]
    link = f"{STAFF}/{first}/attachments/{attachment['attachment_id']}"
    assert f'href="{link}"' in review.text
    opened = staff.get(link)  # the page's session opens it, in the browser
    assert opened.status_code == 200 and opened.content.startswith(b"%PDF")
    assert opened.headers["Content-Disposition"].startswith("inline")
    assert f'src="{STAFF}/{first}/signature.png"' in review.text
    assert staff.get(f"{STAFF}/{first}/signature.png").content.startswith(b"\x89PNG")

    # a return needs a reason; then the application is back with the applicant
    no_reason = submit(staff, f"/staff/applications/{first}/return", {"reason": " "}, review)
    assert no_reason.status_code == 422 and 'href="#f-reason"' in no_reason.text
    assert web.get(f"{BASE}/{first}", headers=world.user).json()["status"] == "submitted"
    returned = submit(staff, f"/staff/applications/{first}/return",
                      {"reason": "インボイス番号が添付書類と一致しません。"}, review)
    assert location(returned) == f"/staff/applications/{first}?notice=returned"
    view = web.get(f"{BASE}/{first}", headers=world.user).json()
    assert (view["status"], view["return_reason"]) == (
        "returned", "インボイス番号が添付書類と一致しません。")
    after = staff.get(location(returned))
    assert "申請を差し戻し、理由を申請者へメールで通知しました。" in text_of(after)
    assert f'action="/staff/applications/{first}/return"' not in after.text
    # returned twice (a colleague's tab): said on the page
    again = submit(staff, f"/staff/applications/{first}/return", {"reason": "再度"}, review)
    assert again.status_code == 409 and "ほかの職員が処理したか" in text_of(again)
    # the returned one leaves the submitted queue; the other stays
    queue = text_of(staff.get("/staff/applications"))
    assert "FIRST IMPORTS LTD." not in queue and "SECOND IMPORTS LTD." in queue
    assert "FIRST IMPORTS LTD." in text_of(staff.get("/staff/applications?status=returned"))


def test_staff_certify_after_a_confirmation_and_see_the_number(
        smtp_sink, saitama, web, rpc_client, db_session, new_browser):
    """Needs payment's `quote` and documents' `store_attachment` (issue 10's other parts)."""
    world = applicants(web, smtp_sink, rpc_client, db_session)
    application_id = submitted_co(web, world.user, "ABC IMPORTS LTD.")
    staff = staff_browser(new_browser, rpc_client, "staff22")
    page = f"/staff/applications/{application_id}"
    review = staff.get(page)

    asked = submit(staff, f"{page}/certification", {}, review)
    assert asked.status_code == 200 and 'id="confirm-certification"' in asked.text
    assert web.get(f"{BASE}/{application_id}",
                   headers=world.user).json()["status"] == "submitted"
    done = submit(staff, f"{page}/certification", {"confirmed": "yes"}, review)
    assert location(done) == f"{page}?notice=issuance_certified"
    view = web.get(f"{BASE}/{application_id}", headers=world.user).json()
    assert view["status"] == "certified"

    shown = staff.get(location(done))
    text = text_of(shown)
    assert "申請を証明し、申請者へメールで通知しました。" in text
    assert view["certificate_no"] == f"1504-{view['issued_on'][:4]}-000001"
    for fact in (view["certificate_no"], view["issued_on"], f"{view['fee_jpy']:,}円"):
        assert fact in text, fact
    pdf = staff.get(f"{STAFF}/{application_id}/certificate.pdf")
    assert f'href="{STAFF}/{application_id}/certificate.pdf"' in shown.text
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # certified again from a colleague's stale page: the same certificate, no second number
    twice = submit(staff, f"{page}/certification", {"confirmed": "yes"}, review)
    assert location(twice) == f"{page}?notice=issuance_certified"
    assert web.get(f"{BASE}/{application_id}",
                   headers=world.user).json()["certificate_no"] == view["certificate_no"]
