"""Issue 12, "a state-changing call that timed out is safe to repeat": the creates that have no
natural key take an `Idempotency-Key` header (as `POST /api/v1/payments` does): the same key
from the same ID answers what the first request made, nothing is made twice, and another
ID's same key is its own. An attachment's natural key is its file: the same one again is the
one there. The pages' create forms send a key of their own with a digest of the form
(docs/DECISIONS.md, issue 12)."""
import re

import eventlet
import nameko
from sqlalchemy import func, select

from services.identity.models import Account
from services.issuance.models import Application, Attachment
from tests.api.issuance_flow import PASSWORD, applicants, attach
from tests.conftest import wait_for
from tests.helpers.issuance import co_japan, pdf_file
from tests.helpers.pages import location, log_in, submit
from tests.helpers.services import service_class
from tradecert import config

BASE = "/api/v1/applications"


def count(db_session, service, model, *where) -> int:
    return db_session(service).scalar(select(func.count()).select_from(model).where(*where))


def keyed(headers: dict, key: str) -> dict:
    return {**headers, "Idempotency-Key": key}


def test_an_application_created_again_with_the_same_key_is_the_same_draft(
        smtp_sink, saitama, web, new_browser, rpc_client, db_session):
    world = applicants(web, smtp_sink, rpc_client, db_session)

    first = web.post(BASE, headers=keyed(world.user, "create-1"), json=co_japan())
    again = web.post(BASE, headers=keyed(world.user, "create-1"), json=co_japan(goods=3))
    the_sub_s = web.post(BASE, headers=keyed(world.sub, "create-1"), json=co_japan())
    unkeyed = [web.post(BASE, headers=world.user, json=co_japan()) for _ in range(2)]

    assert first.status_code == again.status_code == the_sub_s.status_code == 201
    assert again.json()["application_id"] == first.json()["application_id"]
    assert len(again.json()["goods"]) == 2  # what the first request made
    assert the_sub_s.json()["application_id"] != first.json()["application_id"]
    assert len({r.json()["application_id"] for r in unkeyed}) == 2  # no key: as before
    assert count(db_session, "issuance", Application) == 4

    # two at once (a double click) with one key: one draft
    clients = [new_browser(), new_browser()]
    both = [eventlet.spawn(c.post, BASE, headers=keyed(world.user, "create-2"),
                           json=co_japan()) for c in clients]
    answers = [thread.wait() for thread in both]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["application_id"] == answers[1].json()["application_id"]
    assert count(db_session, "issuance", Application) == 5

    too_long = web.post(BASE, headers=keyed(world.user, "k" * 256), json=co_japan())
    assert too_long.status_code == 422
    assert list(too_long.json()["error"]["fields"]) == ["idempotency_key"]


def test_a_create_whose_answer_timed_out_is_repeated_safely(
        smtp_sink, saitama, web, system, runner_factory, rpc_client, db_session):
    """The gateway gives up (503) while issuance still waits for registration; registration
    comes back, issuance makes the draft after all. The client's retry with the same key
    gets that draft, not a second one."""
    world = applicants(web, smtp_sink, rpc_client, db_session)
    gateway = {**config.section("GATEWAY"), "rpc_timeout_s": 1}
    rpc = {**config.section("RPC"), "timeout_s": 8}
    system["registration"].stop()

    with nameko.config.patch({"GATEWAY": gateway, "RPC": rpc}):
        timed_out = web.post(BASE, headers=keyed(world.user, "retry-1"), json=co_japan())
        runner_factory(service_class("registration")).start()
        made = wait_for(lambda: db_session("issuance").scalars(select(Application.id)).all(),
                        timeout=10, message="the draft made after the 503")

    assert timed_out.status_code == 503
    assert timed_out.json()["error"]["code"] == "service_unavailable"
    again = web.post(BASE, headers=keyed(world.user, "retry-1"), json=co_japan())
    assert again.status_code == 201
    assert [again.json()["application_id"]] == made
    assert count(db_session, "issuance", Application) == 1


def test_the_same_attachment_again_is_the_one_there(smtp_sink, saitama, web, rpc_client,
                                                    db_session):
    world = applicants(web, smtp_sink, rpc_client, db_session)
    draft = web.post(BASE, headers=world.user, json=co_japan()).json()["application_id"]

    first = attach(web, world.user, draft, "commercial_invoice", pdf_file())
    again = attach(web, world.user, draft, "commercial_invoice", pdf_file(),
                   filename="invoice (1).pdf")
    other_kind = attach(web, world.user, draft, "other", pdf_file())

    assert first.status_code == again.status_code == other_kind.status_code == 201
    assert again.json() == first.json()
    assert other_kind.json()["attachment_id"] != first.json()["attachment_id"]
    assert count(db_session, "issuance", Attachment) == 2


def test_a_sub_id_created_again_with_the_same_key_is_the_same(smtp_sink, saitama, web,
                                                              new_browser, rpc_client,
                                                              db_session):
    world = applicants(web, smtp_sink, rpc_client, db_session)
    body = {"name": "サブ 二郎", "password": PASSWORD, "email": "sub2@sakura.example.jp"}
    subs = lambda: count(db_session, "identity", Account, Account.kind == "sub")  # noqa: E731
    before = subs()

    first = web.post("/api/v1/sub-ids", headers=keyed(world.user, "sub-1"), json=body)
    again = web.post("/api/v1/sub-ids", headers=keyed(world.user, "sub-1"), json=body)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert subs() == before + 1

    # the page's form carries a key of its own: sent twice, one sub ID; changed (the back
    # button, another name) and sent again, another
    browser = new_browser()
    assert location(log_in(browser, world.user_id, PASSWORD)) == "/me"
    form = browser.get("/sub-ids")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.text).group(1)
    fields = {"name": "サブ 三郎", "password": PASSWORD, "password_confirm": PASSWORD,
              "email": "sub3@sakura.example.jp", "idempotency_key": key}
    sent = [submit(browser, "/sub-ids", fields, form_page=form) for _ in range(2)]
    assert [location(s).split("&")[0] for s in sent] == ["/sub-ids?notice=sub_id_created"] * 2
    assert location(sent[0]) == location(sent[1])  # the same login ID named
    assert subs() == before + 2
    changed = submit(browser, "/sub-ids", {**fields, "name": "サブ 四郎"}, form_page=form)
    assert location(changed) != location(sent[0])
    assert subs() == before + 3
