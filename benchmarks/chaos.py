"""`make chaos` (issue 12): N complete journeys at once through the API while every process
is killed in turn and RabbitMQ restarts once; then nothing may be lost or done twice.

A journey is what an exporter and the chamber do, over HTTP only (the one shortcut: the
signer's first-login steps, ID-2/ID-5, tested on their own, are skipped in the database as the
API tests do): invitation (the mail read from the sink) → registration application → staff
upload the signature and approve → the signer applies for a certificate of origin with its
invoice → staff certify → card payment on the local Stripe server → print the ORIGINAL → the
QR code's verification answers valid. Every client behaves as a careful one would: a refused
connection, a 502/503/504 or a 429 is retried after a pause (honouring Retry-After), every
POST carries an Idempotency-Key, and a step whose first answer was lost is checked before it
is repeated where repeating it would not be the same.

Meanwhile each process of `tradecert run` gets SIGKILL in turn (documents, issuance, payment,
notify, identity, registration, the gateway; `make run`'s supervisor restarts them), then
RabbitMQ is restarted once (`--no-broker-restart` leaves it alone: it is the machine's
broker, and anything else using it sees the restart too).

Then every journey is checked: finished; one certificate per journey, every number unique;
every payment charged once at Stripe (the local server's own intents compared with ours);
every mail sent exactly once (each journey's mails against the first, calm journey's). A
table is printed and var/bench/chaos.json written:
{journeys, completed, lost, duplicated_certificates, duplicated_charges, duplicated_mails,
missing_mails, broker_restart_recovery_s, ...}.

    python -m benchmarks.chaos [--journeys 50] [--no-broker-restart]
"""
import argparse
import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "var" / "bench" / "chaos.json"
RABBIT_API = "http://guest:guest@127.0.0.1:15672/api"
#: killed in this order, one every `--kill-every` seconds (documents-1: one of its processes)
VICTIMS = ["documents-1", "issuance", "payment", "notify", "identity", "registration",
           "gateway"]
RETRYABLE = {429, 502, 503, 504}
STEP_DEADLINE_S = 240
#: Issue 12: the system answers /healthz 200 within this long of the broker taking
#: connections again.
BROKER_RECOVERY_TARGET_S = 15
PASSWORD = "Passw0rd1"
INVITATION_SUBJECT = "貿易登録申請手続きのご案内"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JourneyLost(Exception):
    """A step refused for good, or not done before its deadline."""


# --- the system under test ----------------------------------------------------------------

