"""`make bench-scale` (issue 13): many chambers on one identity service. The same requests
measured on the empty databases and again after 265 chambers' (Japan's count) registrations,
500,000 IDs, their applications, certificates and payments are loaded in bulk; then the
permission matrix across two loaded chambers. Printed as a table and written to
var/bench/scale.json (the query plans of the measured paths to var/bench/scale-plans.txt).

The system is `tradecert run` on its own ports, vhost, databases and var directory, all
removed afterwards, also on failure (benchmarks/load.py's RunningSystem). Seeded through the
services' RPCs (benchmarks/seeding.py): chamber 1504's registration whose user ID lists its
LIST_ROWS applications, one of them certified and paid; a second registration whose
certificate is copied 2 × REQUESTS times (distinct numbers and access codes) for the
verification lookups of each phase; staff IDs for the logins.

Measured, each phase alike: REQUESTS requests per scenario (LOGINS logins) after WARM_UP
unmeasured ones,
from CONCURRENCY threads each holding one keep-alive connection (requests), every request's
time kept; p50 and p99 of them.

- login: `POST /api/v1/sessions`, each thread with a staff ID of its own (argon2id).
- list: the applicant's list, `GET /api/v1/applications` with the user ID's bearer token. The
  gateway keeps a caller for 5 s (issue 12): most requests ask identity nothing, issuance
  reads the list from its database every time.
- verification: `GET /api/v1/verification?certificate_no=&access_code=&issued_on=`, each
  lookup a certificate not looked up before (the gateway's cache of answers never answers:
  every lookup reaches issuance's database), from an address of 198.18.0.0/15 each
  (benchmarks/load.py: the limit of 30 a minute per address stays on).

Loaded in bulk (benchmarks/bulk.py, COPY into each service's database; the time printed):
the chambers missing of TRADECERT_SCALE_CHAMBERS (through identity's `add_chamber`, so
payment makes their fee schedules), TRADECERT_SCALE_ACCOUNTS IDs (admin, user and sub IDs of
3/10 as many registrations, with their registration applications, signers and registrations
in registration), two issuance applications per registration (about 2/3 of them certified
and paid: certificates), their attachments and payments; then VACUUM (ANALYZE), which
autovacuum would start on its own after so many inserts, here before the measuring instead of
during it.

Cross-chamber reads: for each kind of ID (admin, user, sub, staff) of chamber A, every GET
route of the API that needs a login (tests/helpers/routes.py, the permission matrix's list)
with the ids of chamber B's loaded objects; any 2xx of a route with an id, or any list that
names one of B's objects, is a cross-chamber read. Both ways: 1504 → 1301 and 1301 → 1504.
"""
import json
import os
import threading
import time

import requests

from benchmarks.bulk import Loader, connect, fetch_one, query_all
from benchmarks.load import LOGIN_IDS, RunningSystem, http_login, paid_certificates
from benchmarks.seeding import CCI_CODE, PASSWORD, caller, registration, submitted_applications
from tradecert import config

OTHER_CHAMBER = ("1301", "東京", "Tokyo")  # B of the cross-chamber run; A is CCI_CODE
CHAMBERS = int(os.environ.get("TRADECERT_SCALE_CHAMBERS", "265"))
ACCOUNTS = int(os.environ.get("TRADECERT_SCALE_ACCOUNTS", "500000"))
REQUESTS = int(os.environ.get("TRADECERT_SCALE_REQUESTS", "1000"))
# a login is argon2id, ~240 ms of CPU (docs/DECISIONS.md, issue 12): its own count to scale
LOGINS = int(os.environ.get("TRADECERT_SCALE_LOGINS", str(REQUESTS)))
CONCURRENCY = int(os.environ.get("TRADECERT_SCALE_CONCURRENCY", "2"))
WARM_UP = 20
LIST_ROWS = 20
SCENARIOS = ("login", "list", "verification")
TARGET_RATIO = 1.2
MATRIX_TARGETS = 3  # objects of chamber B tried per route


# --- seeding through the RPCs ------------------------------------------------------------

