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
"""
import csv
import hashlib
import io
import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta

import psycopg2

BATCH = 20_000
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


def copy_rows(conn, table: str, columns: list[str], rows) -> int:
    """Rows (tuples of text or None, as text_of gives) into the table by COPY, in batches."""
    count, buffer = 0, io.StringIO()
    writer = csv.writer(buffer)
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
    with conn.cursor() as cursor:
        for row in rows:
            writer.writerow(row)
            count += 1
            if count % BATCH == 0:
                buffer.seek(0)
                cursor.copy_expert(statement, buffer)
                buffer.seek(0)
                buffer.truncate()
        if buffer.tell():
            buffer.seek(0)
            cursor.copy_expert(statement, buffer)
    return count


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
                              "signers": signers, "subs": subs})
        made += 1 + signers + subs
        n += 1
    return registrations


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
        conns = {service: connect(url) for service, url in self.urls.items()}
        try:
            counts = self.identity(conns["identity"], registrations, chambers)
            counts.update(self.registration(conns["registration"], registrations))
            counts.update(self.issuance(conns["issuance"], registrations))
            counts.update(self.payment(conns["payment"], registrations))
            counts["by_chamber"] = {}
            for reg in registrations:
                counts["by_chamber"][reg["cci_code"]] = \
                    counts["by_chamber"].get(reg["cci_code"], 0) + 1
            for conn in conns.values():
                conn.commit()
        finally:
            for conn in conns.values():
                conn.close()
        return counts

    # --- identity ------------------------------------------------------------------------

    def identity(self, conn, registrations: list[dict], chambers: list[str]) -> dict:
        t = self.t["identity"]
        taken = {row[0] for row in query_all(conn, "SELECT login_id FROM accounts")}
        ids = LoginIds(taken)
        next_registration = scalar(conn, "SELECT coalesce(max(id), 0) FROM registrations") + 1
        self.next_account = scalar(conn, "SELECT coalesce(max(id), 0) FROM accounts") + 1
        company = template(t["registration"]["company"], name=t["company_name"])
        signer = t["user"]["signer"]
        registration_rows, account_rows = [], []
        for reg in registrations:
            reg["identity_id"] = next_registration
            next_registration += 1
            number = f"{reg['cci_code']}-{reg['serial']:06d}"
            reg["number"], reg["company_name"] = number, f"Bulk Trading {reg['n']}"
            at = text_of(self.when(reg["n"]))
            registration_rows.append((reg["identity_id"], reg["cci_code"], number,
                                      fill(company, name=reg["company_name"]), at))
            ids_of = {"admin": [], "user": [], "sub": []}

            def account(kind, reg=reg, at=at, ids_of=ids_of, **extra):
                row = {"id": self.next_account, "cci_code": reg["cci_code"], "kind": kind,
                       "login_id": ids.next({"admin": "A", "user": "U", "sub": "S"}[kind]),
                       "registration_id": reg["identity_id"], "created_at": at, **extra}
                self.next_account += 1
                ids_of[kind].append(row)
                account_rows.append(row)
                return row

            account("admin", name="連絡 担当", email=f"admin{reg['n']}@bulk.example.jp")
            reg["signer_ids"] = []
            for s in range(reg["signers"]):
                signer_id = str(uuid.UUID(int=self.random.getrandbits(128), version=4))
                reg["signer_ids"].append(signer_id)
                account("user", name=signer["name_ja"], email=f"u{reg['n']}-{s}@bulk.example.jp",
                        signer=json.dumps({**signer, "signer_id": signer_id},
                                          ensure_ascii=False),
                        signature_file_id=t["user"]["signature_file_id"],
                        email_verified_at=at)
            for s in range(reg["subs"]):
                account("sub", name="サブ 一郎", email=f"s{reg['n']}-{s}@bulk.example.jp",
                        creator_id=ids_of["user"][s % len(ids_of["user"])]["id"],
                        notified_at=at, activated_at=at)
            reg["accounts"] = {kind: [row["login_id"] for row in rows]
                               for kind, rows in ids_of.items()}
        staff_rows = []
        for cci_code in chambers:
            for s in range(2):
                login_id = f"bulkstaff{s + 1}"
                staff_rows.append({"id": self.next_account, "cci_code": cci_code, "kind": "staff",
                                   "login_id": login_id, "name": f"職員 {s + 1}",
                                   "email": f"{login_id}.{cci_code}@bulk.example.jp",
                                   "created_at": text_of(EPOCH)})
                self.next_account += 1
        columns = ["id", "cci_code", "kind", "login_id", "name", "email", "password_hash",
                   "must_change_password", "created_at", "registration_id", "signer",
                   "signature_file_id", "email_verified_at", "creator_id", "notified_at",
                   "activated_at"]
        copy_rows(conn, "registrations", ["id", "cci_code", "trade_registration_number",
                                          "company", "created_at"], registration_rows)
        made = copy_rows(conn, "accounts", columns, (
            tuple(self.password_hash if c == "password_hash" else "f"
                  if c == "must_change_password" else row.get(c) for c in columns)
            for row in account_rows + staff_rows))
        with conn.cursor() as cursor:
            for table in ("registrations", "accounts"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))")
        return {"registrations": len(registration_rows), "accounts": len(account_rows),
                "staff": len(staff_rows), "identity_rows": made + len(registration_rows)}

    # --- registration --------------------------------------------------------------------

    def registration(self, conn, registrations: list[dict]) -> dict:
        t = self.t["registration"]
        company = template(t["application"]["company"], name=t["company_name"])
        ids = {table: scalar(conn, f"SELECT coalesce(max(id), 0) FROM {table}") + 1
               for table in ("invitations", "applications", "signers", "registrations",
                             "change_requests")}
        invitations, applications, signers, approved, changes = [], [], [], [], []
        serials: dict[tuple[str, str], int] = {}
        for reg in registrations:
            cci_code, n = reg["cci_code"], reg["n"]
            at = self.when(n)
            email = f"admin{n}@bulk.example.jp"
            invitation_id, application_id = ids["invitations"], ids["applications"]
            ids["invitations"] += 1
            ids["applications"] += 1
            invitations.append((invitation_id, cci_code, email, hashlib.sha256(
                f"bulk-invitation-{n}".encode()).hexdigest(), text_of(at + timedelta(days=60)),
                text_of(at)))
            key = ("application", cci_code)
            serials[key] = serials.get(key, 0) + 1
            reg["application_number"] = f"R{cci_code}-{YEAR}-{serials[key]:05d}"
            filled = fill(company, name=reg["company_name"])
            applications.append((application_id, reg["application_number"], cci_code,
                                 invitation_id, email, "approved", filled, text_of(at),
                                 text_of(at), text_of(at), text_of(at), text_of(at),
                                 reg["number"]))
            for s, signer_id in enumerate(reg["signer_ids"]):
                signers.append((ids["signers"], signer_id, application_id, t["signer"]["name_ja"],
                                t["signer"]["name_en"], t["signer"]["title_en"],
                                f"u{n}-{s}@bulk.example.jp", t["signer"]["signature_file_id"],
                                text_of(at)))
                ids["signers"] += 1
            approved.append((ids["registrations"], cci_code, reg["number"], application_id,
                             filled, f"R-{n}", reg["accounts"]["admin"][0],
                             t["registration"]["certificate_file_id"], text_of(at.date()),
                             text_of(at.date().replace(year=YEAR + 2)), text_of(at)))
            registration_id = ids["registrations"]
            ids["registrations"] += 1
            if reg["serial"] % 50 == 1:  # the chamber's 1st, 51st, … registration
                key = ("change", cci_code)
                serials[key] = serials.get(key, 0) + 1
                reg["change_request_number"] = f"C{cci_code}-{YEAR}-{serials[key]:05d}"
                changes.append((ids["change_requests"], reg["change_request_number"], cci_code,
                                registration_id, "submitted", reg["accounts"]["admin"][0], "[]",
                                text_of(at), text_of(at)))
                ids["change_requests"] += 1
        copy_rows(conn, "invitations", ["id", "cci_code", "email", "token_hash", "expires_at",
                                        "created_at"], invitations)
        copy_rows(conn, "applications", [
            "id", "application_number", "cci_code", "invitation_id", "email", "status",
            "company", "agreed_privacy_at", "agreed_terms_at", "created_at", "updated_at",
            "submitted_at", "trade_registration_number"], applications)
        copy_rows(conn, "signers", ["id", "signer_id", "application_id", "name_ja", "name_en",
                                    "title_en", "email", "signature_file_id", "created_at"],
                  signers)
        copy_rows(conn, "registrations", [
            "id", "cci_code", "trade_registration_number", "application_id", "company",
            "registration_fee_receipt_no", "admin_login_id", "certificate_file_id",
            "valid_from", "valid_until", "approved_at"], approved)
        copy_rows(conn, "change_requests", [
            "id", "change_request_number", "cci_code", "registration_id", "status",
            "requested_by", "signers_removed", "created_at", "updated_at"], changes)
        with conn.cursor() as cursor:
            for table in ids:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))")
            # the counters go on after the bulk numbers (no number is given twice)
            counters = {f"trade-{reg['cci_code']}": reg["serial"] for reg in registrations}
            counters.update({f"{kind}-{cci_code}-{YEAR}": last
                             for (kind, cci_code), last in serials.items()})
            cursor.executemany(
                "INSERT INTO counters (name, value) VALUES (%s, %s) ON CONFLICT (name) DO "
                "UPDATE SET value = greatest(counters.value, excluded.value)",
                sorted(counters.items()))
        return {"registration_applications": len(applications), "signers": len(signers),
                "change_requests": len(changes)}

    # --- issuance ------------------------------------------------------------------------

    def issuance(self, conn, registrations: list[dict]) -> dict:
        """Two applications per registration, by its first user ID (the signer) or, where it
        has one, its first sub ID."""
        t = self.t["issuance"]
        applications, attachments, counters = [], [], {}
        for reg in registrations:
            reg["applications"] = []
            for k, status in enumerate(("paid", ("draft", "submitted", "paid")[reg["n"] % 3])):
                application = self.application(reg, k, status, counters)
                applications.append(application)
                reg["applications"].append(application)
                if status != "draft":
                    attachment = {**t["attachment"], "id": uuid.uuid4().hex,
                                  "application_id": application["id"],
                                  "created_at": application["created_at"],
                                  "created_by": application["applicant_login_id"]}
                    attachments.append(attachment)
                    application["attachment_id"] = attachment["id"]
        columns = list(t["paid"])
        made = copy_rows(conn, "applications", columns, (
            tuple(text_of(row.get(c)) for c in columns) for row in applications))
        attachment_columns = list(t["attachment"])
        copy_rows(conn, "attachments", attachment_columns, (
            tuple(text_of(row[c]) for c in attachment_columns) for row in attachments))
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO certificate_counters (cci_code, year, last) VALUES (%s, %s, %s) "
                "ON CONFLICT (cci_code, year) DO UPDATE SET last = "
                "greatest(certificate_counters.last, excluded.last)",
                [(cci_code, YEAR, last) for cci_code, last in sorted(counters.items())])
        return {"applications": made, "certificates": sum(counters.values()),
                "attachments": len(attachments)}

    def application(self, reg: dict, k: int, status: str, counters: dict) -> dict:
        t = self.t["issuance"]
        at = self.when(reg["n"] * 2 + k + 86400)
        applicant_kind = "sub" if reg["accounts"]["sub"] else "user"
        applicant = reg["accounts"][applicant_kind][0]
        row = {**(t["paid"] if status == "paid" else t["submitted"]),
               "id": uuid.uuid4().hex, "cci_code": reg["cci_code"],
               "trade_registration_number": reg["number"], "status": status,
               "applicant_login_id": applicant, "applicant_kind": applicant_kind,
               "applicant_account_id": 0, "signer_login_id": reg["accounts"]["user"][0],
               "exporter_name": reg["company_name"], "created_at": at, "updated_at": at,
               "idempotency_key": None}
        if status == "draft":
            row["submitted_at"] = None
        elif status == "submitted":
            row["submitted_at"] = at
        else:
            counters[reg["cci_code"]] = last = counters.get(reg["cci_code"], 0) + 1
            number = f"{reg['cci_code']}-{YEAR}-{last:06d}"
            row.update(submitted_at=at, certified_at=at, paid_at=at, issued_on=at.date(),
                       certificate_no=number, access_code=self.access_code(),
                       print_until=at.date() + timedelta(days=30),
                       certificate=self.certificate(reg["cci_code"], number))
        return row

    def certificate(self, cci_code: str, number: str) -> str:
        """The certificate's payload as rendered, with this chamber and number."""
        t = self.t["issuance"]
        if cci_code not in t.setdefault("by_chamber", {}):
            payload = json.loads(json.dumps(t["paid"]["certificate"]))
            chamber = payload["payload"]["chamber"]
            chamber.update(cci_code=cci_code, name_en=self.names[cci_code])
            t["by_chamber"][cci_code] = template(payload, number=t["paid"]["certificate_no"])
        return fill(t["by_chamber"][cci_code], number=number)

    # --- payment -------------------------------------------------------------------------

    def payment(self, conn, registrations: list[dict]) -> dict:
        """A succeeded card payment with its receipt for each paid application."""
        payments, lines = [], []
        receipts = dict(query_all(conn, "SELECT cci_code, last FROM receipt_counters"))
        for reg in registrations:
            for application in reg["applications"]:
                if application["status"] != "paid":
                    continue
                cci_code = reg["cci_code"]
                receipts[cci_code] = last = receipts.get(cci_code, 0) + 1
                payment_id = uuid.uuid4().hex
                application["payment_id"] = payment_id
                fee = application.get("fee_jpy") or 2000
                at = text_of(application["paid_at"])
                payments.append((payment_id, cci_code, reg["number"],
                                 application["applicant_login_id"],
                                 application["applicant_kind"], "card", "succeeded", fee,
                                 f"pi_bulk_{payment_id}", at, at, f"{cci_code}-R{last:06d}"))
                lines.append((payment_id, 1, application["id"], application["certificate_no"],
                              application["certificate_type"], fee))
        copy_rows(conn, "payments", [
            "id", "cci_code", "trade_registration_number", "login_id", "login_kind", "kind",
            "status", "amount_jpy", "stripe_payment_intent", "created_at", "paid_at",
            "receipt_no"], payments)
        copy_rows(conn, "payment_lines", ["payment_id", "position", "application_id",
                                          "certificate_no", "certificate_type", "fee_jpy"],
                  lines)
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO receipt_counters (cci_code, last) VALUES (%s, %s) ON CONFLICT "
                "(cci_code) DO UPDATE SET last = excluded.last",
                sorted(receipts.items()))
        return {"payments": len(payments)}


def query_all(conn, query: str, *params) -> list[tuple]:
    with conn.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()
