from nameko.timer import timer

from services.documents.interfaces import SLOW_CALLS as DOCUMENTS_SLOW
from services.identity.interfaces import SLOW_CALLS as IDENTITY_SLOW
from services.issuance import certificates, domain, payments, rules
from services.issuance.dependencies import Database, LogContext, Metrics, OutboxRelay
from services.issuance.schemas import (
    ApplicationViewSchema,
    CertifiedSchema,
    CopySchema,
    FeeQuoteSchema,
    PayableSchema,
    PrintedSchema,
    ReasonSchema,
    StaffApplicationViewSchema,
    StoredAttachmentSchema,
    VerificationSchema,
    dump_body,
)
from services.payment.interfaces import SERVICE as PAYMENT
from services.payment.interfaces import SLOW_CALLS as PAYMENT_SLOW
from services.registration.interfaces import SLOW_CALLS as REGISTRATION_SLOW
from tradecert.clock import japan_today
from tradecert.db import utcnow
from tradecert.entrypoints import HealthCheck, event_handler, rpc
from tradecert.errors import Conflict, validation_failed
from tradecert.outbox import once_per_event
from tradecert.rpc import ServiceRpc
from tradecert.schemas import idempotency_key as idempotency_key_of
from tradecert.schemas import load


class IssuanceService(HealthCheck):
    """Certificates of origin and signature certifications, from the draft to the signed
    certificate (ISS-1 … ISS-7, ISS-10, ISS-13). The gateway authorizes each call with
    identity and passes the caller's context; everything is scoped by it (ISS-3, ID-9)."""

    name = "issuance"

    db = Database()
    outbox = OutboxRelay()
    log_context = LogContext()
    metrics = Metrics()
    identity = ServiceRpc("identity", slow=IDENTITY_SLOW)
    registration = ServiceRpc("registration", slow=REGISTRATION_SLOW)
    documents = ServiceRpc("documents", slow=DOCUMENTS_SLOW)
    payment = ServiceRpc("payment", slow=PAYMENT_SLOW)

    # --- the applicant --------------------------------------------------------------------

    @rpc
    def create_application(self, caller: dict, payload: dict,
                           idempotency_key: str | None = None) -> dict:
        """Issue 12: the same Idempotency-Key answers the draft it made (a retry)."""
        key = idempotency_key_of(idempotency_key)
        return self.db.once_per_key(
            key, lambda session, k: domain.by_idempotency_key(session, caller, k), self._view,
            lambda: self._create(caller, payload, key))

    def _create(self, caller: dict, payload, key: str | None) -> dict:
        applicant = self.identity.applicant(caller)  # ISS-3: who applies, who signs
        exporter = self._exporter(caller)
        with self.db.transaction() as session:
            if isinstance(payload, dict) and "copy_from" in payload:
                copy = load(CopySchema(), payload)
                earlier = domain.find(session, caller, copy["copy_from"])
                body, copy_of = domain.copied_body(earlier, copy["certificate_type"]), earlier
            else:
                body, copy_of = dump_body(rules.check_draft(payload)), None
            application = domain.create(session, caller, applicant, exporter, body, utcnow(),
                                        copy_of=copy_of, idempotency_key=key)
            return self._view(session, application)

    @rpc
    def update_application(self, caller: dict, application_id: str, payload: dict) -> dict:
        with self.db.transaction() as session:
            application = domain.find_own(session, caller, application_id)
            domain.require(application, *domain.EDITABLE)
            body = dump_body(rules.check_draft(payload))
            domain.update(session, application, caller, body, utcnow())
            return self._view(session, application)

    @rpc
    def get_application(self, caller: dict, application_id: str) -> dict:
        session = self.db.session
        return self._view(session, domain.find(session, caller, application_id))

    @rpc
    def list_applications(self, caller: dict, status: str | None = None,
                          page: int = 1) -> dict:
        rows, page, pages = domain.applicant_list(self.db.session, caller, status, int(page))
        return {"trade_registration_number": caller["trade_registration_number"],
                "items": [domain.list_item(row) for row in rows], "page": page, "pages": pages}

    @rpc
    def submit(self, caller: dict, application_id: str) -> dict:
        exporter = self._exporter(caller)
        with self.db.transaction() as session:
            application = domain.find_own(session, caller, application_id)
            domain.submit(session, application, caller, exporter, japan_today(), utcnow())
        return {"status": application.status}

    @rpc
    def withdraw(self, caller: dict, application_id: str) -> dict:
        with self.db.transaction() as session:
            application = domain.find_own(session, caller, application_id)
            domain.withdraw(session, application, caller, utcnow())
        return {"status": application.status}

    @rpc
    def add_attachment(self, caller: dict, application_id: str, kind: str, filename: str,
                       data_base64: str) -> dict:
        name = domain.check_attachment(kind, filename)
        with self.db.transaction() as session:
            application = domain.find_own(session, caller, application_id)
            domain.require(application, *domain.EDITABLE)
            stored = self.documents.store_attachment(data_base64, name)
            attachment = domain.add_attachment(session, application, caller, kind, name,
                                               stored, utcnow())
            return StoredAttachmentSchema().dump(attachment)

    @rpc
    def attachment(self, caller: dict, application_id: str, attachment_id: str) -> dict:
        session = self.db.session
        application = domain.find(session, caller, application_id)
        return StoredAttachmentSchema().dump(domain.attachment(session, application,
                                                               attachment_id))

    @rpc
    def delete_attachment(self, caller: dict, application_id: str, attachment_id: str) -> None:
        with self.db.transaction() as session:
            application = domain.find_own(session, caller, application_id)
            domain.delete_attachment(session, application, attachment_id, utcnow())

    @rpc
    def preview(self, caller: dict, application_id: str) -> dict:
        """The certificate as it will print, watermarked and unsigned: documents renders
        it from the same payload certification would send, with placeholders for the
        certificate number and access code."""
        session = self.db.session
        application = domain.find(session, caller, application_id)
        rules.check_draft(application.body)  # a copied draft may still lack its dates
        kind, payload = domain.document(
            application, exporter=self._exporter(caller),
            applicant=self.identity.applicant(domain.applicant_caller(application)),
            chamber=self.identity.get_chamber(application.cci_code),
            certificate_no="PREVIEW", access_code="PREVIEW", today=japan_today(),
            attachments_=domain.attachments(session, application), preview=True)
        return {"file_id": self.documents.render(kind, payload)["file_id"]}

    @rpc
    def fee_quote(self, caller: dict, certificate_type: str, copies: int) -> dict:
        membership = self._exporter(caller)["membership"]
        return FeeQuoteSchema().dump(self.payment.quote(caller["cci_code"], certificate_type,
                                                        membership, copies))

    @rpc
    def certificate(self, caller: dict, application_id: str) -> dict:
        return domain.certificate_file(domain.find(self.db.session, caller, application_id))

    # --- payment (ISS-8, ISS-11, ISS-12) ---------------------------------------------------

    @rpc
    def payable(self, caller: dict, application_ids: list) -> list[dict]:
        if not isinstance(application_ids, list) or \
                not all(isinstance(i, str) for i in application_ids):
            raise validation_failed({"application_ids": ["application_ids_invalid"]})
        return PayableSchema(many=True).dump(
            payments.payable(self.db.session, caller, application_ids))

    @event_handler(PAYMENT, "payment_succeeded")
    @once_per_event
    def on_payment_succeeded(self, session, event):
        """Paid: the applications may be printed until the chamber's window ends."""
        payments.mark_paid(session, event["data"])

    @rpc
    def print_certificate(self, caller: dict, application_id: str, copy: bool = False) -> dict:
        """ISS-8, ISS-12: the ORIGINAL as stored at certification, or the same payload
        rendered (and signed) as COPY; the output counted, the first ORIGINAL recorded."""
        copy = copy is True
        application = domain.find(self.db.session, caller, application_id)
        certificates.require_printable(application, copy, japan_today())
        file_id = application.certificate_file_id
        if copy:
            file_id = self.documents.render(*certificates.copy_document(application))["file_id"]
        with self.db.transaction() as session:
            certificates.record_printing(session, application.id, caller, copy, utcnow())
        return PrintedSchema().dump({"file_id": file_id, "copy": copy,
                                     "certificate_no": application.certificate_no})

    # --- anyone: public verification (ISS-9, ISS-14) --------------------------------------

    @rpc
    def verify(self, certificate_no, access_code, issued_on) -> dict:
        """The certificate is found and the lookup counted (the gateway limits the tries)."""
        query = {name: value for name, value in (
            ("certificate_no", certificate_no), ("access_code", access_code),
            ("issued_on", issued_on)) if value not in (None, "")}
        with self.db.transaction() as session:
            application = certificates.find_issued(session, query)
            certificates.record_lookup(session, application, utcnow())
            return VerificationSchema().dump(certificates.answer(session, application))

    @rpc
    def record_lookups(self, lookups: list[dict]) -> int:
        with self.db.transaction() as session:
            return certificates.record_lookups(session, lookups)

    @rpc
    def count_verification_tries(self, tries: dict) -> dict:
        with self.db.transaction() as session:
            return certificates.count_tries(session, tries)

    @timer(interval=3600)
    def prune_counters(self):
        """Counters of verification tries whose window has closed go."""
        with self.db.transaction() as session:
            certificates.prune_counters(session)

    # --- chamber staff --------------------------------------------------------------------

    @rpc
    def staff_applications(self, caller: dict, status: str | None = None,
                           page: int = 1) -> dict:
        rows, page, pages = domain.staff_list(self.db.session, caller, status, int(page))
        return {"items": [domain.queue_item(row) for row in rows], "page": page, "pages": pages}

    @rpc
    def staff_application(self, caller: dict, application_id: str) -> dict:
        session = self.db.session
        application = domain.staff_find(session, caller, application_id)
        exporter = self.registration.exporter(application.cci_code,
                                              application.trade_registration_number)
        try:
            applicant = self.identity.applicant(domain.applicant_caller(application))
            signer = {**applicant["signer"], "login_id": applicant["signer_login_id"],
                      "available": True}
            signature_file_id = applicant["signature_file_id"]
        except Conflict as unavailable:  # retired or locked since: staff see why
            if unavailable.code != "signer_unavailable":
                raise
            signer = {"login_id": application.signer_login_id,
                      "name_en": application.signer_name, "available": False}
            signature_file_id = None
        view = {**domain.view(session, application), "exporter": exporter, "signer": signer,
                "signature_file_id": signature_file_id,
                **certificates.printable(application, japan_today()),
                "printing": certificates.printing_facts(application),
                "verifications": certificates.lookup_facts(session, application)}
        return {**application.body, **StaffApplicationViewSchema().dump(view)}

    @rpc
    def staff_attachment(self, caller: dict, application_id: str, attachment_id: str) -> dict:
        session = self.db.session
        application = domain.staff_find(session, caller, application_id)
        return StoredAttachmentSchema().dump(domain.attachment(session, application,
                                                               attachment_id))

    @rpc
    def staff_certificate(self, caller: dict, application_id: str) -> dict:
        return domain.certificate_file(domain.staff_find(self.db.session, caller,
                                                         application_id))

    @rpc
    def certify(self, caller: dict, application_id: str) -> dict:
        """ISS-2: the number, the access code, the rendered and signed certificate and the
        fixed fee in one transaction. The application's row lock makes a second certification
        wait and then answer the first one's result; a failure anywhere (rendering, signing)
        rolls the number back with the rest, so numbers have no gaps."""
        with self.db.transaction() as session:
            application = domain.staff_find(session, caller, application_id, lock=True)
            if application.status in domain.CERTIFIED and application.certified_at:
                return CertifiedSchema().dump(application)  # a repeat: the same answer
            domain.require(application, "submitted")
            # issue 10: the facts asked at once, not one round trip after another, while the
            # row is locked; the fee waits for the membership only. Errors come in the same
            # order as before: an expired registration first, then the signer.
            exporter_reply = self.registration.exporter.call_async(
                application.cci_code, application.trade_registration_number)
            applicant_reply = self.identity.applicant.call_async(
                domain.applicant_caller(application))
            chamber_reply = self.identity.get_chamber.call_async(application.cci_code)
            exporter = exporter_reply.result()
            domain.require_valid(exporter)
            quote_reply = self.payment.quote.call_async(
                application.cci_code, application.certificate_type, exporter["membership"],
                application.body["copies"])
            applicant, chamber = applicant_reply.result(), chamber_reply.result()
            quote = quote_reply.result()
            today = japan_today()
            number = domain.next_certificate_no(session, application.cci_code, today.year)
            access_code = domain.new_access_code()
            kind, payload = domain.document(
                application, exporter=exporter, applicant=applicant, chamber=chamber,
                certificate_no=number, access_code=access_code, today=today,
                attachments_=domain.attachments(session, application))
            rendered = self.documents.render(kind, payload)
            domain.certify(session, application, caller, certificate_no=number,
                           access_code=access_code, quote=quote,
                           document={"kind": kind, "payload": payload},
                           file_id=rendered["file_id"], today=today, now=utcnow())
            return CertifiedSchema().dump(application)

    @rpc
    def return_application(self, caller: dict, application_id: str, payload: dict) -> dict:
        reason = load(ReasonSchema(), payload)["reason"]
        with self.db.transaction() as session:
            application = domain.staff_find(session, caller, application_id, lock=True)
            domain.return_to_applicant(session, application, caller, reason, utcnow())
        return {"status": application.status}

    @rpc
    def revoke(self, caller: dict, application_id: str, payload: dict) -> dict:
        reason = load(ReasonSchema(), payload)["reason"]
        with self.db.transaction() as session:
            application = domain.staff_find(session, caller, application_id, lock=True)
            domain.revoke(session, application, caller, reason, utcnow())
        return {"status": application.status}

    # --- helpers --------------------------------------------------------------------------

    def _exporter(self, caller: dict) -> dict:
        """Box 1, the membership and the validity as registered (REG-9)."""
        return self.registration.exporter(caller["cci_code"],
                                          caller["trade_registration_number"])

    @staticmethod
    def _view(session, application) -> dict:
        # the entered fields as kept, then what the service adds
        view = {**domain.view(session, application),
                **certificates.printable(application, japan_today())}
        return {**application.body, **ApplicationViewSchema().dump(view)}