def seed(system: RunningSystem, client) -> dict:
    from operations.supervisor import SEED_STAFF_LOGIN

    staff_password = (system.var / "staff-login.txt").read_text().strip()
    staff = caller(client, SEED_STAFF_LOGIN, staff_password, "staff.review")
    user = registration(system.maildir, client, staff, 1)["user"]
    ids = submitted_applications(client, user, LIST_ROWS)
    paid_certificates(client, staff, ids[:1])
    verifier = registration(system.maildir, client, staff, 2)["user"]
    for login_id in LOGIN_IDS[:CONCURRENCY]:
        client.identity.add_staff({"cci_code": CCI_CODE, "login_id": login_id,
                                   "password": PASSWORD})
    return {"user": user, "verifier": verifier,
            "user_token": http_login(system.url, user["login_id"], PASSWORD),
            "logins": [{"cci_code": CCI_CODE, "login_id": login_id, "password": PASSWORD}
                       for login_id in LOGIN_IDS[:CONCURRENCY]]}


def templates(user: dict) -> dict:
    """Rows the system made, for the bulk loader to copy (benchmarks/bulk.py)."""
    number = user["trade_registration_number"]
    identity, registration_db, issuance = (connect(config.database_url(s)) for s in (
        "identity", "registration", "issuance"))
    try:
        application = fetch_one(registration_db, "SELECT * FROM applications WHERE "
                                "trade_registration_number = %s", number)
        found = {
            "identity": {
                "registration": fetch_one(identity, "SELECT * FROM registrations WHERE "
                                          "trade_registration_number = %s", number),
                "user": fetch_one(identity, "SELECT * FROM accounts WHERE kind = 'user' AND "
                                  "login_id = %s", user["login_id"])},
            "registration": {
                "application": application,
                "signer": fetch_one(registration_db, "SELECT * FROM signers WHERE "
                                    "application_id = %s", application["id"]),
                "registration": fetch_one(registration_db, "SELECT * FROM registrations "
                                          "WHERE application_id = %s", application["id"])},
            "issuance": {
                "paid": fetch_one(issuance, "SELECT * FROM applications WHERE "
                                  "trade_registration_number = %s AND paid_at IS NOT NULL",
                                  number),
                "submitted": fetch_one(issuance, "SELECT * FROM applications WHERE "
                                       "trade_registration_number = %s AND status = "
                                       "'submitted' LIMIT 1", number),
                "attachment": fetch_one(issuance, "SELECT a.* FROM attachments a JOIN "
                                        "applications p ON p.id = a.application_id WHERE "
                                        "p.trade_registration_number = %s LIMIT 1", number)}}
    finally:
        for conn in (identity, registration_db, issuance):
            conn.close()
    name = found["identity"]["registration"]["company"]["name_en"]
    found["identity"]["company_name"] = found["registration"]["company_name"] = name
    return found


def verification_sets(paid: dict, verifier: dict, count: int) -> list[list[dict]]:
    """2 sets of `count` certificates of the verifier's registration, copies of the paid
    one with their own numbers (`1504-2024-…`, a year the system has not used) and access
    codes: what a verifier types for each."""
    from benchmarks.bulk import Loader, copy_rows, text_of

    loader = Loader({}, {"issuance": {"paid": paid}}, "", {CCI_CODE: paid["certificate"][
        "payload"]["chamber"]["name_en"]})
    rows, sets = [], []
    for n in range(2 * count):
        number = f"{CCI_CODE}-2024-{n + 1:06d}"
        row = {**paid, "id": os.urandom(16).hex(), "certificate_no": number,
               "access_code": loader.access_code(),
               "trade_registration_number": verifier["trade_registration_number"],
               "certificate": loader.certificate(CCI_CODE, number), "idempotency_key": None}
        rows.append(row)
    conn = connect(config.database_url("issuance"))
    try:
        columns = list(paid)
        copy_rows(conn, "applications", columns,
                  (tuple(text_of(row[c]) for c in columns) for row in rows))
        with conn.cursor() as cursor:
            cursor.execute("INSERT INTO certificate_counters (cci_code, year, last) VALUES "
                           "(%s, 2024, %s)", (CCI_CODE, 2 * count))
        conn.commit()
    finally:
        conn.close()
    for half in (rows[:count], rows[count:]):
        sets.append([{"certificate_no": row["certificate_no"],
                      "access_code": row["access_code"],
                      "issued_on": row["issued_on"].isoformat()} for row in half])
    return sets


# --- measuring ---------------------------------------------------------------------------

