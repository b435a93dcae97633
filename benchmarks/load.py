"""`make load` (issue 12): what the whole system answers per second through HTTP, at 10
connections, each figure against the echo ceiling measured in the same run. Printed as a
table and written to var/bench/load.json.

The system is `tradecert run` itself, as `make run` starts it (every service, documents as
two processes, the gateway as one (TRADECERT_GATEWAY_PROCESSES), the mail sink, the local
Stripe), on free loopback ports with its
own vhost, databases (tcbench_<id>_<service>) and var directory, all removed afterwards. It is
seeded through the services' RPCs (benchmarks/seeding.py): a registration approved with its
signer, whose user ID is logged in over HTTP; certificates certified and paid; applications
submitted for the chamber's staff; staff IDs for the logins.

Each scenario is one run of locust (headless, its own process: locust runs on gevent, which
must never meet this process's eventlet), 10 users each holding one keep-alive connection and
sending the next request as soon as the last is answered (as `ab -k -c 10`), bounded in time:
a warm-up, then the measured window (benchmarks/locustfile.py keeps every request's time).

- echo: `GET /api/v1/echo`, one trivial RPC to identity and back: this machine's ceiling for
  an HTTP request that asks a service anything.
- authenticated_read: the applicant's list, `GET /api/v1/applications`, with a bearer token.
- verification: `GET /api/v1/verification?certificate_no=&access_code=&issued_on=` over the
  paid certificates. The limit of 30 tries a minute per address (ISS-9) stays on: the load
  tool is the trusted proxy in front of the gateway (loopback, GATEWAY.trusted_proxies) and
  reports each lookup from another client address of the benchmarking range 198.18.0.0/15
  (RFC 2544) in `X-Forwarded-For`, as a reverse proxy would for that many visitors.
- login: `POST /api/v1/sessions`, each connection with a staff ID of its own (argon2id).
- certification: staff `POST /api/v1/staff/applications/{id}/certification` over submitted
  applications, each certified once (ISS-2: the number, the certificate rendered, signed and
  stored).
"""
import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from benchmarks.documents import ROOT, Cluster
from benchmarks.seeding import (
    CCI_CODE,
    PASSWORD,
    caller,
    registration,
    submitted_applications,
)
from tradecert import SERVICES, config

CONNECTIONS = 10
WARM_UP_S, MEASURED_S = 3, 15
CERTIFICATES = 20  # paid, for the verification lookups
CERTIFICATIONS = 150  # submitted, more than 10 connections certify in MEASURED_S
LOGIN_IDS = [f"bench-login-{n:02d}" for n in range(1, CONNECTIONS + 1)]
SCENARIOS = ("echo", "authenticated_read", "verification", "login", "certification")
TARGETS = {"authenticated_read": {"of_echo": 0.8, "p99_ms": 30},
           "verification": {"rps": 1500}}


def free_port() -> int:
    from benchmarks.issuance import free_port as port

    return port()


