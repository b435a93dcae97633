"""`make bench`, issuance (issue 10 "Speed"): how long a certification takes, and how fast the
applicant's list and the staff queue answer with 10,000 applications. Printed as a table
(metric, value, reference, ratio, target) and written to var/bench/issuance.json.

Every service runs as `make run` starts it (one `nameko run` process each, documents as a pool
of single-worker processes), with the mail sink, on a throw-away vhost and tcbench_* databases,
removed afterwards. Each figure is measured from this process through RPC, as the gateway asks.

- certification_ms_median / _p95: a staff `certify` call (ISS-2: the number, the certificate
  rendered, signed and stored, the fee fixed, in one transaction) on submitted co_japan
  applications with an invoice attached, one after another, after warm-up; each is checked to
  have stored a signed PDF. Reference, right after each: documents' `render` of the payload
  that certification sent (another certificate number, so nothing comes from its cache): the
  documents service's speed. The ratio is what certification adds (the other services asked,
  the row lock, the number, the outbox).
- applicant_list_*_p95_ms: `list_applications` (page 1; page 1 of one status; page 1 of a sub
  ID's own; page 100) with 10,000 applications in the registration, 200 calls each.
  References, timed in the same rounds: the same call for a registration with no
  applications (the empty database) and issuance's `health` (the RPC round trip).
- staff_queue_p95_ms: `staff_applications(staff, "submitted")` with those 10,000 in the
  chamber; references: another chamber's empty queue, and `health`.

The 10,000 are inserted in one SQLAlchemy Core insert, shaped like the applications the API
makes (a certified one keeps its certificate's payload, as certification does), then
VACUUM ANALYZE: the state autovacuum brings a table to, where the lists are read.
"""
import base64
import json
import logging
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta

from benchmarks.documents import Cluster
from tradecert import SERVICES, config

CCI_CODE = "1504"
PASSWORD = "Bench2026x"
STAFF_LOGIN = "bench01"
APPLICATIONS = 10_000
WARM_UP, CERTIFICATIONS = 6, 40
LIST_CALLS = 200
TARGETS = {"certification_ms_median": 300, "certification_ms_p95": 300,
           "applicant_list_p95_ms": 50, "applicant_list_status_p95_ms": 50,
           "applicant_list_sub_id_p95_ms": 50}

COMPANY = {
    "registration_type": "applicant", "membership": "member", "business_form": "corporation",
    "legal_entity_type": "kabushiki_kaisha", "legal_entity_type_other": None,
    "legal_entity_position": "after", "name_ja": "さくら貿易", "name_en": "Sakura Trading",
    "registered_address": {"postal_code": "330-0854",
                           "address_ja": "埼玉県さいたま市大宮区桜木町一丁目2番地3"},
    "current_address": {"same_as_registered": True, "postal_code": None, "address_ja": None},
    "current_address_en": "1-2-3 Sakuragicho, Omiya-ku, Saitama-shi, Saitama 330-0854, Japan",
    "contact": {"same_as_current_address": True, "postal_code": None, "address_ja": None,
                "department": "業務部", "name_ja": "鈴木 一郎", "phone": "048-000-0000",
                "email": "contact@sakura.example.jp", "is_signer": False},
    "second_hand_dealer": False, "industry": "wholesale",
    "main_products": ["general_machinery"],
}
SIGNER = {"name_ja": "山田 太郎", "name_en": "TARO YAMADA", "title_en": "EXPORT MANAGER",
          "email": "t.yamada@sakura.example.jp"}