def measure(url: str, scenario: str, data: dict, certificates: list[dict]) -> dict:
    """WARM_UP + REQUESTS requests from CONCURRENCY threads; the times of the last REQUESTS."""
    addresses = (f"198.{18 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}" for n in range(1, 1 << 17))
    lock, times, errors = threading.Lock(), [], []
    count = LOGINS if scenario == "login" else REQUESTS
    order = iter(range(WARM_UP + count))
    lookups = iter(certificates[-(WARM_UP + count):])

    def work(worker: int) -> None:
        http = requests.Session()
        login = data["logins"][worker % len(data["logins"])]
        while True:
            with lock:
                n = next(order, None)
                if n is None:
                    return
                if scenario == "verification":
                    params, address = next(lookups), next(addresses)
            started = time.perf_counter()
            if scenario == "login":
                answer = http.post(f"{url}/api/v1/sessions", json=login, timeout=60)
                ok = answer.status_code == 201
            elif scenario == "list":
                answer = http.get(f"{url}/api/v1/applications", timeout=60, headers={
                    "Authorization": f"Bearer {data['user_token']}"})
                ok = answer.status_code == 200 and len(answer.json()["items"]) == LIST_ROWS
            else:
                answer = http.get(f"{url}/api/v1/verification", params=params, timeout=60,
                                  headers={"X-Forwarded-For": address})
                ok = answer.status_code == 200 and answer.json()["valid"]
            ms = (time.perf_counter() - started) * 1000
            with lock:
                if n >= WARM_UP:
                    times.append(ms)
                    if not ok:
                        errors.append(f"{answer.status_code} {answer.text[:200]}")

    threads = [threading.Thread(target=work, args=(w,)) for w in range(CONCURRENCY)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    times.sort()
    return {"requests": len(times), "errors": len(errors), "first_errors": errors[:3],
            "p50_ms": percentile(times, 0.50), "p99_ms": percentile(times, 0.99),
            "rps": round((WARM_UP + count) / elapsed, 1)}


def percentile(times: list[float], p: float) -> float | None:
    import math

    return round(times[max(0, math.ceil(p * len(times)) - 1)], 1) if times else None


def measure_all(url: str, data: dict, certificates: list[dict]) -> dict:
    results = {}
    for scenario in SCENARIOS:
        results[scenario] = measure(url, scenario, data, certificates)
        print(f"  {scenario}: {results[scenario]}", flush=True)
    return results


# --- the bulk load -----------------------------------------------------------------------

def chamber_list(client) -> tuple[list[str], dict[str, str]]:
    """The chambers identity keeps, topped up to CHAMBERS through `add_chamber` (Tokyo
    first, then numbered ones): their codes, and their English names."""
    conn = connect(config.database_url("identity"))
    try:
        names = dict(query_all(conn, "SELECT cci_code, name_en FROM chambers"))
    finally:
        conn.close()
    code, name_ja, name_en = OTHER_CHAMBER
    wanted = [(code, name_ja, f"{name_en} CCI")]
    n = 1000
    while len(names) + len(wanted) < CHAMBERS:
        n += 1
        if str(n) not in names and str(n) != code:
            wanted.append((str(n), f"第{n}商工会議所", f"Chamber {n} CCI"))
    for code, name_ja, name_en in wanted:
        if code not in names:
            client.identity.add_chamber({"cci_code": code, "name_ja": name_ja,
                                         "name_en": name_en})
            names[code] = name_en
    return sorted(names), names


def bulk_load(client, found: dict) -> dict:
    from services.identity.domain import hash_password

    started = time.perf_counter()
    chambers, names = chamber_list(client)
    chambers_s = time.perf_counter() - started
    urls = {service: config.database_url(service)
            for service in ("identity", "registration", "issuance", "payment")}
    loader = Loader(urls, found, hash_password(PASSWORD), names)  # ONE argon2 hash for all
    counts = loader.load(chambers, ACCOUNTS)
    by_chamber = counts.pop("by_chamber")
    load_s = time.perf_counter() - started
    for url in urls.values():
        conn = connect(url)
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        conn.close()
    return {**counts, "chambers": len(chambers), "chambers_s": round(chambers_s, 1),
            "load_s": round(load_s, 1),
            "analyze_s": round(time.perf_counter() - started - load_s, 1),
            "registrations_by_chamber": {code: by_chamber.get(code, 0)
                                         for code in (CCI_CODE, OTHER_CHAMBER[0])}}


# --- the query plans of the measured paths -------------------------------------------------

def plans(data: dict) -> dict[str, list[str]]:
    """EXPLAIN ANALYZE of every statement the measured paths run, caught as the services'
    own code runs them in this process on the loaded databases (rolled back)."""
    from services.identity import accounts, sessions
    from services.issuance import certificates, domain
    from tradecert.db import utcnow

    user_token = data["user_token"]
    found = {}

    def login(session):
        sessions.login_delay(session, CCI_CODE, data["logins"][0]["login_id"])
        sessions.login(session, CCI_CODE, data["logins"][0]["login_id"], PASSWORD)

    def listed(session):
        rows, _, _ = domain.applicant_list(session, data["user"], None, 1)
        return rows

    lookup = data["plan_lookup"]

    def verified(session):
        application = certificates.find_issued(session, lookup)
        certificates.record_lookup(session, application, utcnow())
        certificates.answer(session, application)
        certificates.record_lookups(session, [{**lookup, "at": utcnow().isoformat()}])

    conn = connect(config.database_url("identity"))
    try:  # a loaded registration with sub IDs
        registration_id = query_all(conn, "SELECT registration_id FROM accounts WHERE kind = "
                                    "'sub' ORDER BY id DESC LIMIT 1")[0][0]
    finally:
        conn.close()

    def signers(session):
        accounts.signers_with_sub_ids(session, {"registration_id": registration_id})

    for name, service, run in (
            ("login", "identity", login),
            ("authorize", "identity", lambda s: sessions.authorize(s, user_token,
                                                                   "applications.view")),
            ("list", "issuance", listed), ("verification", "issuance", verified),
            # not measured: the admin's signers with their sub IDs (ID-6.4), by registration
            ("signers with sub IDs (admin)", "identity", signers)):
        found[name] = explained(config.database_url(service), run)
    return found


def explained(url: str, run) -> list[str]:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from tradecert.db import make_engine

    engine = make_engine(url)
    caught = []

    def catch(conn, cursor, statement, parameters, context, executemany):
        if statement.split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE",
                                                    "WITH") and not executemany:
            caught.append((statement, parameters))

    lines = []
    with engine.connect() as conn:
        transaction = conn.begin()
        event.listen(conn, "before_cursor_execute", catch)
        run(Session(bind=conn))
        event.remove(conn, "before_cursor_execute", catch)
        for statement, parameters in caught:
            lines.append(" ".join(statement.split()))
            # an insert is not run twice (its unique keys): its plan only
            how = "" if statement.startswith("INSERT") else "(ANALYZE, BUFFERS) "
            plan = conn.exec_driver_sql(f"EXPLAIN {how}{statement}", parameters)
            lines.extend(f"    {row[0]}" for row in plan)
        transaction.rollback()
    engine.dispose()
    return lines


