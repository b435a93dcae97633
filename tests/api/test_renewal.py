"""A registration after approval through the gateway (REG-9): its view for the admin and the
signers, the admin's renewal request in the chamber's queue, the chamber's renewal (from the
old end, or from today when expired), the mail to the admin, and the reminders of the new
period only. The calendar is moved with tradecert.clock (the services run in this process)."""
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update

from services.identity.models import Account
from services.registration.models import Registration, Renewal
from tests.api.registration_flow import approved_registration, staff_headers
from tests.api.world import PASSWORD, Company, make_ready
from tests.conftest import wait_for
from tests.helpers import pdf as pdfs
from tradecert import clock
from tradecert.clock import JAPAN

RENEWED_SUBJECT = "【貿易関係証明発給システム】貿易登録更新完了のお知らせ"
CONTACT = "contact@sakura.example.jp"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def on(day: date) -> datetime:
    """Noon of that day in Japan, for clock.frozen."""
    return datetime.combine(day, time(12), JAPAN).astimezone(UTC)


def two_years_on(day: date) -> date:
    """A period of two years that starts on `day` ends the day before its anniversary."""
    return day.replace(year=day.year + 2) - timedelta(days=1)


def company_ids(db_session, rpc_client, number) -> Company:
    """The approved registration's admin, signer (user) and a sub ID, ready to work."""
    session = db_session("identity")
    accounts = session.scalars(select(Account).where(Account.cci_code == "1504")
                               .order_by(Account.id)).all()
    admin = next(a.login_id for a in accounts if a.kind == "admin")
    users = [a.login_id for a in accounts if a.kind == "user"]
    return make_ready(db_session, Company("1504", number, admin=admin, user=users[0],
                                          users=users), rpc_client)


def login(web, login_id) -> dict:
    response = web.post("/api/v1/sessions", json={"cci_code": "1504", "login_id": login_id,
                                                  "password": PASSWORD})
    assert response.status_code == 201, response.text
    return bearer(response.json()["token"])


def staff_login(web, login_id="staff10") -> dict:
    """Sessions end 12 hours after their login (issue 9): a frozen clock a year on needs a
    login of its own."""
    response = web.post("/api/v1/sessions", json={"cci_code": "1504", "login_id": login_id,
                                                  "password": "Staff2026x"})
    assert response.status_code == 201, response.text
    return bearer(response.json()["token"])


def test_the_registration_and_its_signers_for_admin_and_user_not_sub(
        smtp_sink, saitama, web, rpc_client, db_session):
    # REG-9 and the ID table: admin and user IDs see the registration and the signers
    number = approved_registration(web, smtp_sink, rpc_client)
    ids = company_ids(db_session, rpc_client, number)
    for login_id in (ids.admin, ids.user):
        response = web.get("/api/v1/registration", headers=login(web, login_id))
        assert response.status_code == 200, response.text
        view = response.json()
        assert view["trade_registration_number"] == number
        assert view["status"] == "valid" and view["renewal"] is None
        assert view["valid_until"] == two_years_on(clock.japan_today()).isoformat()
        assert view["company"]["name_ja"] == "さくら貿易"
        assert view["signers"] == [{"login_id": ids.user, "name_ja": "山田 太郎",
                                    "name_en": "TARO YAMADA", "title_en": "EXPORT MANAGER"}]
    refused = web.get("/api/v1/registration", headers=login(web, ids.sub))
    assert refused.status_code == 403
    # only the admin asks for renewal (REG-9), and not before 30 days before the end
    assert web.post("/api/v1/registration/renewal",
                    headers=login(web, ids.user)).status_code == 403
    early = web.post("/api/v1/registration/renewal", headers=login(web, ids.admin))
    assert early.status_code == 409 and early.json()["error"]["code"] == "renewal_not_open"


