"""Browser tests: Debian's Chromium, headless, driven by Playwright, against `tradecert run`.

They run outside `nameko test` (Playwright's sync API does not live under eventlet's monkey
patching): scripts/test.sh runs them with plain pytest, beside the rest. They share one
`tradecert run` (`shared_system`), which each test finds emptied and seeded again.
"""
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import (
    database_engines,
    empty_databases,
    start_system,
    stop_system,
    wait_for,
    wait_until_healthy,
)

CHROMIUM = "/usr/bin/chromium"
# Without these Chromium keeps trying to reach Google's hosts, which this network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def pytest_collection_modifyitems(items):
    """The first browser test also waits for the shared `tradecert run` to start, beside the
    `nameko test` processes on the same two cores: 300 s, not the suite's 120, before
    pytest-timeout calls it hung."""
    for item in items:
        item.add_marker(pytest.mark.timeout(300))


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def shared_system(request, vhost_pipeline, tmp_path_factory):
    """One `tradecert run` for every browser test, on a vhost of its own: starting one (ten
    processes, their imports, migrations and the seed) cost each test more than its clicks.
    Yields (AMQP URI, the system as `start_system` gives it)."""
    from urllib.parse import urlsplit

    amqp = urlsplit(request.config.getoption("RABBIT_AMQP_URI"))
    with vhost_pipeline.get() as vhost:
        uri = f"{amqp.scheme}://{amqp.netloc}/{vhost}"
        empty_databases()  # migrated here, not by the system and a test at once
        system = start_system(uri, tmp_path_factory.mktemp("system"))
        try:
            wait_until_healthy(system[2])
            yield uri, system
        finally:
            stop_system(system)


@pytest.fixture
def rabbit_uri(shared_system):
    """The shared system's vhost (Nameko's fixture would give the test a new one)."""
    return shared_system[0]


@pytest.fixture
def running_system(shared_system):
    """The shared system as a test finds it: what the test before it set off has finished,
    every table is empty again and the chamber and its staff member seeded (as `tradecert
    run` seeds them), and the mailbox is empty. (process, url, healthz, var_dir, output)."""
    from operations.supervisor import seed_data

    process, url, healthz, var, output = system = shared_system[1]
    assert process.poll() is None, f"tradecert run ended: {var / 'run.out'}"
    wait_for(settled, 60, interval=0.2, message="the system's outboxes and mails settled")
    empty_databases()
    seed_data(var, lambda text: None)
    wait_for(settled, 60, interval=0.2, message="the seed's events published")
    for sub in ("new", "cur", "tmp"):
        for mail in (var / "mail" / sub).glob("*"):
            mail.unlink()
    yield system


def settled() -> bool:
    """No event waits in any outbox to be sent a first time and no mail waits to be sent,
    now and a moment later. (An event no service listens to, as identity's `chamber_added`
    in `tradecert run`, stays in its outbox, tried again later: it is not waiting on us.)"""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from services.notify import domain as notify
    from tradecert.outbox import UNROUTABLE, OutboxEvent

    unsent = select(func.count()).select_from(OutboxEvent).where(
        OutboxEvent.published_at.is_(None), OutboxEvent.last_error.is_distinct_from(UNROUTABLE))

    def waiting() -> int:
        count = 0
        for service, engine in database_engines().items():
            with Session(engine) as session:
                count += session.scalar(unsent)
                if service == "notify":
                    count += notify.pending_count(session)
        return count

    if waiting():
        return False
    time.sleep(0.3)
    return waiting() == 0


@pytest.fixture
def site(running_system):
    """The base URL of a running system, healthy."""
    process, url, healthz, *_ = running_system
    wait_until_healthy(healthz)
    return url


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    errors, violations = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    # issue 9: a script, style or frame the Content-Security-Policy refuses fails the test,
    # even one whose expected error status the test clears from browser_errors
    page.on("console", lambda msg: is_csp_violation(msg.text) and violations.append(msg.text))
    page.browser_errors = errors  # a test that expects an error status clears it
    yield page
    context.close()
    assert violations == [], f"Content-Security-Policy violations: {violations}"
    assert errors == [], f"errors in the browser: {errors}"


def is_csp_violation(text: str) -> bool:
    """Chromium's console message for anything the page's policy refuses."""
    return "Content Security Policy" in text or "Content-Security-Policy" in text


def log_in(page, login_id, password, button="ログイン"):
    """The chamber's login form, filled in and sent."""
    page.locator("#f-login_id").fill(login_id)
    page.locator("#f-password").fill(password)
    page.get_by_role("button", name=button, exact=True).click()


# --- the account pages' data: one registration, made through the services' RPC --------------

SIGNER_EMAIL = "yamada@sakura.example.jp"
USER_PASSWORD = "Signer2026x"
ADMIN_PASSWORD = "Admin2026x"


