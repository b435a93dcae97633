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
import shutil
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta

from benchmarks.documents import Cluster
from benchmarks.seeding import CCI_CODE, PASSWORD, caller, registration, submitted_applications
from tradecert import SERVICES, config

STAFF_LOGIN = "bench01"
APPLICATIONS = 10_000
WARM_UP, CERTIFICATIONS = 6, 40
LIST_CALLS = 200
TARGETS = {"certification_ms_median": 300, "certification_ms_p95": 300,
           "applicant_list_p95_ms": 50, "applicant_list_status_p95_ms": 50,
           "applicant_list_sub_id_p95_ms": 50}



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
        self.maildir = self.var / "mail"
        self.env.update({"TRADECERT_SMTP_PORT": str(self.smtp_port),
                         "TRADECERT_MAILDIR": str(self.maildir)})

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
                  "--maildir", str(self.maildir)], "mailsink")
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



# --- a registration ready to apply, as the API makes it --------------------------------------

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


def seed(system: System, client) -> dict:
    """Saitama with its staff and two registrations: the measured one and one that stays
    without applications (the reference); a second chamber, Tokyo, whose queue stays empty."""
    from operations.supervisor import SEED_CHAMBER

    staff = add_chamber(client, CCI_CODE, SEED_CHAMBER["name_ja"], SEED_CHAMBER["name_en"],
                        STAFF_LOGIN)
    empty_staff = add_chamber(client, "1301", "東京商工会議所", "Tokyo CCI", "tokyo01")
    measured, empty = registration(system.maildir, client, staff, 1), registration(
        system.maildir, client, staff, 2)
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
