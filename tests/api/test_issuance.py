"""Issuance through the gateway, as API.md's contract says (issue 10's proof): a co_japan with
two goods lines and an invoice, submitted, returned with a reason (mailed), corrected,
resubmitted, certified; then locked. Scoping: another chamber's staff 404, the admin 403, a
sub ID its own applications only (ISS-3, ID-9)."""
from tests.api.issuance_flow import applicants, attach
from tests.conftest import wait_for
from tests.helpers import pdf as pdfs
from tests.helpers.issuance import EXE_BYTES, co_foreign, co_japan, pdf_file, signature

BASE = "/api/v1/applications"
STAFF = "/api/v1/staff/applications"


def mails_with(smtp_sink, subject_part):
    return [m for m in smtp_sink.messages() if subject_part in m["Subject"]]


def test_a_co_japan_is_returned_corrected_and_certified(smtp_sink, saitama, web, rpc_client,
                                                        db_session):
    world = applicants(web, smtp_sink, rpc_client, db_session)
    created = web.post(BASE, headers=world.user, json=co_japan(goods=2))
    assert created.status_code == 201, created.text
    application = created.json()
    application_id = application["application_id"]
    assert (application["status"], len(application["goods"])) == ("draft", 2)

    # ISS-6: submission needs the commercial invoice
    refused = web.post(f"{BASE}/{application_id}/submission", headers=world.user)
    assert refused.status_code == 422
    assert "attachments" in refused.json()["error"]["fields"]
    # a Windows program renamed .pdf is refused by its content
    exe = attach(web, world.user, application_id, "commercial_invoice", EXE_BYTES,
                 filename="invoice.pdf")
    assert exe.status_code == 422, exe.text
    assert list(exe.json()["error"]["fields"]) == ["file"]
    invoice = attach(web, world.user, application_id, "commercial_invoice", pdf_file())
    assert invoice.status_code == 201, invoice.text
    assert len(invoice.json()["sha256"]) == 64
    opened = web.get(f"{BASE}/{application_id}/attachments/{invoice.json()['attachment_id']}",
                     headers=world.user)
    assert opened.content.startswith(b"%PDF") and "inline" in \
        opened.headers["Content-Disposition"]

    # the certificate as it will print, watermarked and unsigned, before submitting
    preview = web.get(f"{BASE}/{application_id}/preview.pdf", headers=world.user)
    assert preview.headers["Content-Type"] == "application/pdf"
    assert "PREVIEW" in pdfs.text(preview.content) and "BALL BEARINGS TYPE 1" in \
        pdfs.text(preview.content)
    assert pdfs.qr_codes(preview.content) == []  # nothing to verify

    submitted = web.post(f"{BASE}/{application_id}/submission", headers=world.user)
    assert submitted.json() == {"status": "submitted"}, submitted.text

    # the chamber's queue: own chamber only
    queue = web.get(f"{STAFF}?status=submitted", headers=world.staff).json()["items"]
    assert [i["application_id"] for i in queue] == [application_id]
    assert queue[0]["trade_registration_number"] == world.trade_number
    assert web.get(f"{STAFF}?status=submitted", headers=world.other_staff).json()["items"] == []
    assert web.get(f"{STAFF}/{application_id}", headers=world.other_staff).status_code == 404
    assert web.post(f"{STAFF}/{application_id}/certification",
                    headers=world.other_staff).status_code == 404
    review = web.get(f"{STAFF}/{application_id}", headers=world.staff).json()
    assert review["signer"]["available"] and review["signature_file_id"]
    assert review["exporter"]["country"] == "JAPAN"
    assert web.get(f"{STAFF}/{application_id}/signature.png",
                   headers=world.staff).content.startswith(b"\x89PNG")

    returned = web.post(f"{STAFF}/{application_id}/return", headers=world.staff,
                        json={"reason": "インボイス番号が添付書類と一致しません。"})
    assert returned.json() == {"status": "returned"}
    mail = wait_for(lambda: mails_with(smtp_sink, "差戻し"), message="the return's mail")[-1]
    assert "インボイス番号が添付書類と一致しません。" in mail.get_payload(decode=True).decode()

    view = web.get(f"{BASE}/{application_id}", headers=world.user).json()
    assert view["return_reason"] == "インボイス番号が添付書類と一致しません。"
    corrected = co_japan(goods=2)
    corrected["invoices"][0]["number"] = "INV-2026-002"
    assert web.put(f"{BASE}/{application_id}", headers=world.user,
                   json=corrected).status_code == 200
    assert web.post(f"{BASE}/{application_id}/submission",
                    headers=world.user).json()["status"] == "submitted"

    certified = web.post(f"{STAFF}/{application_id}/certification", headers=world.staff)
    assert certified.status_code == 200, certified.text
    answer = certified.json()
    assert answer["status"] == "certified"
    assert answer["certificate_no"] == f"1504-{answer['issued_on'][:4]}-000001"
    fees = web.get("/api/v1/chambers/1504").json()["fees_jpy"]
    assert answer["fee_jpy"] == fees["co"]["member"] + fees["copy"]["member"]  # 1 copy
    # certifying again answers the same certificate
    assert web.post(f"{STAFF}/{application_id}/certification",
                    headers=world.staff).json() == answer

    locked = web.put(f"{BASE}/{application_id}", headers=world.user, json=corrected)
    assert (locked.status_code, locked.json()["error"]["code"]) == (409, "application_locked")
    view = web.get(f"{BASE}/{application_id}", headers=world.user).json()
    assert [h["status"] for h in view["status_history"]] == [
        "draft", "submitted", "returned", "submitted", "certified"]
    assert view["status_history"][2]["reason"] == "インボイス番号が添付書類と一致しません。"
    assert (view["certificate_no"], view["fee_jpy"], view["paid"]) == (
        answer["certificate_no"], answer["fee_jpy"], False)

    pdf = web.get(f"{STAFF}/{application_id}/certificate.pdf", headers=world.staff).content
    text = pdfs.text(pdf)
    assert answer["certificate_no"] in text and "BALL BEARINGS TYPE 2" in text
    assert "INV-2026-002" in text
    assert any("/verify?" in code and answer["certificate_no"] in code
               for code in pdfs.qr_codes(pdf))
    wait_for(lambda: mails_with(smtp_sink, "発給"), message="the certification's mail")

    listed = web.get(BASE, headers=world.user).json()
    assert listed["trade_registration_number"] == world.trade_number
    assert listed["items"][0]["certificate_no"] == answer["certificate_no"]