class System:
    """`tradecert run` as `make run` runs it, on free loopback ports, a vhost and databases of
    its own (removed afterwards), its var/ in a temporary folder."""

    def __init__(self, run_id: str):
        self.run_id = run_id
        self.var = Path(tempfile.mkdtemp(prefix=f"tradecert-chaos-{run_id}-"))
        self.vhost = f"tradecert_chaos_{run_id}"
        self.amqp_uri = f"pyamqp://guest:guest@127.0.0.1:5672/{self.vhost}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        os.environ.update({
            "TRADECERT_DATABASE_URL":
                f"postgresql+psycopg2://postgres@127.0.0.1:5432/tcchaos_{run_id}_<service>",
            "TRADECERT_AMQP_URI": self.amqp_uri,
            "TRADECERT_GATEWAY_ADDRESS": f"127.0.0.1:{self.port}",
            "TRADECERT_PUBLIC_URL": self.url,
            "TRADECERT_SMTP_PORT": str(free_port()),
            "TRADECERT_VAR_DIR": str(self.var),
            "TRADECERT_STRIPE_API_BASE": f"http://127.0.0.1:{free_port()}",
            "PYTHONWARNINGS": "ignore"})
        from tradecert import config

        config.load()
        self.config = config
        self.process = None

    def start(self) -> None:
        requests.put(f"{RABBIT_API}/vhosts/{self.vhost}", timeout=10).raise_for_status()
        requests.put(f"{RABBIT_API}/permissions/{self.vhost}/guest", timeout=10, json={
            "configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
        self.log = open(self.var / "run.out", "wb")  # noqa: SIM115 — closed in stop()
        self.process = subprocess.Popen([sys.executable, "-m", "operations.cli", "run"],
                                        stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        if self.healthy_within(240) is None:
            raise RuntimeError(f"the system did not become healthy; see {self.var}/log/")

    def healthy_within(self, seconds: float, failing: dict | None = None) -> float | None:
        """Seconds until /healthz answered 200, or None. `failing`, when given, gets each
        service /healthz named meanwhile, with the last second it did."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            try:
                answer = requests.get(f"{self.url}/healthz", timeout=3)
            except requests.RequestException:
                answer = None
            if answer is not None and answer.status_code == 200:
                return time.monotonic() - started
            if answer is not None and failing is not None and answer.status_code == 503:
                for name in answer.json().get("failing", []):
                    failing[name] = round(time.monotonic() - started, 1)
            time.sleep(0.25)
        return None

    def pid(self, name: str) -> int | None:
        path = self.var / "run" / f"{name}.pid"
        return int(path.read_text()) if path.exists() else None

    def kill(self, name: str) -> bool:
        pid = self.pid(name)
        if pid is None:
            return False
        try:
            os.kill(pid, signal.SIGKILL)
            return True
        except ProcessLookupError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
        requests.delete(f"{RABBIT_API}/vhosts/{self.vhost}", timeout=30)
        from tradecert import SERVICES
        from tradecert.db import drop_database

        for service in SERVICES:
            drop_database(self.config.database_url(service))

    def engine(self, service: str):
        from tradecert.db import make_engine

        return make_engine(self.config.database_url(service))

    def staff_login(self) -> tuple[str, str]:
        from operations.supervisor import SEED_STAFF_LOGIN

        return SEED_STAFF_LOGIN, (self.var / "staff-login.txt").read_text().strip()

    def stripe(self):
        import stripe

        settings = self.config.section("PAYMENT")["stripe"]
        return stripe.StripeClient(settings["secret_key"],
                                   base_addresses={"api": settings["api_base"]})


class Mails:
    """The sink's Maildir, read as it grows, by recipient."""

    def __init__(self, maildir: Path):
        self.new = maildir / "new"
        self.seen: set[str] = set()
        self.by_recipient: dict[str, list] = collections.defaultdict(list)
        self.lock = threading.Lock()

    def refresh(self) -> int:
        import email
        import email.policy

        with self.lock:
            if not self.new.exists():
                return 0
            for path in sorted(self.new.iterdir()):
                if path.name in self.seen:
                    continue
                self.seen.add(path.name)
                message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for recipient in str(message["To"]).split(","):
                    self.by_recipient[recipient.strip().lower()].append(message)
            return len(self.seen)

    def of(self, recipient: str) -> list:
        self.refresh()
        with self.lock:
            return list(self.by_recipient.get(recipient.lower(), []))


# --- one journey ---------------------------------------------------------------------------

class Journey:
    def __init__(self, system: System, mails: Mails, staff: dict, n: int):
        self.system, self.mails, self.staff, self.n = system, mails, staff, n
        self.http = requests.Session()
        # each exporter's office has its own address, as the trusted proxy (loopback) says
        self.http.headers["X-Forwarded-For"] = f"198.51.{100 + n // 250}.{n % 250 + 1}"
        self.contact = f"chaos{n}-contact@example.jp"
        self.signer = f"chaos{n}-signer@example.jp"
        self.retries = 0
        self.trade_number = self.certificate_no = self.payment_id = None
        self.lost: str | None = None
        self.seconds = 0.0

    # every request goes through here
    def call(self, step: str, method: str, path: str, ok=(200, 201, 202, 204),
             headers=None, already_done=None, **kwargs) -> requests.Response | None:
        """The answer in `ok`. Connection failures, 502-504 and 429 are retried; once an
        earlier try may have done the work, `already_done()` is asked before a refusal
        counts (it answers None when the step is not done)."""
        headers = {**(headers or {})}
        if method == "POST":
            headers["Idempotency-Key"] = f"chaos-{self.system.run_id}-{self.n}-{step}"
        deadline, attempt, uncertain = time.monotonic() + STEP_DEADLINE_S, 0, False
        while True:
            attempt += 1
            try:
                answer = self.http.request(method, self.system.url + path, headers=headers,
                                           timeout=60, **kwargs)
            except requests.RequestException:
                answer, uncertain = None, True
            if answer is not None and answer.status_code in ok:
                return answer
            if answer is not None and answer.status_code not in RETRYABLE:
                if uncertain and already_done is not None and (done := already_done()):
                    return done
                raise JourneyLost(f"{step}: {answer.status_code} {answer.text[:200]}")
            if answer is not None and answer.status_code != 429:
                uncertain = True
            if time.monotonic() > deadline:
                raise JourneyLost(f"{step}: no answer in {STEP_DEADLINE_S} s")
            self.retries += 1
            pause = (answer.headers.get("Retry-After") if answer is not None else None)
            time.sleep(min(float(pause), 10) if pause and pause.isdigit()
                       else min(0.25 * 2 ** attempt, 5))

    def wait(self, what: str, predicate, seconds: float = STEP_DEADLINE_S):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if value := predicate():
                    return value
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise JourneyLost(f"{what}: not seen in {seconds} s")

    def run(self) -> "Journey":
        started = time.monotonic()
        try:
            self.register()
            user = self.log_in_signer()
            application_id = self.apply(user)
            self.certify(application_id)
            self.pay(user, application_id)
            self.print_and_verify(user, application_id)
        except JourneyLost as lost:
            self.lost = str(lost)
        except Exception as exc:  # noqa: BLE001 — a harness bug must not hide the others
            self.lost = f"harness: {exc!r}"
        self.seconds = time.monotonic() - started
        return self

    def register(self) -> None:
        from tests.api.registration_data import SIGNERS, company, invitation_token
        from tests.helpers.scans import frame, paper, scanned, sign

        self.call("invite", "POST", "/api/v1/chambers/1504/registration-invitations",
                  json={"email": self.contact, "agree_rules": True})
        mail = self.wait("the invitation mail", lambda: [
            m for m in self.mails.of(self.contact) if m["Subject"] == INVITATION_SUBJECT])[0]
        # the same invitation token again answers the same application (API.md)
        started = self.call("start", "POST", "/api/v1/registration-applications", json={
            "invitation_token": invitation_token(mail), "agree_privacy": True,
            "agree_terms": True}).json()
        number = started["application_number"]
        app = {"Authorization": f"Bearer {started['application_token']}"}
        base = f"/api/v1/registration-applications/{number}"
        data = company(name_en=f"Chaos Trading {self.n}")
        data["contact"] = {**data["contact"], "email": self.contact}
        self.call("company", "PUT", f"{base}/company", headers=app, json=data)

        def signer_added():
            signers = self.call("read", "GET", base, headers=app).json().get("signers") or []
            return next((s for s in signers if s.get("email") == self.signer), None)

        signer = self.call("signer", "POST", f"{base}/signers", headers=app,
                           json={**SIGNERS[0], "email": self.signer},
                           already_done=lambda: signer_added() and _Answer(signer_added()))
        signer_id = signer.json()["signer_id"]
        self.call("submit", "POST", f"{base}/submission", headers=app, already_done=lambda: (
            self.call("read", "GET", base, headers=app).json()["status"] == "submitted"
            and _Answer({})))
        staff_base = f"/api/v1/staff/registration-applications/{number}"
        self.call("signature", "PUT", f"{staff_base}/signers/{signer_id}/signature",
                  headers={**self.staff, "Content-Type": "image/png"},
                  data=scanned(sign(frame(paper()))))
        approved = self.call("approve", "POST", f"{staff_base}/approval", headers=self.staff,
                             json={"registration_fee_receipt_no": f"R-{self.n}"},
                             already_done=lambda: self.approved_number(number))
        self.trade_number = approved.json()["trade_registration_number"]

    def approved_number(self, application_number: str):
        from sqlalchemy import text

        engine = self.system.engine("registration")
        try:
            with engine.connect() as conn:
                number = conn.scalar(text(
                    "SELECT trade_registration_number FROM applications "
                    "WHERE application_number = :n"), {"n": application_number})
        finally:
            engine.dispose()
        return number and _Answer({"trade_registration_number": number})

    def log_in_signer(self) -> dict:
        """The signer's user ID, its first-login steps skipped in the database (ID-2, ID-5:
        tested on their own), then a login through the API."""
        from sqlalchemy import select, update
        from sqlalchemy.orm import Session

        from services.identity.domain import hash_password
        from services.identity.models import Account, Registration
        from tradecert.db import utcnow

        engine = self.system.engine("identity")
        try:
            with Session(engine) as session, session.begin():
                registration_id = session.scalar(select(Registration.id).where(
                    Registration.trade_registration_number == self.trade_number))
                login_id = session.scalars(update(Account).where(
                    Account.registration_id == registration_id, Account.kind == "user")
                    .values(password_hash=hash_password(PASSWORD), email_verified_at=utcnow(),
                            must_change_password=False).returning(Account.login_id)).one()
        finally:
            engine.dispose()
        token = self.call("login", "POST", "/api/v1/sessions", ok=(201,), json={
            "cci_code": "1504", "login_id": login_id, "password": PASSWORD}).json()["token"]
        return {"Authorization": f"Bearer {token}"}

    def apply(self, user: dict) -> str:
        from tests.helpers.issuance import co_japan, pdf_file

        body = co_japan(goods=2)
        body["consignee"]["name"] = f"CHAOS IMPORTS {self.n}"
        application_id = self.call("apply", "POST", "/api/v1/applications", headers=user,
                                   json=body).json()["application_id"]
        base = f"/api/v1/applications/{application_id}"

        def invoice_attached():
            view = self.call("read", "GET", base, headers=user).json()
            return view.get("attachments") and _Answer(view["attachments"][0])

        self.call("attach", "POST", f"{base}/attachments", headers=user,
                  data={"kind": "commercial_invoice"},
                  files={"file": ("invoice.pdf", pdf_file(), "application/pdf")},
                  already_done=invoice_attached)
        self.call("submit-application", "POST", f"{base}/submission", headers=user,
                  already_done=lambda: self.call("read", "GET", base, headers=user).json()[
                      "status"] != "draft" and _Answer({}))
        return application_id

    def certify(self, application_id: str) -> None:
        # certifying again answers the same certificate (issue 10)
        certified = self.call("certify", "POST",
                              f"/api/v1/staff/applications/{application_id}/certification",
                              headers=self.staff)
        self.certificate_no = certified.json()["certificate_no"]

    def pay(self, user: dict, application_id: str) -> None:
        payment = self.call("pay", "POST", "/api/v1/payments", headers=user,
                            json={"application_ids": [application_id]}).json()
        self.payment_id = payment["payment_id"]
        method = self.system.stripe().v1.payment_methods.create(params={
            "type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                     "exp_year": 2030, "cvc": "123"}}).id
        self.call("confirm", "POST", f"/api/v1/payments/{self.payment_id}/confirmation",
                  headers=user, json={"payment_method": method})
        self.wait("the application paid", lambda: self.call(
            "read", "GET", f"/api/v1/applications/{application_id}",
            headers=user).json()["paid"])

    def print_and_verify(self, user: dict, application_id: str) -> None:
        from tests.helpers import pdf as pdfs

        printed = self.call("print", "GET",
                            f"/api/v1/applications/{application_id}/certificate.pdf",
                            headers=user)
        codes = pdfs.qr_codes(printed.content, dpi=150)
        if not codes:
            raise JourneyLost("print: no QR code on the certificate")
        query = {k: v[0] for k, v in parse_qs(urlsplit(codes[0]).query).items()}
        answer = self.call("verify", "GET", "/api/v1/verification", params=query).json()
        if not answer.get("valid"):
            raise JourneyLost(f"verify: {answer}")


class _Answer:
    """What `already_done` answers in place of the lost response."""

    status_code = 200

    def __init__(self, body):
        self.body = body

    def json(self):
        return self.body


# --- the faults ------------------------------------------------------------------------------

class Chaos(threading.Thread):
    def __init__(self, system: System, kill_every: float, broker_restart: bool):
        super().__init__(daemon=True)
        self.system, self.kill_every, self.broker_restart = system, kill_every, broker_restart
        self.done = threading.Event()
        self.started = time.monotonic()
        self.killed: list[dict] = []
        self.broker: dict = {}

    def run(self) -> None:
        self.started = time.monotonic()
        if not self.kill_every:  # a calm run: the harness itself checked
            return
        watchers = []
        for name in VICTIMS:  # one after another while the journeys run, not waiting for
            if self.done.wait(self.kill_every):  # the system to be healthy again
                return
            record = {"process": name, "at_s": round(time.monotonic() - self.started, 1),
                      "killed": self.system.kill(name), "healthy_again_s": None}
            self.killed.append(record)
            watchers.append(threading.Thread(target=self.watch, args=(record,), daemon=True))
            watchers[-1].start()
        if self.broker_restart and not self.done.wait(self.kill_every):
            self.broker = restart_broker(self.system)
        for watcher in watchers:
            watcher.join()

    def watch(self, record: dict) -> None:
        """How long until /healthz answers 200 again after this kill (under the journeys'
        load a service's health question waits behind its queue)."""
        back = self.system.healthy_within(180) if record["killed"] else None
        record["healthy_again_s"] = round(back, 1) if back is not None else None


def restart_broker(system: System) -> dict:
    """The machine's RabbitMQ stopped and started again; recovery is counted from the moment
    it accepts connections until the system answers /healthz 200. (`rabbitmq-diagnostics
    ping` answers once the node runs, ~9 s here before its AMQP listener takes a connection:
    counting from the ping counted the broker's own start as the system's recovery.)"""
    stopped_at = time.monotonic()
    subprocess.run(["rabbitmqctl", "shutdown"], check=False, capture_output=True, timeout=120)
    subprocess.run(["rabbitmq-server", "-detached"], check=False, capture_output=True,
                   timeout=60)
    for _ in range(240):
        if subprocess.run(["rabbitmq-diagnostics", "-q", "ping"], check=False,
                          capture_output=True).returncode == 0:
            break
        time.sleep(0.5)
    node_up_at = time.monotonic()
    deadline = node_up_at + 120
    while time.monotonic() < deadline and not accepts_connections(system.amqp_uri):
        time.sleep(0.1)
    up_at = time.monotonic()
    failing = {}  # who held /healthz back, and till when
    recovered = system.healthy_within(180, failing)
    return {"down_s": round(up_at - stopped_at, 1),
            "node_up_to_accepting_s": round(up_at - node_up_at, 1),
            "recovery_s": round(recovered, 1) if recovered is not None else None,
            "failing_until_s": failing}


def accepts_connections(amqp_uri: str) -> bool:
    """An AMQP connection to the system's vhost opens (and is closed again)."""
    import kombu

    try:
        with kombu.Connection(amqp_uri, connect_timeout=2) as connection:
            connection.connect()
        return True
    except Exception:  # noqa: BLE001 — refused, reset, not yet ready: not accepting
        return False


# --- the checks ------------------------------------------------------------------------------

def mail_subjects(mails: Mails, journey: Journey) -> collections.Counter:
    return collections.Counter(
        (role, str(message["Subject"]))
        for role, address in (("contact", journey.contact), ("signer", journey.signer))
        for message in mails.of(address))


def settle(mails: Mails, quiet_s: float = 15, at_most_s: float = 180) -> None:
    """Until no new mail came for `quiet_s` seconds: the outboxes have drained."""
    deadline, last, since = time.monotonic() + at_most_s, -1, time.monotonic()
    while time.monotonic() < deadline:
        count = mails.refresh()
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return
        time.sleep(1)


def certificate_duplicates(system: System) -> int:
    """Certificates beyond one per registration (each journey applied once), and numbers
    given twice."""
    from sqlalchemy import text

    engine = system.engine("issuance")
    try:
        with engine.connect() as conn:
            extra = conn.scalar(text(
                "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM applications "
                "WHERE certificate_no IS NOT NULL GROUP BY trade_registration_number) c"))
            reused = conn.scalar(text(
                "SELECT count(certificate_no) - count(DISTINCT certificate_no) "
                "FROM applications WHERE certificate_no IS NOT NULL"))
    finally:
        engine.dispose()
    return int(extra) + int(reused)


def charge_duplicates(system: System) -> dict:
    """Stripe's side against ours: succeeded intents per payment of ours beyond one, and
    succeeded intents whose payment we do not hold as paid."""
    from sqlalchemy import text

    client = system.stripe()
    intents, page = [], client.v1.payment_intents.list(params={"limit": 100})
    while True:
        intents += list(page.data)
        if not page.has_more:
            break
        page = client.v1.payment_intents.list(params={"limit": 100,
                                                      "starting_after": page.data[-1].id})
    succeeded = collections.Counter(
        (intent.to_dict().get("metadata") or {}).get("payment_id") for intent in intents
        if intent.status == "succeeded")
    engine = system.engine("payment")
    try:
        with engine.connect() as conn:
            paid = set(conn.scalars(text(
                "SELECT id FROM payments WHERE status IN ('succeeded', 'refunded')")))
            lines_paid_twice = conn.scalar(text(
                "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM payment_lines"
                " l JOIN payments p ON p.id = l.payment_id WHERE p.status = 'succeeded' "
                "GROUP BY l.application_id) x"))
    finally:
        engine.dispose()
    return {"duplicated": sum(n - 1 for n in succeeded.values() if n > 1)
            + int(lines_paid_twice),
            "unrecorded": sum(1 for payment_id in succeeded if payment_id not in paid),
            "stripe_intents": len(intents)}


# --- the run ---------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int,
                        default=int(os.environ.get("TRADECERT_CHAOS_JOURNEYS", "50")))
    parser.add_argument("--kill-every", type=float, default=6.0,
                        help="seconds between two kills; 0: no faults at all")
    parser.add_argument("--no-broker-restart", action="store_true")
    args = parser.parse_args(argv)

    system = System(uuid.uuid4().hex[:8])
    print(f"[chaos] starting the system in {system.var}", flush=True)
    system.start()
    try:
        result = exercise(system, args)
    finally:
        system.stop()
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print_table(result)
    print(f"[chaos] written to {RESULT}")
    recovery = result["broker_restart_recovery_s"]
    slow = not args.no_broker_restart and (
        recovery is None or recovery > BROKER_RECOVERY_TARGET_S)
    bad = (result["lost"] or result["duplicated_certificates"] or result["duplicated_charges"]
           or result["duplicated_mails"] or result["missing_mails"] or slow)
    return 1 if bad else 0


def exercise(system: System, args) -> dict:
    mails = Mails(system.config.maildir())
    login_id, password = system.staff_login()
    token = requests.post(f"{system.url}/api/v1/sessions", timeout=30, json={
        "cci_code": "1504", "login_id": login_id, "password": password}).json()["token"]
    staff = {"Authorization": f"Bearer {token}"}

    print("[chaos] a calm journey first: what every journey should leave behind", flush=True)
    reference = Journey(system, mails, staff, 0).run()
    if reference.lost:
        raise RuntimeError(f"the calm journey failed: {reference.lost}")
    settle(mails)
    expected = mail_subjects(mails, reference)

    print(f"[chaos] {args.journeys} journeys while every process is killed in turn",
          flush=True)
    chaos = Chaos(system, args.kill_every, not args.no_broker_restart)
    with ThreadPoolExecutor(max_workers=args.journeys) as pool:
        futures = [pool.submit(Journey(system, mails, staff, n).run)
                   for n in range(1, args.journeys + 1)]
        chaos.start()
        journeys = [future.result() for future in futures]
    chaos.join()  # the faults end before the checks
    settle(mails)

    completed = [j for j in journeys if not j.lost]
    duplicated_mails = missing_mails = 0
    for journey in completed:
        got = mail_subjects(mails, journey)
        duplicated_mails += sum(max(0, got[k] - expected[k]) for k in got)
        missing_mails += sum(max(0, expected[k] - got[k]) for k in expected)
    charges = charge_duplicates(system)
    return {
        "journeys": len(journeys), "completed": len(completed),
        "lost": len(journeys) - len(completed),
        "duplicated_certificates": certificate_duplicates(system),
        "duplicated_charges": charges["duplicated"],
        "duplicated_mails": duplicated_mails, "missing_mails": missing_mails,
        "broker_restart_recovery_s": chaos.broker.get("recovery_s"),
        "broker_down_s": chaos.broker.get("down_s"),
        "broker_node_up_to_accepting_s": chaos.broker.get("node_up_to_accepting_s"),
        "broker_recovery_failing_until_s": chaos.broker.get("failing_until_s"),
        "unrecorded_charges": charges["unrecorded"],
        "expected_mails_per_journey": sum(expected.values()),
        "killed": chaos.killed,
        "retries": sum(j.retries for j in journeys),
        "journey_seconds_max": round(max(j.seconds for j in journeys), 1),
        "lost_why": collections.Counter(j.lost.split(":")[0] for j in journeys if j.lost),
    }


def print_table(result: dict) -> None:
    rows = [("journeys", result["journeys"]), ("completed", result["completed"]),
            ("lost", result["lost"]),
            ("duplicated certificates", result["duplicated_certificates"]),
            ("duplicated charges", result["duplicated_charges"]),
            ("charges we do not hold as paid", result["unrecorded_charges"]),
            ("duplicated mails", result["duplicated_mails"]),
            ("missing mails", result["missing_mails"]),
            ("broker down: shutdown to accepting (s)", result["broker_down_s"]),
            ("broker restart: recovered in (s)", result["broker_restart_recovery_s"]),
            ("retries by the clients", result["retries"]),
            ("longest journey (s)", result["journey_seconds_max"])]
    width = max(len(name) for name, _ in rows)
    print(f"| {'measure'.ljust(width)} | value |\n|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")
    for kill in result["killed"]:
        print(f"  killed {kill['process']} at {kill['at_s']} s: "
              f"healthy again after {kill['healthy_again_s']} s")
    if result["lost_why"]:
        print(f"  lost at: {dict(result['lost_why'])}")


if __name__ == "__main__":
    sys.exit(main())
