"""Bulk loading for `make bench-scale` (issue 13): many chambers' registrations, IDs,
applications, certificates and payments written straight into each service's own database
with PostgreSQL COPY, shaped as the services write them.

Each kind of row is a copy of one the running system made itself (through its RPCs, in
benchmarks/scale.py's seeding) with what differs per row filled in: numbers, IDs, chamber,
company name, dates. So the JSON bodies, the company, the certificate's payload and every
file id (signature, registration certificate, certificate PDF, attachment) are real ones.
Every bulk ID has the same password: ONE argon2id hash, computed once.

Per registration n (a chamber each in turn, `chambers` of them): one admin ID, 1 or 2 signers
with a user ID each (2 for every third), 0, 1 or 2 sub IDs (n % 3), so 10 IDs per 3
registrations; 2 issuance applications: one certified and paid (a certificate, its
attachment, its payment and receipt) and one that is a draft, submitted or certified and
paid in turn; a change request for every 50th of a chamber. Two staff IDs per chamber.

Every ID and number is given first (`assign`, in this process); then the four databases are
written at once, one thread and one transaction each: while PostgreSQL takes one COPY, this
process makes the next rows. Foreign keys are checked once per key over the whole table
before the commits, not row by row.
"""
import hashlib
import itertools
import json
import random
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import psycopg2

BATCH = 2_000  # rows made at a time
YEAR = 2025  # bulk numbers are of last year: this year's counters are the system's own
EPOCH = datetime(YEAR, 1, 1, tzinfo=UTC)
MARK = "@@"  # what a template's JSON text has where a row's value goes


def connect(url: str):
    """A psycopg2 connection from a SQLAlchemy URL (postgresql+psycopg2://...)."""
    return psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"))


def text_of(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return "\\x" + bytes(value).hex()
    return str(value)


def escaped(value: str | None) -> str:
    """A field of COPY's text format."""
    if value is None:
        return "\\N"
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\n" in value or "\r" in value or "\t" in value:
        value = value.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return value


class Rows:
    """Rows as the text COPY reads, made as PostgreSQL asks for more: the server takes one
    part while this process makes the next."""

    def __init__(self, rows):
        self.rows, self.count, self.pending = iter(rows), 0, ""

    def read(self, size: int = -1) -> str:
        while size < 0 or len(self.pending) < size:
            lines = ["\t".join(map(escaped, row)) for row in itertools.islice(self.rows, BATCH)]
            if not lines:
                break
            self.count += len(lines)
            self.pending += "\n".join(lines) + "\n"
        if size < 0:
            size = len(self.pending)
        part, self.pending = self.pending[:size], self.pending[size:]
        return part

    readline = read


def copy_rows(conn, table: str, columns: list[str], rows) -> int:
    """Rows (tuples of text or None, as text_of gives) into the table by one COPY."""
    stream = Rows(rows)
    with conn.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", stream,
                           size=1 << 20)
    return stream.count


def fetch_one(conn, query: str, *params) -> dict:
    with conn.cursor() as cursor:
        cursor.execute(query, params)
        names = [d.name for d in cursor.description]
        row = cursor.fetchone()
    if row is None:
        raise RuntimeError(f"no template row: {query} {params}")
    return dict(zip(names, row, strict=True))


def scalar(conn, query: str, *params):
    with conn.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def query_all(conn, query: str, *params) -> list[tuple]:
    with conn.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def template(value, **marks) -> str:
    """The JSON text of `value` with the strings of `marks` replaced by @@name@@."""
    text = json.dumps(value, ensure_ascii=False)
    for name, found in marks.items():
        text = text.replace(json.dumps(found, ensure_ascii=False)[1:-1], f"{MARK}{name}{MARK}")
    return text


def fill(text: str, **values) -> str:
    for name, value in values.items():
        text = text.replace(f"{MARK}{name}{MARK}", str(value))
    return text


def next_ids(conn, *tables: str) -> dict[str, int]:
    return {table: scalar(conn, f"SELECT coalesce(max(id), 0) FROM {table}") + 1
            for table in tables}


def restart_sequences(conn, *tables: str) -> None:
    with conn.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))")


class LoginIds:
    """Login IDs unique across every chamber (so an ID of one chamber names no other's),
    skipping those the system made itself."""

    def __init__(self, taken: set[str]):
        self.taken, self.n = taken, 0

    def next(self, prefix: str) -> str:
        while True:
            self.n += 1
            candidate = f"{prefix}{(self.n * 7919 + 1234567) % 10**7:07d}"
            if candidate not in self.taken:
                return candidate