# --- the system ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class System(Cluster):
    """Every service's processes, as `make run` starts them, and the mail sink, on the
    Cluster's throw-away vhost and databases (one per service)."""

    def __init__(self):
        super().__init__()
        self.smtp_port = free_port()
        self.env.update({"TRADECERT_SMTP_PORT": str(self.smtp_port),
                         "TRADECERT_MAILDIR": str(self.var / "mail")})

    def __enter__(self):
        super().__enter__()  # the vhost, this process's configuration, documents' database
        from operations.supervisor import SEED_CHAMBER
        from services.documents.dependencies import ChamberSigners, documents_settings
        from tradecert import migrations

        for service in SERVICES:
            migrations.upgrade(service, config.database_url(service))
        # as `make run` does: the chamber's development key before documents starts, so two
        # documents processes do not both make one at their first certificate
        ChamberSigners(documents_settings()).credentials(SEED_CHAMBER)
        self.run([sys.executable, "-m", "operations.mailsink", "--port", str(self.smtp_port),
                  "--maildir", str(self.var / "mail")], "mailsink")
        return self

    def __exit__(self, *exc):
        super().__exit__(*exc)  # workers stopped, documents' database and the vhost removed
        from tradecert.db import drop_database

        for service in SERVICES:
            drop_database(config.database_url(service))
        shutil.rmtree(self.var, ignore_errors=True)

    def run(self, argv: list[str], name: str) -> subprocess.Popen:
        with open(self.var / f"{name}.log", "ab") as log:
            worker = subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL)
        self.workers.append(worker)
        return worker

    def start_services(self) -> None:
        from operations.supervisor import Supervisor, service_class_path

        nameko = [sys.executable, "-m", "nameko", "run", "--config", str(config.config_path())]
        for service in SERVICES:
            for name, options in Supervisor.processes(service):
                self.run([*nameko, *options, service_class_path(service)], name)

    def wait_ready(self, client, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        waiting = list(SERVICES)
        while waiting and time.monotonic() < deadline:
            try:
                getattr(client, waiting[0]).health()
                waiting.pop(0)
            except Exception:  # noqa: BLE001 — not consuming yet
                time.sleep(0.5)
        if waiting:
            raise RuntimeError(f"{', '.join(waiting)} did not start; see {self.var}/*.log")

    def mails(self) -> list:
        from operations.mailsink import read

        maildir = self.var / "mail"
        return read(maildir) if (maildir / "new").exists() else []


# --- a registration ready to apply, as the API makes it --------------------------------------

def caller(client, login_id: str, password: str, action: str, cci_code: str = CCI_CODE) -> dict:
    """As the gateway does: a login, then identity's one authorization path."""
    token = client.identity.login({"cci_code": cci_code, "login_id": login_id,
                                   "password": password})["token"]
    return client.identity.authorize(token, action)


def invitation_token(system: System, email: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in system.mails():
            found = re.search(r"/registration/start\?token=(\S+)", mail.get_content())
            if found and email in mail["To"]:
                return found.group(1)
        time.sleep(0.2)
    raise RuntimeError(f"no invitation mail to {email} arrived")


def signature_scan() -> str:
    from tests.helpers.scans import frame, paper, scanned, sign

    return base64.b64encode(scanned(sign(frame(paper())))).decode("ascii")


def add_chamber(client, cci_code: str, name_ja: str, name_en: str, staff_login: str) -> dict:
    """A chamber and a staff ID of it, logged in: the staff caller."""
    from operations.supervisor import SEED_CHAMBER

    client.identity.add_chamber({
        "cci_code": cci_code, "name_ja": name_ja, "name_en": name_en,
        "rules": SEED_CHAMBER["rules"],
        "registration_fee_jpy": {"member": 0, "non_member": 16200}})
    client.identity.add_staff({"cci_code": cci_code, "login_id": staff_login,
                               "password": PASSWORD})
    return caller(client, staff_login, PASSWORD, "staff.review", cci_code)


def registration(system: System, client, staff: dict, n: int) -> dict:
    """A registration invited, applied for, its signer's signature uploaded and approved
    through registration's RPCs (identity makes the IDs, documents the certificate); its user
    ID's password set and e-mail verified as the API tests do (tests/api/issuance_flow.py),
    and a sub ID of it, active. Returns both callers."""
    from sqlalchemy import select, update
    from sqlalchemy.orm import Session

    from services.identity.domain import hash_password
    from services.identity.models import Account, Registration
    from tradecert.db import make_engine, utcnow

    email = f"contact{n}@sakura.example.jp"
    client.registration.invite(CCI_CODE, {"email": email, "agree_rules": True})
    started = client.registration.start_application({
        "invitation_token": invitation_token(system, email), "agree_privacy": True,
        "agree_terms": True})
    number, token = started["application_number"], started["application_token"]
    client.registration.save_company(number, token, {
        **COMPANY, "name_en": f"Sakura Trading {n}",
        "contact": {**COMPANY["contact"], "email": email}})
    signer = client.registration.add_signer(number, token, {
        **SIGNER, "email": f"t.yamada{n}@sakura.example.jp"})
    client.registration.submit(number, token)
    client.registration.upload_signature(staff, number, signer["signer_id"], signature_scan())
    approved = client.registration.approve(staff, number, {"registration_fee_receipt_no": "R-1"})
    trade_number = approved["trade_registration_number"]

    engine = make_engine(config.database_url("identity"))
    with Session(engine) as session, session.begin():
        registration_id = session.scalar(select(Registration.id).where(
            Registration.trade_registration_number == trade_number))
        user_id = session.scalars(update(Account).where(
            Account.registration_id == registration_id, Account.kind == "user").values(
            password_hash=hash_password(PASSWORD), email_verified_at=utcnow())
            .returning(Account.login_id)).one()
    user = caller(client, user_id, PASSWORD, "applications.apply")
    sub_id = client.identity.create_sub_id(user, {
        "name": "サブ 一郎", "password": PASSWORD,
        "email": f"sub{n}@sakura.example.jp"})["login_id"]
    with Session(engine) as session, session.begin():
        session.execute(update(Account).where(Account.login_id == sub_id).values(
            activated_at=utcnow()))
    engine.dispose()
    assert user["trade_registration_number"] == trade_number
    return {"user": user, "sub": caller(client, sub_id, PASSWORD, "applications.view")}


def seed(system: System, client) -> dict:
    """Saitama with its staff and two registrations: the measured one and one that stays
    without applications (the reference); a second chamber, Tokyo, whose queue stays empty."""
    from operations.supervisor import SEED_CHAMBER

    staff = add_chamber(client, CCI_CODE, SEED_CHAMBER["name_ja"], SEED_CHAMBER["name_en"],
                        STAFF_LOGIN)
    empty_staff = add_chamber(client, "1301", "東京商工会議所", "Tokyo CCI", "tokyo01")
    measured, empty = registration(system, client, staff, 1), registration(system, client,
                                                                           staff, 2)
    return {"staff": staff, **measured, "empty_staff": empty_staff,
            "empty_user": empty["user"], "empty_sub": empty["sub"]}


# --- measuring -------------------------------------------------------------------------------

def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def percentile(times: list[float], p: float) -> float:
    ordered = sorted(times)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def summary(times: list[float]) -> dict:
    return {"median": round(statistics.median(times), 1),
            "p95": round(percentile(times, 0.95), 1)}


def list_calls(client, callers: dict) -> dict:
    """Each list as the gateway asks for it, with 10,000 applications and on the registration
    (or chamber) that has none."""
    issuance = client.issuance
    user, sub, staff = callers["user"], callers["sub"], callers["staff"]
    empty_user, empty_sub = callers["empty_user"], callers["empty_sub"]
    return {
        "applicant_list": (lambda: issuance.list_applications(user),
                           lambda: issuance.list_applications(empty_user)),
        "applicant_list_status": (lambda: issuance.list_applications(user, "certified"),
                                  lambda: issuance.list_applications(empty_user, "certified")),
        "applicant_list_sub_id": (lambda: issuance.list_applications(sub),
                                  lambda: issuance.list_applications(empty_sub)),
        "applicant_list_page_100": (lambda: issuance.list_applications(user, None, 100),
                                    lambda: issuance.list_applications(empty_user, None, 100)),
        "staff_queue": (lambda: issuance.staff_applications(staff, "submitted"),
                        lambda: issuance.staff_applications(callers["empty_staff"],
                                                            "submitted")),
    }


def measure_lists(client, calls: dict, count: int = LIST_CALLS) -> dict:
    """`count` rounds; each round times every list, its empty reference and the RPC round
    trip one after the other, so a figure and its references share the machine's load."""
    full = {name: [] for name in calls}
    empty = {name: [] for name in calls}
    health = []
    for round_ in range(count + 10):  # the first 10: warm-up (connections, plans)
        for name, (call, reference) in calls.items():
            taken = timed(call), timed(reference)
            if round_ >= 10:
                full[name].append(taken[0])
                empty[name].append(taken[1])
        taken = timed(client.issuance.health)
        if round_ >= 10:
            health.append(taken)
    return {"lists_10000": {name: summary(times) for name, times in full.items()},
            "lists_empty": {name: summary(times) for name, times in empty.items()},
            "health": summary(health)}


def submitted_applications(client, user: dict, count: int) -> list[str]:
    """co_japan applications with an invoice attached, submitted, through issuance's RPCs."""
    from tests.helpers.issuance import co_japan, pdf_file

    invoice = base64.b64encode(pdf_file()).decode("ascii")
    ids = []
    for _ in range(count):
        application_id = client.issuance.create_application(user, co_japan())["application_id"]
        client.issuance.add_attachment(user, application_id, "commercial_invoice",
                                       "invoice.pdf", invoice)
        assert client.issuance.submit(user, application_id)["status"] == "submitted"
        ids.append(application_id)
    return ids


def measure_certification(client, staff: dict, ids: list[str]) -> dict:
    """Each certification timed, then documents' render of the payload it sent, with another
    certificate number (so the render is new to documents' cache): the two share the load."""
    from sqlalchemy.orm import Session

    from services.issuance.models import Application
    from tradecert.db import make_engine

    for application_id in ids[:WARM_UP]:  # both documents processes: fonts, templates, key
        client.issuance.certify(staff, application_id)
    certifications, renders = [], []
    engine = make_engine(config.database_url("issuance"))
    with Session(engine) as session:
        for application_id in ids[WARM_UP:]:
            certifications.append(timed(lambda: client.issuance.certify(staff, application_id)))  # noqa: B023
            application = session.get(Application, application_id)
            assert application.status == "certified", application.status
            # what certification stored: the certificate, signed
            pdf = base64.b64decode(client.documents.fetch(application.certificate_file_id)["data"])
            assert pdf.startswith(b"%PDF") and b"/ByteRange" in pdf, "not a signed PDF"
            document = application.certificate
            payload = {**document["payload"],
                       "certificate_no": document["payload"]["certificate_no"] + "-R"}
            renders.append(timed(lambda: client.documents.render(document["kind"], payload)))  # noqa: B023
    engine.dispose()
    return {"certification": summary(certifications), "render": summary(renders)}


def insert_applications(callers: dict, count: int) -> int:
    """`count` applications in the registration, as the API would have left them: a mix of
    statuses, one in five a sub ID's, newest updated first; then VACUUM ANALYZE."""
    from sqlalchemy import func, insert, select, text
    from sqlalchemy.orm import Session

    from services.issuance import domain
    from services.issuance.models import Application
    from tests.helpers.issuance import co_japan
    from tradecert.db import make_engine, utcnow

    user, sub = callers["user"], callers["sub"]
    engine = make_engine(config.database_url("issuance"))
    with Session(engine) as session, session.begin():
        model = session.scalars(select(Application).where(
            Application.status == "certified").limit(1)).one()
        existing = session.scalar(select(func.count()).select_from(Application))
        now, body = utcnow(), co_japan()
        statuses = ("draft", "draft", "submitted", "submitted", "returned", "certified",
                    "certified", "certified", "paid", "withdrawn")
        rows = []
        for n in range(count - existing):
            who = sub if n % 5 == 4 else user
            status = statuses[n % len(statuses)]
            updated = now - timedelta(minutes=n + 1)
            certified = status in ("certified", "paid")
            rows.append({
                "id": domain.new_id(), "cci_code": CCI_CODE,
                "trade_registration_number": user["trade_registration_number"],
                "certificate_type": "co_japan", "status": status,
                "applicant_login_id": who["login_id"], "applicant_kind": who["kind"],
                "applicant_account_id": who["account_id"],
                "signer_login_id": model.signer_login_id, "signer_name": model.signer_name,
                "exporter_name": model.exporter_name, "body": body,
                "consignee_name": body["consignee"]["name"],
                "destination_country": body["transport"]["to"],
                "return_reason": "the invoice is missing" if status == "returned" else None,
                "updated_at": updated,
                "submitted_at": None if status == "draft" else updated - timedelta(hours=1),
                "certificate_no": f"{CCI_CODE}-2000-{n:06d}" if certified else None,
                "access_code": domain.new_access_code() if certified else None,
                "issued_on": updated.date() if certified else None,
                "certified_at": updated if certified else None,
                "fee_jpy": model.fee_jpy if certified else None,
                "membership": model.membership if certified else None,
                "certificate": model.certificate if certified else None,
                "certificate_file_id": model.certificate_file_id if certified else None,
                "paid_at": updated if status == "paid" else None,
            })
        session.execute(insert(Application), rows)
        total = session.scalar(select(func.count()).select_from(Application))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE applications"))
    engine.dispose()
    return total


def explain(callers: dict) -> dict:
    """EXPLAIN ANALYZE of the lists' queries as domain.page_of runs them (count, then page)."""
    from sqlalchemy import func, select, text
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.orm import Session

    from services.issuance import domain
    from services.issuance.models import Application
    from tradecert.db import make_engine

    def sql(statement) -> str:
        return str(statement.compile(dialect=postgresql.dialect(),
                                     compile_kwargs={"literal_binds": True}))

    user, sub, staff = callers["user"], callers["sub"], callers["staff"]
    order = (Application.updated_at.desc(), Application.id)
    queries = {
        "applicant_list": (domain.visible(user), order),
        "applicant_list_status": (domain.visible(user).where(Application.status == "certified"),
                                  order),
        "applicant_list_sub_id": (domain.visible(sub), order),
        "staff_queue": (select(Application).where(
            Application.cci_code == staff["cci_code"], Application.submitted_at.is_not(None),
            Application.status == "submitted"), (Application.submitted_at, Application.id)),
    }
    plans = {}
    engine = make_engine(config.database_url("issuance"))
    with Session(engine) as session:
        for name, (query, by) in queries.items():
            count = select(func.count()).select_from(query.order_by(None).subquery())
            page = query.order_by(*by).limit(domain.PAGE_SIZE)
            plans[name] = {
                part: "\n".join(session.scalars(text(f"EXPLAIN ANALYZE {sql(statement)}")))
                for part, statement in (("count", count), ("page", page))}
    engine.dispose()
    return plans


# --- the report ------------------------------------------------------------------------------

def rows_of(results: dict) -> list[dict]:
    """One row per figure: its value, the reference measured in the same run, the ratio."""
    rows = []
    certification, render = results["certification"], results["render"]
    for stat in ("median", "p95"):
        rows.append({"metric": f"certification_ms_{stat}", "value": certification[stat],
                     "reference": render[stat], "reference_is": f"documents render {stat}"})
    full, empty = results["lists_10000"], results["lists_empty"]
    health = results["health"]["p95"]
    for name in ("applicant_list", "applicant_list_status", "applicant_list_sub_id",
                 "applicant_list_page_100", "staff_queue"):
        metric = f"{name}_p95_ms"
        rows.append({"metric": metric, "value": full[name]["p95"],
                     "reference": empty[name]["p95"], "reference_is": "0 applications p95",
                     "median": full[name]["median"]})
        rows.append({"metric": f"  {metric} vs RPC", "value": full[name]["p95"],
                     "reference": health, "reference_is": "health p95",
                     "target_of": metric})
    for row in rows:
        row["ratio"] = round(row["value"] / row["reference"], 2) if row["reference"] else None
        target = TARGETS.get(row["metric"])
        if target is not None:
            row["target"] = f"<= {target}  {'met' if row['value'] <= target else 'NOT MET'}"
    return rows


def print_table(rows: list[dict]) -> None:
    header = ("metric", "value", "reference", "ratio", "target")
    table = [header] + [(r["metric"], f"{r['value']}", f"{r['reference']} ({r['reference_is']})",
                         f"{r['ratio']}x", r.get("target", "")) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print("  ".join(cell.ljust(width) if i in (0, 2, 4) else cell.rjust(width)
                        for i, (cell, width) in enumerate(zip(line, widths, strict=True))))


def main() -> None:
    from nameko.standalone.rpc import ClusterRpcClient

    config.load()
    logging.getLogger("amqp").setLevel(logging.ERROR)  # as config.yaml has it for services
    out = config.var_dir() / "bench"  # before System points VAR_DIR at its own folder
    results = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(),
               "applications": APPLICATIONS, "certifications": CERTIFICATIONS,
               "list_calls": LIST_CALLS}
    with System() as system:
        system.start_services()
        # one client, used from this thread only
        with ClusterRpcClient(uri=system.env["TRADECERT_AMQP_URI"]) as client:
            system.wait_ready(client)
            callers = seed(system, client)
            ids = submitted_applications(client, callers["user"], WARM_UP + CERTIFICATIONS)
            results.update(measure_certification(client, callers["staff"], ids))
            results["applications_in_registration"] = insert_applications(callers, APPLICATIONS)
            results.update(measure_lists(client, list_calls(client, callers)))
            results["plans"] = explain(callers)
    results["table"] = rows_of(results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "issuance.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(results["table"])
    print(f"\n{results['applications_in_registration']} applications in the registration; "
          f"{CERTIFICATIONS} certifications timed; plans and details in {out / 'issuance.json'}")


if __name__ == "__main__":
    main()
