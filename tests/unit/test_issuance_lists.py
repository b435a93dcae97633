"""「発給申請状況一覧」 and the staff queue (ISS-2, ISS-3, issue 10 "Speed"): paged newest first
(the queue oldest submission first), each list's count answered from an index alone, and a
page's rows read without the entered body or the certificate's payload. How fast is
`make bench`'s question (benchmarks/issuance.py), not a test's."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, text

from services.issuance import domain
from services.issuance.models import Application
from services.issuance.schemas import ListItemSchema, StaffQueueItemSchema
from tests.helpers.databases import plan_without_table_scans
from tests.helpers.issuance import co_japan

USER = {"cci_code": "1504", "trade_registration_number": "1504-000001", "kind": "user",
        "login_id": "U0000001", "account_id": 1}
SUB = {**USER, "kind": "sub", "login_id": "S0000001", "account_id": 2}
STAFF = {"cci_code": "1504", "kind": "staff", "login_id": "staff01"}
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STATUSES = ("draft", "submitted", "certified", "returned")


@pytest.fixture
def issuance(domain_session):
    """120 applications of one registration, one in four a sub ID's, updated a minute apart
    (the first the newest), statuses in turn; and 5 of another registration."""
    session = domain_session("issuance")
    # a new, empty file for the table (rolled back with the test): the planner's page count
    # and visibility are these rows' alone, not what earlier tests' deleted rows left
    session.execute(text("TRUNCATE applications CASCADE"))
    rows = []
    for n in range(125):
        who = SUB if n % 4 == 3 else USER
        status, updated = STATUSES[n % 4], NOW - timedelta(minutes=n)
        rows.append({
            "id": f"{n:032d}", "cci_code": "1504",
            "trade_registration_number": "1504-000002" if n >= 120 else "1504-000001",
            "certificate_type": "co_japan", "status": status,
            "applicant_login_id": who["login_id"], "applicant_kind": who["kind"],
            "applicant_account_id": who["account_id"], "signer_login_id": USER["login_id"],
            "exporter_name": "SAKURA", "signer_name": "TARO", "body": co_japan(),
            "updated_at": updated,
            "submitted_at": None if status == "draft" else updated - timedelta(hours=n % 7),
            "certificate_no": f"1504-2026-{n:06d}" if status == "certified" else None,
            "issued_on": NOW.date() if status == "certified" else None,
            "certificate": {"kind": "co", "payload": {}} if status == "certified" else None})
    session.execute(insert(Application), rows)
    session.execute(text("ANALYZE applications"))  # the planner's statistics, as autovacuum's
    return session


def ids(rows) -> list[str]:
    return [row.id for row in rows]


def test_the_applicants_list_is_paged_newest_first(issuance):
    rows, page, pages = domain.applicant_list(issuance, USER, None, 1)
    assert (len(rows), page, pages) == (50, 1, 3)
    assert ids(rows) == [f"{n:032d}" for n in range(50)]
    rows, page, pages = domain.applicant_list(issuance, USER, None, 9)  # past the end
    assert (ids(rows), page, pages) == ([f"{n:032d}" for n in range(100, 120)], 3, 3)
    rows, _, pages = domain.applicant_list(issuance, USER, "certified", 1)
    assert (ids(rows), pages) == ([f"{n:032d}" for n in range(2, 120, 4)], 1)
    # ISS-3: a sub ID sees its own only
    rows, _, pages = domain.applicant_list(issuance, SUB, None, 1)
    assert (ids(rows), pages) == ([f"{n:032d}" for n in range(3, 120, 4)], 1)


def test_the_staff_queue_is_oldest_submission_first(issuance):
    rows, _, pages = domain.staff_list(issuance, STAFF, "submitted", 1)
    submitted = sorted((NOW - timedelta(minutes=n) - timedelta(hours=n % 7), f"{n:032d}")
                       for n in range(1, 125, 4))
    assert (ids(rows), pages) == ([i for _, i in submitted], 1)
    rows, _, pages = domain.staff_list(issuance, STAFF, None, 1)  # never a draft
    assert pages == 2 and all(row.status != "draft" for row in rows)


def test_a_page_leaves_the_body_and_the_certificate_in_the_database(issuance):
    rows, _, _ = domain.applicant_list(issuance, USER, "certified", 1)
    assert domain.list_item(rows[0])["certificate_no"] == "1504-2026-000002"
    # issue 12: the columns the entries show, and nothing else
    assert set(rows[0]._fields) == {column.key for column in domain.LIST_COLUMNS}
    queue, _, _ = domain.staff_list(issuance, {"cci_code": "1504"}, "submitted", 1)
    assert "body" not in queue[0]._fields and "certificate" not in queue[0]._fields
    assert domain.queue_item(queue[0])["exporter_name"]


def test_a_page_says_what_the_schemas_would(issuance):
    """list_item and queue_item write their rows as the schemas would dump them (issue 12:
    without marshmallow): the contract is still ListItemSchema's and StaffQueueItemSchema's."""
    certified, _, _ = domain.applicant_list(issuance, USER, "certified", 1)
    queue, _, _ = domain.staff_list(issuance, {"cci_code": "1504"}, None, 1)
    for row, item, schema in ((certified[0], domain.list_item, ListItemSchema),
                              (queue[-1], domain.queue_item, StaffQueueItemSchema)):
        raw = {**row._asdict(), "application_id": row.id, "paid": row.paid_at is not None}
        assert item(row) == schema().dump(raw)
        assert item(row)["updated_at"] and (item is domain.queue_item or item(row)["issued_on"])
        assert schema().load(item(row))  # and it reads back


@pytest.mark.parametrize("query", [
    domain.visible(USER),
    domain.visible(USER).where(Application.status == "certified"),
    domain.visible(SUB),
    select(Application).where(Application.cci_code == "1504",
                              Application.submitted_at.is_not(None),
                              Application.status == "submitted"),
], ids=["registration", "registration_status", "sub_id", "staff_queue"])
def test_each_lists_count_reads_an_index_only(issuance, query):
    """The count behind `pages` must not read the table, however many rows it has (issue
    10). With the table scans ruled out, the planner shows whether an index covers every
    column the list filters on."""
    count = select(func.count()).select_from(query.order_by(None).subquery())
    plan = plan_without_table_scans(issuance, count)
    assert "Index Only Scan" in plan, plan