def test_renewing_an_expiring_registration(smtp_sink, saitama, web, rpc_client, db_session):
    # REG-9: the request in the chamber's queue, the renewal two years on from the old end,
    # the mail to the admin, no reminder for the old period, reminders for the new one
    number = approved_registration(web, smtp_sink, rpc_client)
    ids = company_ids(db_session, rpc_client, number)
    admin, staff = login(web, ids.admin), staff_headers(web, rpc_client, "staff10")
    old = date.fromisoformat(web.get("/api/v1/registration", headers=admin)
                             .json()["valid_until"])
    assert rpc_client.registration.run_daily_jobs(
        (old - timedelta(days=30)).isoformat())["renewal_reminders"] == 1

    with clock.frozen(on(old - timedelta(days=20))):
        admin, staff = login(web, ids.admin), staff_login(web)
        assert web.get("/api/v1/registration", headers=admin).json()["status"] == "expiring"
        requested = web.post("/api/v1/registration/renewal", headers=admin)
        assert requested.status_code == 202, requested.text
        assert requested.json()["renewal"]["status"] == "requested"
        again = web.post("/api/v1/registration/renewal", headers=admin)
        assert again.json()["renewal"] == requested.json()["renewal"]  # the same request
        queue = web.get("/api/v1/staff/renewals?status=requested", headers=staff).json()
        assert [(q["trade_registration_number"], q["status"], q["validity"])
                for q in queue] == [(number, "requested", "expiring")]

        renewed = web.post(f"/api/v1/staff/registrations/{number}/renewal", headers=staff,
                           json={"registration_fee_receipt_no": "R-2028-77"})
        assert renewed.status_code == 200, renewed.text
        new = date.fromisoformat(renewed.json()["valid_until"])
        assert new == two_years_on(old + timedelta(days=1))
        # a double click renews once
        repeated = web.post(f"/api/v1/staff/registrations/{number}/renewal", headers=staff,
                            json={"registration_fee_receipt_no": "R-2028-77"})
        assert repeated.json()["valid_until"] == new.isoformat()
        view = web.get("/api/v1/registration", headers=admin).json()
        assert (view["valid_until"], view["status"]) == (new.isoformat(), "valid")
        assert view["renewal"]["status"] == "renewed"
        assert web.get("/api/v1/staff/renewals?status=requested", headers=staff).json() == []
        # the trade registration certificate, issued again for the new period, no password
        certificate = pdfs.text(web.get(f"/api/v1/staff/registrations/{number}/certificate.pdf",
                                        headers=staff).content, layout=True)
        assert f"{new.year}年{new.month}月{new.day}日" in certificate
        assert "初期パスワード" not in certificate

    mail = wait_for(lambda: [m for m in smtp_sink.messages() if m["Subject"] == RENEWED_SUBJECT],
                    message="the renewal mail")
    assert len(mail) == 1 and CONTACT in mail[0]["To"]
    body = mail[0].get_content()
    assert f"新しい有効期限: {new.isoformat()}" in body and "R-2028-77" in body
    assert "貿易登録手数料" in body and "REG-" not in body

    history = db_session("registration").scalars(select(Renewal)).all()
    assert [(h.registration_fee_receipt_no, h.previous_valid_until, h.valid_until,
             h.renewed_by) for h in history] == [("R-2028-77", old, new, "staff10")]
    # the old period's 10-day reminder does not come; the new period's reminders do
    assert rpc_client.registration.run_daily_jobs(
        (old - timedelta(days=10)).isoformat())["renewal_reminders"] == 0
    assert rpc_client.registration.run_daily_jobs(
        (new - timedelta(days=30)).isoformat())["renewal_reminders"] == 1


def test_an_expired_registration_is_renewed_from_today(smtp_sink, saitama, web, rpc_client,
                                                      db_session):
    # REG-9: after expiry no new application can start; it can still be renewed, at the
    # counter without a request too, from today
    number = approved_registration(web, smtp_sink, rpc_client)
    ids = company_ids(db_session, rpc_client, number)
    admin, staff = login(web, ids.admin), staff_headers(web, rpc_client, "staff10")
    old = date.fromisoformat(web.get("/api/v1/registration", headers=admin)
                             .json()["valid_until"])
    today = old + timedelta(days=45)
    with clock.frozen(on(today)):
        admin, staff = login(web, ids.admin), staff_login(web)
        assert rpc_client.registration.registration_validity("1504", number)["valid"] is False
        assert web.get("/api/v1/registration", headers=admin).json()["status"] == "expired"
        renewed = web.post(f"/api/v1/staff/registrations/{number}/renewal", headers=staff,
                           json={"registration_fee_receipt_no": "R-9001"})
        assert renewed.status_code == 200, renewed.text
        assert renewed.json()["valid_until"] == two_years_on(today).isoformat()
        assert rpc_client.registration.registration_validity("1504", number)["valid"] is True
        [counter] = web.get("/api/v1/staff/renewals?status=renewed", headers=staff).json()
        assert counter["requested_at"] is None and counter["previous_valid_until"] == \
            old.isoformat()


def test_renewal_input_and_another_chamber(smtp_sink, saitama, web, rpc_client, db_session):
    # ID-9: another chamber's staff do not find the registration; a receipt is required
    number = approved_registration(web, smtp_sink, rpc_client)
    rpc_client.identity.add_chamber({"cci_code": "1301", "name_ja": "東京商工会議所",
                                     "name_en": "Tokyo CCI"})
    rpc_client.identity.add_staff({"cci_code": "1301", "login_id": "tokyo01",
                                   "password": "Staff2026x"})
    tokyo = bearer(web.post("/api/v1/sessions", json={
        "cci_code": "1301", "login_id": "tokyo01", "password": "Staff2026x"}).json()["token"])
    session = db_session("registration")
    today = clock.japan_today()
    session.execute(update(Registration).values(valid_until=today))  # open for renewal
    session.commit()
    other = web.post(f"/api/v1/staff/registrations/{number}/renewal", headers=tokyo,
                     json={"registration_fee_receipt_no": "R-1"})
    assert other.status_code == 404
    assert web.get("/api/v1/staff/renewals", headers=tokyo).json() == []

    staff = staff_headers(web, rpc_client, "staff10")
    empty = web.post(f"/api/v1/staff/registrations/{number}/renewal", headers=staff,
                     json={"registration_fee_receipt_no": ""})
    assert empty.status_code == 422
    assert "registration_fee_receipt_no" in empty.json()["error"]["fields"]
    assert db_session("registration").scalars(select(Renewal)).all() == []
    assert session.scalar(select(Registration.valid_until)) == today