#: the tables the bulk load fills: a read of all of one is what an index must prevent
LOADED_TABLES = ("accounts", "registrations", "applications", "signers", "attachments",
                 "payments", "payment_lines", "invitations", "change_requests")


def seq_scans(found: dict[str, list[str]]) -> list[str]:
    return [f"{name}: {line.strip()}" for name, lines in found.items() for line in lines
            if "Seq Scan" in line and line.split("Seq Scan on ")[1].split()[0] in LOADED_TABLES]


# --- cross-chamber reads -----------------------------------------------------------------

def chamber_objects(cci_code: str) -> list[dict]:
    """MATRIX_TARGETS loaded registrations of the chamber with everything the routes name:
    IDs, an application with its attachment and payment, the registration application, a
    signer, a change request where it has one."""
    identity, registration_db, issuance, payment = (connect(config.database_url(s)) for s in (
        "identity", "registration", "issuance", "payment"))
    found = []
    try:
        # registrations with a sub ID, those with a change request first
        with_sub = [row[0] for row in query_all(
            identity, "SELECT r.trade_registration_number FROM registrations r WHERE "
            "r.cci_code = %s AND r.trade_registration_number LIKE %s AND EXISTS (SELECT 1 "
            "FROM accounts a WHERE a.registration_id = r.id AND a.kind = 'sub') ORDER BY r.id "
            "LIMIT 200", cci_code, f"{cci_code}-001%")]
        changed = {row[0] for row in query_all(
            registration_db, "SELECT r.trade_registration_number FROM change_requests c "
            "JOIN registrations r ON r.id = c.registration_id WHERE r.cci_code = %s", cci_code)}
        numbers = sorted(with_sub, key=lambda number: number not in changed)[:MATRIX_TARGETS]
        for number in numbers:
            ids = dict(query_all(identity, "SELECT a.kind, min(a.login_id) FROM accounts a "
                                 "JOIN registrations r ON r.id = a.registration_id WHERE "
                                 "r.cci_code = %s AND r.trade_registration_number = %s "
                                 "GROUP BY a.kind", cci_code, number))
            application = fetch_one(registration_db, "SELECT a.application_number, "
                                    "s.signer_id, c.change_request_number FROM applications a "
                                    "JOIN signers s ON s.application_id = a.id LEFT JOIN "
                                    "change_requests c ON c.cci_code = a.cci_code AND "
                                    "c.registration_id = (SELECT id FROM registrations WHERE "
                                    "application_id = a.id) WHERE a.cci_code = %s AND "
                                    "a.trade_registration_number = %s LIMIT 1",
                                    cci_code, number)
            issued = fetch_one(issuance, "SELECT p.id, p.certificate_no, a.id AS attachment_id "
                               "FROM applications p JOIN attachments a ON a.application_id = "
                               "p.id WHERE p.cci_code = %s AND p.trade_registration_number = "
                               "%s AND p.paid_at IS NOT NULL LIMIT 1", cci_code, number)
            paid = fetch_one(payment, "SELECT payment_id FROM payment_lines WHERE "
                             "application_id = %s", issued["id"])
            found.append({"cci_code": cci_code, "number": number, "ids": ids,
                          "application_number": application["application_number"],
                          "signer_id": application["signer_id"],
                          "change_request_number": application["change_request_number"]
                          or f"C{cci_code}-2025-99999",
                          "application_id": issued["id"],
                          "certificate_no": issued["certificate_no"],
                          "attachment_id": issued["attachment_id"],
                          "payment_id": paid["payment_id"]})
    finally:
        for conn in (identity, registration_db, issuance, payment):
            conn.close()
    return found