def plan(chambers: list[str], accounts: int) -> list[dict]:
    """The registrations to make: chamber, trade registration serial, signers, sub IDs; as
    many as give `accounts` IDs (the last one trimmed to fit)."""
    registrations, made, serials = [], 0, dict.fromkeys(chambers, 1000)
    n = 0
    while made < accounts:
        signers, subs = 1 + (n % 3 == 0), n % 3
        left = accounts - made - 1
        signers = max(1, min(signers, left))
        subs = max(0, min(subs, left - signers))
        cci_code = chambers[n % len(chambers)]
        serials[cci_code] += 1
        registrations.append({"n": n, "cci_code": cci_code, "serial": serials[cci_code],
                              "signer_count": signers, "sub_count": subs})
        made += 1 + signers + subs
        n += 1
    return registrations


SERVICES = ("identity", "registration", "issuance", "payment")


class Loader:
    """Writes the planned rows into the four databases; `templates` are rows the system
    made (see benchmarks/scale.py `templates`)."""

    def __init__(self, urls: dict[str, str], templates: dict, password_hash: str,
                 names: dict[str, str]):
        self.urls, self.t, self.password_hash, self.names = urls, templates, password_hash, names
        self.random = random.Random(13)

    def when(self, n: int) -> datetime:
        return EPOCH + timedelta(seconds=(n * 137) % (300 * 86400))

    def access_code(self) -> str:
        return "".join(self.random.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=10))

    def load(self, chambers: list[str], accounts: int) -> dict:
        registrations = plan(chambers, accounts)
        conns = {service: connect(self.urls[service]) for service in SERVICES}
        counts, errors = {}, []

        def write(service: str) -> None:
            started = time.perf_counter()
            try:
                counts.update(getattr(self, service)(conns[service], registrations))
            except Exception as error:  # noqa: BLE001 — raised again below, in this thread
                errors.append(error)
            counts[f"{service}_s"] = round(time.perf_counter() - started, 1)

        try:
            for conn in conns.values():
                without_foreign_key_triggers(conn)
            started = time.perf_counter()
            self.assign(conns["identity"], registrations)
            counts["assign_s"] = round(time.perf_counter() - started, 1)
            threads = [threading.Thread(target=write, args=(service,)) for service in SERVICES]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if errors:
                raise errors[0]
            started = time.perf_counter()
            for service, conn in conns.items():
                orphans = foreign_key_orphans(conn)
                if orphans:
                    raise RuntimeError(f"{service}: rows whose foreign key finds nothing: "
                                       f"{orphans}")
            counts["foreign_keys_s"] = round(time.perf_counter() - started, 1)
            for conn in conns.values():
                conn.commit()
        finally:
            for conn in conns.values():
                conn.close()
        counts["by_chamber"] = {}
        for reg in registrations:
            counts["by_chamber"][reg["cci_code"]] = \
                counts["by_chamber"].get(reg["cci_code"], 0) + 1
        return counts

    # --- every ID and number, first ------------------------------------------------------

    def assign(self, identity, registrations: list[dict]) -> None:
        """Identity's row ids and login IDs, signer ids, application ids and numbers: what
        more than one database's rows name."""
        ids = LoginIds({row[0] for row in query_all(identity, "SELECT login_id FROM accounts")})
        first = next_ids(identity, "registrations", "accounts")
        next_account = first["accounts"]
        self.certificates: dict[str, int] = {}
        for i, reg in enumerate(registrations):
            reg["identity_id"] = first["registrations"] + i
            reg["number"] = f"{reg['cci_code']}-{reg['serial']:06d}"
            reg["company_name"] = f"Bulk Trading {reg['n']}"
            reg["at"] = self.when(reg["n"])
            reg["admin"] = (next_account, ids.next("A"))
            next_account += 1
            reg["users"] = []
            for _ in range(reg["signer_count"]):
                signer_id = str(uuid.UUID(int=self.random.getrandbits(128), version=4))
                reg["users"].append((next_account, ids.next("U"), signer_id))
                next_account += 1
            reg["subs"] = []
            for s in range(reg["sub_count"]):
                creator = reg["users"][s % len(reg["users"])][0]
                reg["subs"].append((next_account, ids.next("S"), creator))
                next_account += 1
            applicant_kind = "sub" if reg["subs"] else "user"
            applicant = (reg["subs"] or reg["users"])[0][1]
            reg["applications"] = []
            for k, status in enumerate(("paid", ("draft", "submitted", "paid")[reg["n"] % 3])):
                at = self.when(reg["n"] * 2 + k + 86400)
                application = {"id": uuid.UUID(int=self.random.getrandbits(128)).hex,
                               "status": status, "at": at, "applicant": applicant,
                               "applicant_kind": applicant_kind}
                if status != "draft":
                    application["attachment_id"] = uuid.UUID(
                        int=self.random.getrandbits(128)).hex
                if status == "paid":
                    self.certificates[reg["cci_code"]] = last = \
                        self.certificates.get(reg["cci_code"], 0) + 1
                    application.update(
                        certificate_no=f"{reg['cci_code']}-{YEAR}-{last:06d}",
                        access_code=self.access_code(),
                        payment_id=uuid.UUID(int=self.random.getrandbits(128)).hex)
                reg["applications"].append(application)
        self.next_account = next_account

    # --- identity ------------------------------------------------------------------------

    def identity(self, conn, registrations: list[dict]) -> dict:
        t = self.t["identity"]
        company = template(t["registration"]["company"], name=t["company_name"])
        signer = t["user"]["signer"]
        signature = t["user"]["signature_file_id"]
        columns = ["id", "cci_code", "kind", "login_id", "name", "email", "password_hash",
                   "must_change_password", "created_at", "registration_id", "signer",
                   "signature_file_id", "email_verified_at", "creator_id", "notified_at",
                   "activated_at"]

        def accounts():
            for reg in registrations:
                cci_code, n, at = reg["cci_code"], reg["n"], text_of(reg["at"])
                registration_id = str(reg["identity_id"])
                account_id, login_id = reg["admin"]
                yield (str(account_id), cci_code, "admin", login_id, "連絡 担当",
                       f"admin{n}@bulk.example.jp", self.password_hash, "f", at,
                       registration_id, None, None, None, None, None, None)
                for s, (account_id, login_id, signer_id) in enumerate(reg["users"]):
                    yield (str(account_id), cci_code, "user", login_id, signer["name_ja"],
                           f"u{n}-{s}@bulk.example.jp", self.password_hash, "f", at,
                           registration_id, json.dumps({**signer, "signer_id": signer_id},
                                                       ensure_ascii=False),
                           signature, at, None, None, None)
                for s, (account_id, login_id, creator) in enumerate(reg["subs"]):
                    yield (str(account_id), cci_code, "sub", login_id, "サブ 一郎",
                           f"s{n}-{s}@bulk.example.jp", self.password_hash, "f", at,
                           registration_id, None, None, None, str(creator), at, at)
            staff_id = self.next_account
            for cci_code in sorted({reg["cci_code"] for reg in registrations}):
                for s in (1, 2):  # two staff IDs per chamber
                    yield (str(staff_id), cci_code, "staff", f"bulkstaff{s}", f"職員 {s}",
                           f"bulkstaff{s}.{cci_code}@bulk.example.jp", self.password_hash, "f",
                           text_of(EPOCH), None, None, None, None, None, None, None)
                    staff_id += 1

        made = copy_rows(conn, "registrations", ["id", "cci_code", "trade_registration_number",
                                                 "company", "created_at"], (
            (str(reg["identity_id"]), reg["cci_code"], reg["number"],
             fill(company, name=reg["company_name"]), text_of(reg["at"]))
            for reg in registrations))
        made_accounts = copy_rows(conn, "accounts", columns, accounts())
        restart_sequences(conn, "registrations", "accounts")
        staff = 2 * len({reg["cci_code"] for reg in registrations})
        return {"registrations": made, "accounts": made_accounts - staff, "staff": staff}

    # --- registration --------------------------------------------------------------------

    def registration(self, conn, registrations: list[dict]) -> dict:
        t = self.t["registration"]
        company = template(t["application"]["company"], name=t["company_name"])
        signer = t["signer"]
        first = next_ids(conn, "invitations", "applications", "signers", "registrations",
                         "change_requests")
        serials: dict[tuple[str, str], int] = {}
        for i, reg in enumerate(registrations):
            key = ("application", reg["cci_code"])
            serials[key] = serials.get(key, 0) + 1
            reg["application_number"] = f"R{reg['cci_code']}-{YEAR}-{serials[key]:05d}"
            reg["registration_id"] = first["registrations"] + i
            if reg["serial"] % 50 == 1:  # the chamber's 1st, 51st, … registration
                key = ("change", reg["cci_code"])
                serials[key] = serials.get(key, 0) + 1
                reg["change_request_number"] = f"C{reg['cci_code']}-{YEAR}-{serials[key]:05d}"
        changed = [reg for reg in registrations if "change_request_number" in reg]
        made = {}
        made["invitations"] = copy_rows(conn, "invitations", [
            "id", "cci_code", "email", "token_hash", "expires_at", "created_at"], (
            (str(first["invitations"] + i), reg["cci_code"], f"admin{reg['n']}@bulk.example.jp",
             hashlib.sha256(f"bulk-invitation-{reg['n']}".encode()).hexdigest(),
             text_of(reg["at"] + timedelta(days=60)), text_of(reg["at"]))
            for i, reg in enumerate(registrations)))
        made["registration_applications"] = copy_rows(conn, "applications", [
            "id", "application_number", "cci_code", "invitation_id", "email", "status",
            "company", "agreed_privacy_at", "agreed_terms_at", "created_at", "updated_at",
            "submitted_at", "trade_registration_number"], (
            (str(first["applications"] + i), reg["application_number"], reg["cci_code"],
             str(first["invitations"] + i), f"admin{reg['n']}@bulk.example.jp", "approved",
             fill(company, name=reg["company_name"]), *[text_of(reg["at"])] * 5,
             reg["number"]) for i, reg in enumerate(registrations)))
        made["signers"] = copy_rows(conn, "signers", [
            "id", "signer_id", "application_id", "name_ja", "name_en", "title_en", "email",
            "signature_file_id", "created_at"], (
            (str(first["signers"] + j), signer_id, str(application_id), signer["name_ja"],
             signer["name_en"], signer["title_en"], email, signer["signature_file_id"], at)
            for j, (signer_id, application_id, email, at) in enumerate(
                (signer_id, first["applications"] + i, f"u{reg['n']}-{s}@bulk.example.jp",
                 text_of(reg["at"]))
                for i, reg in enumerate(registrations)
                for s, (_, _, signer_id) in enumerate(reg["users"]))))
        copy_rows(conn, "registrations", [
            "id", "cci_code", "trade_registration_number", "application_id", "company",
            "registration_fee_receipt_no", "admin_login_id", "certificate_file_id",
            "valid_from", "valid_until", "approved_at"], (
            (str(first["registrations"] + i), reg["cci_code"], reg["number"],
             str(first["applications"] + i), fill(company, name=reg["company_name"]),
             f"R-{reg['n']}", reg["admin"][1], t["registration"]["certificate_file_id"],
             text_of(reg["at"].date()), text_of(reg["at"].date().replace(year=YEAR + 2)),
             text_of(reg["at"])) for i, reg in enumerate(registrations)))
        made["change_requests"] = copy_rows(conn, "change_requests", [
            "id", "change_request_number", "cci_code", "registration_id", "status",
            "requested_by", "signers_removed", "created_at", "updated_at"], (
            (str(first["change_requests"] + i), reg["change_request_number"], reg["cci_code"],
             str(reg["registration_id"]),
             "submitted", reg["admin"][1], "[]", text_of(reg["at"]), text_of(reg["at"]))
            for i, reg in enumerate(changed)))
        restart_sequences(conn, *first)
        # the counters go on after the bulk numbers (no number is given twice)
        counters = {f"trade-{reg['cci_code']}": reg["serial"] for reg in registrations}
        counters.update({f"{kind}-{cci_code}-{YEAR}": last
                         for (kind, cci_code), last in serials.items()})
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO counters (name, value) VALUES (%s, %s) ON CONFLICT (name) DO "
                "UPDATE SET value = greatest(counters.value, excluded.value)",
                sorted(counters.items()))
        return made

    # --- issuance ------------------------------------------------------------------------

    def issuance(self, conn, registrations: list[dict]) -> dict:
        """Two applications per registration, by its first sub ID or, where it has none, its
        first user ID (the signer); with their attachments."""
        t = self.t["issuance"]
        columns = list(t["paid"])
        base = {status: {c: text_of(v) for c, v in t["paid" if status == "paid" else
                                                     "submitted"].items()}
                for status in ("draft", "submitted", "paid")}

        def applications():
            for reg in registrations:
                for application in reg["applications"]:
                    at = text_of(application["at"])
                    row = {**base[application["status"]],
                           "id": application["id"], "cci_code": reg["cci_code"],
                           "trade_registration_number": reg["number"],
                           "status": application["status"],
                           "applicant_login_id": application["applicant"],
                           "applicant_kind": application["applicant_kind"],
                           "applicant_account_id": "0", "signer_login_id": reg["users"][0][1],
                           "exporter_name": reg["company_name"], "created_at": at,
                           "updated_at": at, "idempotency_key": None,
                           "submitted_at": None if application["status"] == "draft" else at}
                    if application["status"] == "paid":
                        day = application["at"].date()
                        row.update(certified_at=at, paid_at=at, issued_on=text_of(day),
                                   certificate_no=application["certificate_no"],
                                   access_code=application["access_code"],
                                   print_until=text_of(day + timedelta(days=30)),
                                   certificate=self.certificate(
                                       reg["cci_code"], application["certificate_no"]))
                    yield tuple(row[c] for c in columns)

        attachment = {c: text_of(v) for c, v in t["attachment"].items()}

        def attachments():
            for reg in registrations:
                for application in reg["applications"]:
                    if "attachment_id" in application:
                        row = {**attachment, "id": application["attachment_id"],
                               "application_id": application["id"],
                               "created_at": text_of(application["at"]),
                               "created_by": application["applicant"]}
                        yield tuple(row[c] for c in attachment)

        made = copy_rows(conn, "applications", columns, applications())
        attached = copy_rows(conn, "attachments", list(attachment), attachments())
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO certificate_counters (cci_code, year, last) VALUES (%s, %s, %s) "
                "ON CONFLICT (cci_code, year) DO UPDATE SET last = "
                "greatest(certificate_counters.last, excluded.last)",
                [(cci_code, YEAR, last) for cci_code, last in sorted(self.certificates.items())])
        return {"applications": made, "certificates": sum(self.certificates.values()),
                "attachments": attached}

    def certificate(self, cci_code: str, number: str) -> str:
        """The certificate's payload as rendered, with this chamber and number."""
        t = self.t["issuance"]
        if cci_code not in t.setdefault("by_chamber", {}):
            payload = json.loads(json.dumps(t["paid"]["certificate"]))
            payload["payload"]["chamber"].update(cci_code=cci_code, name_en=self.names[cci_code])
            t["by_chamber"][cci_code] = template(payload, number=t["paid"]["certificate_no"])
        return fill(t["by_chamber"][cci_code], number=number)

    # --- payment -------------------------------------------------------------------------

    def payment(self, conn, registrations: list[dict]) -> dict:
        """A succeeded card payment with its receipt for each paid application."""
        fee = str(self.t["issuance"]["paid"].get("fee_jpy") or 2000)
        certificate_type = self.t["issuance"]["paid"]["certificate_type"]
        receipts = dict(query_all(conn, "SELECT cci_code, last FROM receipt_counters"))
        paid = [(reg, application) for reg in registrations
                for application in reg["applications"] if application["status"] == "paid"]

        def payments():
            for reg, application in paid:
                receipts[reg["cci_code"]] = last = receipts.get(reg["cci_code"], 0) + 1
                at = text_of(application["at"])
                yield (application["payment_id"], reg["cci_code"], reg["number"],
                       application["applicant"], application["applicant_kind"], "card",
                       "succeeded", fee, f"pi_bulk_{application['payment_id']}", at, at,
                       f"{reg['cci_code']}-R{last:06d}")

        made = copy_rows(conn, "payments", [
            "id", "cci_code", "trade_registration_number", "login_id", "login_kind", "kind",
            "status", "amount_jpy", "stripe_payment_intent", "created_at", "paid_at",
            "receipt_no"], payments())
        copy_rows(conn, "payment_lines", ["payment_id", "position", "application_id",
                                          "certificate_no", "certificate_type", "fee_jpy"], (
            (application["payment_id"], "1", application["id"], application["certificate_no"],
             certificate_type, fee) for _, application in paid))
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO receipt_counters (cci_code, last) VALUES (%s, %s) ON CONFLICT "
                "(cci_code) DO UPDATE SET last = excluded.last", sorted(receipts.items()))
        return {"payments": made}


def without_foreign_key_triggers(conn) -> None:
    """COPY checks each row's foreign keys one by one (a query per row and key); for this
    transaction they are not (`session_replication_role`, as pg_restore does), and are
    checked all at once before the commit (foreign_key_orphans)."""
    with conn.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")


def foreign_key_orphans(conn) -> dict[str, int]:
    """Every foreign key of the database checked over the whole table in one anti-join:
    the keys with rows that refer to nothing, and how many."""
    if scalar(conn, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                    "cardinality(conkey) > 1"):
        raise RuntimeError("a foreign key of several columns: check it here too")
    keys = query_all(conn, """
        SELECT c.conname, c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text,
               f.attname
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = c.confkey[1]
        WHERE c.contype = 'f'""")
    orphans = {}
    for name, table, column, parent, key in keys:
        count = scalar(conn, f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL "
                             f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{key} = "
                             f"t.{column})")
        if count:
            orphans[name] = count
    return orphans