class Seeded:
    """A registration in the running system: its admin (initial password), a signer's user ID
    and what it takes to read the system's mail (ID-5 codes, ID-6.2 links)."""

    def __init__(self, uri, maildir, created):
        self.uri, self.maildir = uri, maildir
        self.admin = created["admin"]["login_id"]
        self.admin_initial = created["admin"]["initial_password"]
        self.user = created["users"][0]["login_id"]

    def rpc(self):
        from nameko.standalone.rpc import ClusterRpcClient

        return ClusterRpcClient(uri=self.uri)

    def mails(self, to, subject):
        from operations.mailsink import read

        if not (self.maildir / "new").exists():
            return []
        return [m for m in read(self.maildir) if m["To"] == to and m["Subject"] == subject]

    def wait_for_mail(self, to, subject, count=1):
        from tests.conftest import wait_for

        return wait_for(lambda: len(found := self.mails(to, subject)) >= count and found,
                        timeout=30, message=f"mail {subject} to {to}")[-1]

    def set_user_password(self):
        """The admin sets the signer's password (ID-4), as after its own first login (ID-2)."""
        with self.rpc() as rpc:
            token = rpc.identity.login({"cci_code": "1504", "login_id": self.admin,
                                        "password": self.admin_initial})["token"]
            caller = rpc.identity.authorize(token, "password.change")
            rpc.identity.change_password(caller, {"current_password": self.admin_initial,
                                                  "new_password": ADMIN_PASSWORD})
            caller = rpc.identity.authorize(token, "signers.set_password")
            rpc.identity.set_signer_password(caller, self.user, {"new_password": USER_PASSWORD})
            rpc.identity.logout(token)

    def verify_user(self, code_subject):
        """The signer's first login and its e-mail verification (ID-5), done over RPC."""
        import re

        with self.rpc() as rpc:
            token = rpc.identity.login({"cci_code": "1504", "login_id": self.user,
                                        "password": USER_PASSWORD})["token"]
            mail = self.wait_for_mail(SIGNER_EMAIL, code_subject)
            code = re.search(r"確認コード: (\d{6})", mail.get_content()).group(1)
            rpc.identity.confirm_email_verification(
                rpc.identity.authorize(token, "email.verify"), {"code": code})
            rpc.identity.logout(token)


@pytest.fixture
def seeded(site, running_system, rabbit_uri):
    """さくら貿易's IDs in the running system (whose mail is kept in <var>/mail)."""
    import base64

    from nameko.standalone.rpc import ClusterRpcClient

    from tests.helpers.scans import frame, paper, scanned, sign

    with ClusterRpcClient(uri=rabbit_uri) as rpc:
        scan = base64.b64encode(scanned(sign(frame(paper())))).decode()
        signature = rpc.documents.store_signature(scan)["file_id"]
        created = rpc.identity.create_registration_accounts({
            "cci_code": "1504", "trade_registration_number": "1504-000318",
            "company": {"name_ja": "さくら貿易", "name_en": "SAKURA TRADING"},
            "contact": {"name": "連絡 太郎", "email": "contact@sakura.example.jp"},
            "signers": [{"signer_id": "s1", "name_ja": "山田 太郎", "name_en": "TARO YAMADA",
                         "title_en": "EXPORT MANAGER", "email": SIGNER_EMAIL,
                         "signature_file_id": signature}]})
    return Seeded(rabbit_uri, running_system[3] / "mail", created)


# --- helpers shared by the browser tests ------------------------------------------------------

GUIDANCE = "貿易登録申請手続きのご案内"


class Mailbox:
    """The running system's mail, kept in <var>/mail by its SMTP sink."""

    def __init__(self, maildir: Path):
        self.maildir = maildir

    def wait_for(self, to: str, subject: str):
        from operations.mailsink import read

        def found():
            if not (self.maildir / "new").exists():
                return None
            mails = [m for m in read(self.maildir) if m["To"] == to and m["Subject"] == subject]
            return mails[-1] if mails else None

        return wait_for(found, timeout=30, message=f"mail {subject} to {to}")


def submitted_application(site, running_system) -> str:
    """A submitted application with two signers, made through the API (as the wizard would)."""
    import requests

    from tests.api.registration_data import SIGNERS as SIGNER_DATA
    from tests.api.registration_data import company

    api = requests.Session()
    api.post(f"{site}/api/v1/chambers/1504/registration-invitations", timeout=10,
             json={"email": "contact@sakura.example.jp", "agree_rules": True})
    mail = Mailbox(running_system[3] / "mail").wait_for("contact@sakura.example.jp", GUIDANCE)
    token = re.search(r"token=(\S+)", mail.get_content()).group(1)
    started = api.post(f"{site}/api/v1/registration-applications", timeout=10, json={
        "invitation_token": token, "agree_privacy": True, "agree_terms": True}).json()
    number, app = started["application_number"], {
        "Authorization": f"Bearer {started['application_token']}"}
    api.put(f"{site}/api/v1/registration-applications/{number}/company", headers=app,
            json=company(), timeout=10)
    for signer in SIGNER_DATA:
        api.post(f"{site}/api/v1/registration-applications/{number}/signers", headers=app,
                 json=signer, timeout=10)
    api.post(f"{site}/api/v1/registration-applications/{number}/submission", headers=app,
             timeout=10)
    return number


def staff_logs_in(page, site, running_system):
    """The seeded staff member, at the chamber's login page, and back to the queue."""
    page.goto(f"{site}/staff/registrations")
    expect(page.locator("h1")).to_have_text("ログイン")
    password = (running_system[3] / "staff-login.txt").read_text().strip()
    page.locator("#f-login_id").fill("saitama-staff")
    page.locator("#f-password").fill(password)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page).to_have_url(f"{site}/staff/registrations")


def scan_file(tmp_path, name, image) -> str:
    from tests.helpers.scans import scanned

    path = tmp_path / f"{name}.png"
    path.write_bytes(scanned(image))
    return str(path)