def test_scopes_admin_sub_ids_and_other_chambers(smtp_sink, saitama, web, rpc_client,
                                                 db_session):
    world = applicants(web, smtp_sink, rpc_client, db_session)
    assert web.post(BASE, headers=world.admin, json=co_japan()).status_code == 403
    assert web.get(BASE, headers=world.admin).status_code == 403
    mine = web.post(BASE, headers=world.sub, json=co_japan()).json()["application_id"]
    users = web.post(BASE, headers=world.user, json=co_japan()).json()["application_id"]
    # ISS-3: a sub ID sees its own only; its user ID (its signer) sees both
    assert [i["application_id"] for i in web.get(BASE, headers=world.sub).json()["items"]] \
        == [mine]
    assert {i["application_id"] for i in web.get(BASE, headers=world.user).json()["items"]} \
        == {mine, users}
    assert web.get(f"{BASE}/{users}", headers=world.sub).status_code == 404
    view = web.get(f"{BASE}/{mine}", headers=world.sub).json()
    assert (view["applicant_login_id"], view["signer_login_id"]) == (world.sub_id,
                                                                    world.user_id)
    # staff do not see drafts; filter by state
    assert web.get(f"{STAFF}/{mine}", headers=world.staff).status_code == 404
    assert web.get(f"{BASE}?status=submitted", headers=world.user).json()["items"] == []
    assert web.get(f"{BASE}?status=nonsense", headers=world.user).status_code == 422
    # withdrawn before certification
    assert web.post(f"{BASE}/{mine}/withdrawal", headers=world.sub).json() == {
        "status": "withdrawn"}
    assert web.put(f"{BASE}/{mine}", headers=world.sub, json=co_japan()).status_code == 409