def filled(url: str, target: dict) -> str | None:
    """The route with chamber B's object's ids; None for a route that takes no id of an
    object (a month)."""
    if "<month>" in url:
        return None
    login_id = target["ids"]["sub"] if url.startswith("/api/v1/sub-ids/") \
        else target["ids"]["user"]
    number = target["number"] if url.startswith("/api/v1/staff/registrations/") \
        else target["application_number"]
    return (url.replace("<login_id>", login_id)
            .replace("<application_id>", target["application_id"])
            .replace("<attachment_id>", target["attachment_id"])
            .replace("<payment_id>", target["payment_id"])
            .replace("<change_request_id>", target["change_request_number"])
            .replace("<number>", number).replace("<signer_id>", target["signer_id"])
            .replace("<form>", "signature-registration" if "change" in url else "pledge"))


def markers(target: dict) -> list[str]:
    """What names chamber B's object in an answer."""
    return [target["number"], target["application_id"], target["payment_id"],
            target["certificate_no"], target["application_number"],
            *target["ids"].values()]


def cross_chamber(url: str, own: dict, staff_login: str, others: list[dict]) -> dict:
    """Chamber A's admin, user, sub and staff IDs (of `own`, a loaded registration) on every
    GET route that needs a login, with chamber B's objects' ids: the reads that answered."""
    from tests.helpers.routes import login_routes

    callers = {kind: own["ids"][kind] for kind in ("admin", "user", "sub")}
    callers["staff"] = staff_login
    tokens = {kind: http_login_in(url, own["cci_code"], login_id)
              for kind, login_id in callers.items()}
    reads, requests_sent, answered = [], 0, {}
    for method, rule, _ in login_routes():
        if method != "GET":
            continue
        for kind, token in tokens.items():
            for target in others:
                path = filled(rule, target) if "<" in rule else rule
                if path is None:
                    continue
                answer = requests.get(f"{url}{path}", timeout=60,
                                      headers={"Authorization": f"Bearer {token}"})
                requests_sent += 1
                answered[answer.status_code] = answered.get(answer.status_code, 0) + 1
                revealed = answer.ok and ("<" in rule or any(
                    marker in answer.text for other in others for marker in markers(other)))
                if revealed:
                    reads.append(f"{kind} of {own['cci_code']}: GET {path} → "
                                 f"{answer.status_code}")
                if "<" not in rule:
                    break  # a list has no id: one request per kind
    return {"requests": requests_sent, "answers": answered, "reads": reads}


def http_login_in(url: str, cci_code: str, login_id: str) -> str:
    answer = requests.post(f"{url}/api/v1/sessions", timeout=30, json={
        "cci_code": cci_code, "login_id": login_id, "password": PASSWORD})
    answer.raise_for_status()
    return answer.json()["token"]