class RunningSystem(Cluster):
    """`tradecert run` on its own vhost, databases, var directory and loopback ports; `env`
    adds settings (e.g. to measure with a cache off)."""

    def __init__(self, env: dict | None = None):
        super().__init__()
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env.pop("TRADECERT_LOG_LEVEL")  # logs as `make run` writes them
        self.env.update({
            "TRADECERT_GATEWAY_ADDRESS": f"127.0.0.1:{port}", "TRADECERT_PUBLIC_URL": self.url,
            "TRADECERT_SMTP_PORT": str(free_port()),
            "TRADECERT_STRIPE_API_BASE": f"http://127.0.0.1:{free_port()}",
            "TRADECERT_DOCUMENTS_PROCESSES": "2",
            # one gateway, as `make run` starts it: on two cores a second one (SO_REUSEPORT)
            # lost more to the contention than it gained (echo 287 -> 253 req/s, the read
            # 119 -> 97, verification 863 -> 973; docs/DECISIONS.md, issue 12). Where each
            # replica or process has a core of its own, TRADECERT_GATEWAY_PROCESSES=2.
            "TRADECERT_GATEWAY_PROCESSES": os.environ.get("TRADECERT_GATEWAY_PROCESSES", "1"),
            **(env or {})})
        self.maildir = self.var / "mail"

    def __enter__(self):
        super().__enter__()  # the vhost, this process's configuration
        run = subprocess.Popen([sys.executable, "-m", "operations.cli", "run"], env=self.env,
                               stdout=open(self.var / "run.out", "wb"),  # noqa: SIM115
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.workers.append(run)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if run.poll() is not None:
                raise RuntimeError(f"tradecert run exited; see {self.var / 'run.out'}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the system did not become healthy; see {self.var}/log")

    def __exit__(self, *exc):
        super().__exit__(*exc)  # tradecert run stopped (and every process it started)
        from tradecert.db import drop_database

        for service in SERVICES:
            drop_database(config.database_url(service))
        shutil.rmtree(self.var, ignore_errors=True)

    def pids(self) -> dict[str, int]:
        """Every process `tradecert run` started, by name."""
        return {pidfile.stem: int(pidfile.read_text())
                for pidfile in sorted((self.var / "run").glob("*.pid"))}


# --- seeding ---------------------------------------------------------------------------

def seed(system: RunningSystem, client, scenarios: list[str]) -> dict:
    """What the chosen scenarios need, through RPC, and the bearer tokens over HTTP."""
    from operations.supervisor import SEED_STAFF_LOGIN

    data = {"certificates": [], "submitted": [], "logins": []}
    if scenarios == ["echo"]:
        return data
    staff_password = (system.var / "staff-login.txt").read_text().strip()
    staff = caller(client, SEED_STAFF_LOGIN, staff_password, "staff.review")
    user = registration(system.maildir, client, staff, 1)["user"]
    # the same in every run, so that the applicant's list reads the same rows
    ids = submitted_applications(client, user, CERTIFICATES + CERTIFICATIONS)
    data["certificates"] = paid_certificates(client, staff, ids[:CERTIFICATES])
    data["submitted"] = ids[CERTIFICATES:]
    if "login" in scenarios:
        for login_id in LOGIN_IDS:
            client.identity.add_staff({"cci_code": CCI_CODE, "login_id": login_id,
                                       "password": PASSWORD})
            data["logins"].append({"cci_code": CCI_CODE, "login_id": login_id,
                                   "password": PASSWORD})
    return {**data, "user_token": http_login(system.url, user["login_id"], PASSWORD),
            "staff_token": http_login(system.url, SEED_STAFF_LOGIN, staff_password)}


def paid_certificates(client, staff: dict, ids: list[str]) -> list[dict]:
    """Certified through RPC, then paid as payment's `payment_succeeded` marks them (the card
    payment itself is not what is measured); what a verifier types for each."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from services.issuance import payments
    from services.issuance.models import Application
    from tradecert.db import make_engine, utcnow

    for application_id in ids:
        client.issuance.certify(staff, application_id)
    engine = make_engine(config.database_url("issuance"))
    with Session(engine) as session, session.begin():
        payments.mark_paid(session, {"cci_code": CCI_CODE, "application_ids": ids,
                                     "login_id": "bench", "receipt_no": "1504-R000001",
                                     "paid_at": utcnow().isoformat()})
        rows = session.scalars(select(Application).where(Application.id.in_(ids))).all()
        certificates = [{"certificate_no": row.certificate_no, "access_code": row.access_code,
                         "issued_on": row.issued_on.isoformat()} for row in rows]
    engine.dispose()
    return certificates


def http_login(url: str, login_id: str, password: str) -> str:
    answer = requests.post(f"{url}/api/v1/sessions", timeout=30, json={
        "cci_code": CCI_CODE, "login_id": login_id, "password": password})
    answer.raise_for_status()
    return answer.json()["token"]


# --- measuring -------------------------------------------------------------------------

def measure(system: RunningSystem, scenario: str, data_file: Path) -> dict:
    """One locust run of the scenario: its figures from benchmarks/locustfile.py, and where
    the time went: each process's CPU time per request (the system's processes, the load
    tool), which the other work on the machine does not change as it changes the rates,
    and how busy the machine was meanwhile."""
    result = system.var / f"locust-{scenario}.json"
    env = {**os.environ, "TRADECERT_LOAD_DATA": str(data_file),
           "TRADECERT_LOAD_RESULT": str(result), "TRADECERT_LOAD_WARM_UP_S": str(WARM_UP_S)}
    for name in list(env):  # locust has no business with the system's settings
        if name.startswith("TRADECERT_") and not name.startswith("TRADECERT_LOAD_"):
            env.pop(name)
    locust = [str(Path(sys.executable).with_name("locust")), "-f",
              str(ROOT / "benchmarks" / "locustfile.py"), "--headless", "--only-summary",
              "--users", str(CONNECTIONS), "--spawn-rate", str(CONNECTIONS),
              "--run-time", f"{WARM_UP_S + MEASURED_S}s", "--stop-timeout", "30",
              "--host", system.url, "--loglevel", "WARNING", "--exit-code-on-error", "0",
              SCENARIO_CLASSES[scenario]]
    pids = system.pids()
    before, machine_before = cpu_of(pids), machine_busy()
    tool_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = system.var / f"locust-{scenario}.out"
    with open(output, "wb") as out:
        ran = subprocess.run(locust, env=env, stdout=out, stderr=subprocess.STDOUT, check=False,
                             timeout=WARM_UP_S + MEASURED_S + 120)
    if ran.returncode != 0 or not result.exists():
        raise RuntimeError(f"locust failed on {scenario}:\n{output.read_text()[-3000:]}")
    tool_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    after, machine_after = cpu_of(pids), machine_busy()
    figures = json.loads(result.read_text())
    count = max(1, figures.pop("all_requests"))
    used = {name: (after[name] - before[name]) * 1000 / count for name in pids}
    used["load tool (locust)"] = (tool_after.ru_utime + tool_after.ru_stime
                                  - tool_before.ru_utime - tool_before.ru_stime) * 1000 / count
    busy, total = (after_ - before_ for after_, before_ in zip(machine_after, machine_before,
                                                                 strict=True))
    return {**figures, "cpu_ms_per_request": {name: round(ms, 2) for name, ms in used.items()
                                              if ms >= 0.01},
            "machine": {"busy": round(busy / total, 2) if total else None,
                        "load_average_1m": round(os.getloadavg()[0], 1)}}


def cpu_of(pids: dict[str, int]) -> dict[str, float]:
    """Seconds of CPU each process has used (user and system), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for name, pid in pids.items():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            used[name] = 0.0
            continue
        used[name] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def machine_busy() -> tuple[int, int]:
    """(busy, all) jiffies of every core since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


SCENARIO_CLASSES = {"echo": "Echo", "authenticated_read": "AuthenticatedRead",
                    "verification": "Verification", "login": "Login",
                    "certification": "Certification"}


# --- the report ------------------------------------------------------------------------

def rows_of(results: dict) -> list[dict]:
    """One row per scenario measured, with its share of the echo ceiling and its target."""
    echo = results["echo"]["rps"]
    rows = []
    for scenario in (s for s in SCENARIOS if s in results):
        figures = results[scenario]
        row = {"scenario": scenario, **figures,
               "of_echo": round(figures["rps"] / echo, 2) if echo else None}
        row["target"] = verdict(scenario, row)
        rows.append(row)
    return rows


def verdict(scenario: str, row: dict) -> str:
    wanted = TARGETS.get(scenario)
    if wanted is None:
        return "0 errors  " + ("met" if row["errors"] == 0 else "NOT MET")
    checks = []
    if "of_echo" in wanted:
        checks.append((f">= {wanted['of_echo']:.0%} of echo", row["of_echo"] >= wanted["of_echo"]))
    if "p99_ms" in wanted:
        checks.append((f"p99 <= {wanted['p99_ms']} ms", row["p99_ms"] <= wanted["p99_ms"]))
    if "rps" in wanted:
        checks.append((f">= {wanted['rps']}/s", row["rps"] >= wanted["rps"]))
    checks.append(("0 errors", row["errors"] == 0))
    return ", ".join(text for text, _ in checks) + "  " + (
        "met" if all(ok for _, ok in checks) else "NOT MET")


def print_table(rows: list[dict]) -> None:
    header = ("scenario", "req/s", "p50 ms", "p99 ms", "errors", "of echo", "target")
    table = [header] + [(r["scenario"], f"{r['rps']}", f"{r['p50_ms']}", f"{r['p99_ms']}",
                         f"{r['errors']}", f"{r['of_echo']:.0%}", r["target"]) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print("  ".join(cell.ljust(width) if i in (0, 6) else cell.rjust(width)
                        for i, (cell, width) in enumerate(zip(line, widths, strict=True))))


def hold(seconds: float) -> None:
    """Wait, ended early by SIGINT or SIGTERM (then the system is still stopped and removed)."""
    released = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: released.append(True))
    deadline = time.monotonic() + seconds
    while not released and time.monotonic() < deadline:
        time.sleep(0.5)


CPU_COLUMNS = ("gateway", "identity", "issuance", "documents", "others", "load tool (locust)")


def print_cpu(results: dict) -> None:
    """Where the time went: CPU ms per request in each process (documents, the gateway: all
    their processes; others: registration, payment, notify, the mail sink, the local Stripe),
    and how busy
    the machine was (RabbitMQ, PostgreSQL and whatever else runs on it are not counted)."""
    header = ("CPU ms per request", *CPU_COLUMNS, "machine busy", "load avg")
    table = [header]
    for scenario in (s for s in SCENARIOS if s in results):
        used = dict(results[scenario]["cpu_ms_per_request"])
        pooled = {"documents": "documents-", "gateway": "gateway-"}  # several processes
        grouped = {column: sum(v for k, v in used.items() if k.startswith(prefix))
                   for column, prefix in pooled.items()}
        grouped["others"] = sum(v for k, v in used.items() if k not in CPU_COLUMNS
                                and not k.startswith(tuple(pooled.values())))
        machine = results[scenario]["machine"]
        table.append((scenario, *(f"{used.get(c, grouped.get(c, 0.0)):.2f}"
                                  for c in CPU_COLUMNS),
                      f"{machine['busy']:.0%}", f"{machine['load_average_1m']}"))
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print("  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                        for i, (cell, width) in enumerate(zip(line, widths, strict=True))))


def main() -> None:
    from nameko.standalone.rpc import ClusterRpcClient

    parser = argparse.ArgumentParser(description="make load: " + __doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SCENARIOS),
                        help="comma-separated scenarios (echo is always measured)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment setting for the system (a before/after run)")
    parser.add_argument("--out", default="load.json", help="the file under var/bench/")
    parser.add_argument("--hold", type=float, default=0, metavar="SECONDS",
                        help="keep the seeded system up this long before measuring (to "
                             "profile it: the URL, the data and the processes are printed)")
    args = parser.parse_args()
    chosen = ["echo"] + [s for s in args.only.split(",") if s in SCENARIOS and s != "echo"]
    config.load()
    out = config.var_dir() / "bench"  # before RunningSystem points VAR_DIR at its own
    results = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(),
               "connections": CONNECTIONS, "measured_s": MEASURED_S, "warm_up_s": WARM_UP_S,
               "settings": dict(item.split("=", 1) for item in args.set)}
    with RunningSystem(results["settings"]) as system:
        with ClusterRpcClient(uri=system.env["TRADECERT_AMQP_URI"]) as client:
            data = seed(system, client, chosen)
        data_file = system.var / "load-data.json"
        data_file.write_text(json.dumps(data))
        if args.hold:
            pids = system.pids()
            print(f"holding {args.hold} s (SIGINT or SIGTERM ends it): {system.url}, data "
                  f"{data_file}, pids {pids}", flush=True)
            hold(args.hold)
        for scenario in SCENARIOS:
            if scenario in chosen:
                results[scenario] = measure(system, scenario, data_file)
                print(f"{scenario}: {results[scenario]}", flush=True)
    results["table"] = rows_of(results)
    out.mkdir(parents=True, exist_ok=True)
    (out / args.out).write_text(json.dumps(results, indent=2) + "\n")
    print()
    print_table(results["table"])
    print()
    print_cpu(results)
    print(f"\nwritten to {out / args.out}")


if __name__ == "__main__":
    main()