def test_every_broken_rule_in_one_answer(smtp_sink, saitama, web, rpc_client, db_session):
    world = applicants(web, smtp_sink, rpc_client, db_session)
    body = co_japan(goods=2)
    body["invoices"][0]["date"] = "2099-01-01"  # after the declaration
    body["goods"][0]["quantity"]["unit"] = "lot"
    body["goods"][1]["origin"] = "CHINA"
    body["remarks"][0]["title"] = "notes"
    body["copies"] = 6
    refused = web.post(BASE, headers={**world.user, "Accept-Language": "en"}, json=body)
    assert refused.status_code == 422
    fields = refused.json()["error"]["fields"]
    assert {"invoices.0.date", "goods.0.quantity.unit", "goods.1.origin", "remarks.0.title",
            "copies"} <= set(fields)
    # the declaration in the future is a rule of the day of submission
    body = co_japan()
    body["declaration"]["date"] = "2099-01-01"
    body["invoices"] = []
    draft = web.post(BASE, headers=world.user, json=body).json()["application_id"]
    attach(web, world.user, draft, "commercial_invoice", pdf_file())
    late = web.post(f"{BASE}/{draft}/submission", headers=world.user)
    assert list(late.json()["error"]["fields"]) == ["declaration.date"]
    # a co_foreign without `foreign`
    body = co_foreign()
    del body["foreign"]
    assert "foreign" in web.post(BASE, headers=world.user,
                                 json=body).json()["error"]["fields"]


def test_co_foreign_and_signature_are_certified(smtp_sink, saitama, web, rpc_client,
                                                db_session):
    world = applicants(web, smtp_sink, rpc_client, db_session)
    foreign = web.post(BASE, headers=world.user, json=co_foreign()).json()["application_id"]
    attach(web, world.user, foreign, "commercial_invoice", pdf_file())
    refused = web.post(f"{BASE}/{foreign}/submission", headers=world.user)
    assert refused.json()["error"]["fields"]["attachments"]  # ISS-5: the foreign CO
    attach(web, world.user, foreign, "foreign_co", pdf_file(text="CERTIFICATE OF ORIGIN"))
    assert web.post(f"{BASE}/{foreign}/submission", headers=world.user).status_code == 200
    certified = web.post(f"{STAFF}/{foreign}/certification", headers=world.staff).json()
    pdf = web.get(f"{STAFF}/{foreign}/certificate.pdf", headers=world.staff).content
    assert "GERMANY" in pdfs.text(pdf) and certified["certificate_no"] in pdfs.text(pdf)

    signed = web.post(BASE, headers=world.sub, json=signature()).json()["application_id"]
    attach(web, world.sub, signed, "signed_document", pdf_file(pages=2, text="HEALTH CERT"),
           filename="衛生証明書.pdf")
    assert web.post(f"{BASE}/{signed}/submission", headers=world.sub).status_code == 200
    certified = web.post(f"{STAFF}/{signed}/certification", headers=world.staff)
    assert certified.status_code == 200, certified.text
    number = certified.json()["certificate_no"]
    assert number.endswith("-000002")  # the chamber's one sequence, no gaps
    pdf = web.get(f"{STAFF}/{signed}/certificate.pdf", headers=world.staff).content
    assert pdfs.page_count(pdf) == 2
    for page in pdfs.text(pdf).split("\f")[:2]:
        assert "HEALTH CERT" in page and "Signature verified by" in page and number in page


def test_a_correction_replaces_the_certificate(smtp_sink, saitama, web, rpc_client, db_session):
    world = applicants(web, smtp_sink, rpc_client, db_session)

    def certified(body):
        application_id = web.post(BASE, headers=world.user, json=body).json()["application_id"]
        attach(web, world.user, application_id, "commercial_invoice", pdf_file())
        assert web.post(f"{BASE}/{application_id}/submission",
                        headers=world.user).status_code == 200
        return application_id, web.post(f"{STAFF}/{application_id}/certification",
                                         headers=world.staff).json()["certificate_no"]

    old, old_no = certified(co_japan())
    copy = web.post(BASE, headers=world.user, json={"copy_from": old})
    assert copy.status_code == 201, copy.text
    assert copy.json()["invoices"] == [] and copy.json()["declaration"]["date"] is None
    body = co_japan()
    body["replaces"] = old
    new, new_no = certified(body)
    assert web.get(f"{BASE}/{old}", headers=world.user).json()["replaced_by"] == new_no
    assert web.get(f"{BASE}/{old}", headers=world.user).json()["status"] == "replaced"
    revoked = web.post(f"{STAFF}/{new}/revocation", headers=world.staff,
                       json={"reason": "誤記のため"})
    assert revoked.json() == {"status": "revoked"}
    assert web.post(f"{STAFF}/{old}/revocation", headers=world.staff,
                    json={"reason": "x"}).status_code == 409