# --- the report ----------------------------------------------------------------------------

def summary(load: dict) -> str:
    return ", ".join(f"{name} {value}" for name, value in load.items())


def print_table(result: dict) -> None:
    header = ("scenario", "empty p50", "empty p99", "loaded p50", "loaded p99",
              "p99 loaded/empty", "target")
    table = [header]
    for scenario in SCENARIOS:
        empty, loaded = result["detail"]["empty"][scenario], result["detail"]["loaded"][scenario]
        ratio = result["ratios"][scenario]
        table.append((scenario, f"{empty['p50_ms']}", f"{empty['p99_ms']}",
                      f"{loaded['p50_ms']}", f"{loaded['p99_ms']}", f"{ratio:.2f}×",
                      f"<= {TARGET_RATIO}×, 0 errors  " + (
                          "met" if ratio <= TARGET_RATIO and not empty["errors"]
                          and not loaded["errors"] else "NOT MET")))
    table.append(("cross-chamber reads", "", "", "", f"{result['cross_chamber_reads']}", "",
                  "0  " + ("met" if result["cross_chamber_reads"] == 0 else "NOT MET")))
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print("  ".join(cell.ljust(width) if i in (0, 6) else cell.rjust(width)
                        for i, (cell, width) in enumerate(zip(line, widths, strict=True))))


def main() -> None:
    from nameko.standalone.rpc import ClusterRpcClient

    config.load()
    out = config.var_dir() / "bench"  # before RunningSystem points VAR_DIR at its own
    detail = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(),
              "requests": REQUESTS, "concurrency": CONCURRENCY, "warm_up": WARM_UP}
    with RunningSystem() as system:
        with ClusterRpcClient(uri=system.env["TRADECERT_AMQP_URI"]) as client:
            print("seeding through the RPCs…", flush=True)
            data = seed(system, client)
            found = templates(data["user"])
            sets = verification_sets(found["issuance"]["paid"], data["verifier"],
                                     WARM_UP + REQUESTS)
            data["plan_lookup"] = sets[1][0]
            print("empty databases:", flush=True)
            detail["empty"] = measure_all(system.url, data, sets[0])
            print(f"loading {ACCOUNTS} IDs over {CHAMBERS} chambers…", flush=True)
            detail["load"] = bulk_load(client, found)
            print(f"  {summary(detail['load'])}", flush=True)
        print("loaded databases:", flush=True)
        detail["loaded"] = measure_all(system.url, data, sets[1])
        detail["plans"] = plans(data)
        detail["seq_scans"] = seq_scans(detail["plans"])
        print("cross-chamber reads…", flush=True)
        saitama, tokyo = chamber_objects(CCI_CODE), chamber_objects(OTHER_CHAMBER[0])
        detail["cross_chamber"] = {
            f"{a[0]['cci_code']}->{b[0]['cci_code']}": cross_chamber(
                system.url, a[0], "bulkstaff1", b)
            for a, b in ((saitama, tokyo), (tokyo, saitama))}
    reads = sum(len(run["reads"]) for run in detail["cross_chamber"].values())
    result = {"chambers": detail["load"]["chambers"], "accounts": detail["load"]["accounts"],
              **{phase: {f"{s}_p99_ms": detail[phase][s]["p99_ms"] for s in SCENARIOS}
                 for phase in ("empty", "loaded")},
              "cross_chamber_reads": reads,
              "ratios": {s: round(detail["loaded"][s]["p99_ms"] / detail["empty"][s]["p99_ms"],
                                  2) for s in SCENARIOS},
              "load_s": detail["load"]["load_s"], "detail": detail}
    out.mkdir(parents=True, exist_ok=True)
    plan_text = "\n\n".join(f"== {name}\n" + "\n".join(lines)
                            for name, lines in detail.pop("plans").items())
    (out / "scale-plans.txt").write_text(plan_text + "\n")
    (out / "scale.json").write_text(json.dumps(result, indent=2, ensure_ascii=False,
                                               default=str) + "\n")
    print()
    print_table(result)
    print(f"\nloaded: {summary(detail['load'])}")
    print(f"sequential scans on the measured paths: {detail['seq_scans'] or 'none'}")
    print(f"written to {out / 'scale.json'} and {out / 'scale-plans.txt'}")


if __name__ == "__main__":
    main()
