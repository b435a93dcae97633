from datetime import date

from nameko.timer import timer

from services.registration import changes, domain
from services.registration.dependencies import Database, LogContext, Metrics, OutboxRelay
from services.registration.exceptions import FormNotFound, SignerNotFound
from services.registration.models import RateLimit, Registration
from services.registration.schemas import (
    AdminPasswordResultSchema,
    ApplicationSummarySchema,
    ApplicationViewSchema,
    ApprovalResultSchema,
    ApprovalSchema,
    ChangeRequestPreviewSchema,
    ChangeRequestSchema,
    ChangeRequestSummarySchema,
    ChangeRequestViewSchema,
    CompanySchema,
    ConsentSchema,
    InvitationSchema,
    NewSignerSchema,
    RegistrationViewSchema,
    RenewalQueueItemSchema,
    RenewalRequestedSchema,
    RenewedSchema,
    RenewSchema,
    ReturnSchema,
    SignerViewSchema,
)
from tradecert import ratelimit
from tradecert.clock import japan_today
from tradecert.db import utcnow
from tradecert.entrypoints import HealthCheck, rpc
from tradecert.rpc import ServiceRpc
from tradecert.schemas import load


class RegistrationService(HealthCheck):
    """Trade registrations, from the guidance page to renewal (REG-1 … REG-10).

    Applicant calls take the application number and its `application_token`; staff and admin
    calls take `caller`, the context identity's `authorize` gave the gateway."""

    name = "registration"

    db = Database()
    outbox = OutboxRelay()
    log_context = LogContext()
    metrics = Metrics()
    identity = ServiceRpc("identity")
    documents = ServiceRpc("documents")

    # --- applicants (REG-2 … REG-7) ------------------------------------------------------------

    @rpc
    def invite(self, cci_code: str, payload: dict, client_address: str | None = None) -> None:
        data = load(InvitationSchema(), payload)
        chamber = self.identity.get_chamber(cci_code)
        with self.db.transaction() as session:
            domain.invite(session, chamber, data, client_address)

    @rpc
    def start_application(self, payload: dict) -> dict:
        data = load(ConsentSchema(), payload)
        with self.db.transaction() as session:
            application, token, created = domain.start_application(session, data)
        return {"application_number": application.application_number,
                "application_token": token, "status": application.status, "created": created}

    @rpc
    def check_invitation(self, invitation_token: str) -> dict:
        invitation = domain.open_invitation(self.db.session, invitation_token)
        return {"cci_code": invitation.cci_code,
                "valid_until": invitation.expires_at.date().isoformat()}

    @rpc
    def get_application(self, number: str, token: str) -> dict:
        session = self.db.session
        return ApplicationViewSchema().dump(
            domain.view(session, domain.by_token(session, number, token)))

    @rpc
    def save_company(self, number: str, token: str, payload: dict) -> dict:
        company = load(CompanySchema(), payload)
        with self.db.transaction() as session:
            application = domain.by_token(session, number, token)
            domain.save_company(session, application, CompanySchema().dump(company))
            return ApplicationViewSchema().dump(domain.view(session, application))

    @rpc
    def add_signer(self, number: str, token: str, payload: dict) -> dict:
        data = load(NewSignerSchema(), payload)
        with self.db.transaction() as session:
            application = domain.by_token(session, number, token)
            signer = domain.add_signer(session, application, data)
        return SignerViewSchema().dump(domain.signer_view(signer))

    @rpc
    def remove_signer(self, number: str, token: str, signer_id: str) -> None:
        with self.db.transaction() as session:
            domain.remove_signer(session, domain.by_token(session, number, token), signer_id)

    @rpc
    def submit(self, number: str, token: str) -> dict:
        with self.db.transaction() as session:
            application = domain.by_token(session, number, token)
            domain.submit(session, application)
        return {"status": application.status}

    @rpc
    def render_form(self, number: str, token: str, form: str) -> dict:
        """REG-7: one of the three forms, printed from the data as entered."""
        session = self.db.session
        application = domain.by_token(session, number, token)
        return self._render_form(application, form)

    # --- chamber staff (REG-7, REG-8) ---------------------------------------------------------

    @rpc
    def staff_queue(self, caller: dict, status: str | None = None) -> list[dict]:
        return ApplicationSummarySchema(many=True).dump(
            domain.staff_queue(self.db.session, caller["cci_code"], status))

    @rpc
    def staff_search(self, caller: dict, text: str) -> list[dict]:
        return ApplicationSummarySchema(many=True).dump(
            domain.staff_search(self.db.session, caller["cci_code"], str(text)[:40]))

    @rpc
    def staff_application(self, caller: dict, number: str) -> dict:
        session = self.db.session
        return ApplicationViewSchema().dump(
            domain.view(session, domain.in_chamber(session, caller, number)))

    @rpc
    def staff_form(self, caller: dict, number: str, form: str) -> dict:
        return self._render_form(domain.in_chamber(self.db.session, caller, number), form)

    @rpc
    def upload_signature(self, caller: dict, number: str, signer_id: str,
                         scan_base64: str) -> dict:
        """REG-7: the scanned box of the signature form; refused with the reason when the
        ink touches the frame or the box is empty."""
        with self.db.transaction() as session:
            application = domain.editable(domain.in_chamber(session, caller, number))
            return self._store_signature(session, application, signer_id, scan_base64)

    def _store_signature(self, session, owner, signer_id: str, scan_base64: str) -> dict:
        """REG-7, for an application's signer or one a change request adds: documents reads
        the scan (and refuses it with the reason), the signer keeps the image's file."""
        signer = domain.find_signer(session, owner, signer_id)
        image = self.documents.store_signature(scan_base64)
        signer.signature_file_id = image["file_id"]
        return SignerViewSchema().dump(domain.signer_view(signer))

    @rpc
    def signer_signature(self, caller: dict, number: str, signer_id: str) -> dict:
        """REG-7: the signature image as registered, for staff to check before approving."""
        session = self.db.session
        signer = domain.find_signer(session, domain.in_chamber(session, caller, number),
                                    signer_id)
        if signer.signature_file_id is None:
            raise SignerNotFound(message="no signature registered for this signer")
        return {"file_id": signer.signature_file_id}

    @rpc
    def return_application(self, caller: dict, number: str, payload: dict) -> dict:
        data = load(ReturnSchema(), payload)
        with self.db.transaction() as session:
            application = domain.in_chamber(session, caller, number)
            domain.return_application(session, application, data["reason"])
        return {"status": application.status}

    @rpc
    def approve(self, caller: dict, number: str, payload: dict) -> dict:
        """REG-8. No step can half-fail: the number is committed first, on the application;
        identity's accounts are idempotent on it and the certificate is rendered again, so
        after any failure the next attempt succeeds with the same number. The application's
        row lock makes a concurrent second approval wait, then answer the same result."""
        data = load(ApprovalSchema(), payload)
        receipt = data["registration_fee_receipt_no"]
        chamber = self.identity.get_chamber(caller["cci_code"])
        with self.db.transaction() as session:
            application = domain.in_chamber(session, caller, number, lock=True)
            done = domain.start_approval(session, application, receipt)
        if done is None:
            with self.db.transaction() as session:
                session.expire_all()  # read the signers as they are now, not as step one saw
                application = domain.in_chamber(session, caller, number, lock=True)
                done = domain.approve(
                    session, application, receipt, chamber, today=japan_today(),
                    create_accounts=self.identity.create_registration_accounts,
                    render_certificate=lambda p: self.documents.render(
                        "registration-certificate", p))
        return ApprovalResultSchema().dump(done)

    @rpc
    def registration_certificate(self, caller: dict, number: str) -> dict:
        registration = domain.registration_in(self.db.session, caller["cci_code"], number)
        return {"file_id": registration.certificate_file_id}

    @rpc
    def new_admin_password(self, caller: dict, number: str) -> dict:
        """Issue 9: a new admin password for a company that lost it, on a new trade
        registration certificate. It cannot half-fail: identity keeps the password sealed
        (not in effect) until the certificate printing it is committed here, with the event
        that puts it in effect; identity is then told at once as well. A failure before the
        commit leaves the old password and the old certificate; after it, the event does
        the rest. The registration's row lock orders two at once (the later one wins)."""
        chamber = self.identity.get_chamber(caller["cci_code"])
        with self.db.transaction() as session:
            registration = domain.registration_in(session, caller["cci_code"], number,
                                                  lock=True)
            issued = self.identity.prepare_admin_password(caller, number)
            certificate = self.documents.render("registration-certificate",
                                                domain.certificate_payload(
                                                    registration, chamber,
                                                    issued["admin_login_id"],
                                                    issued["password"], japan_today()))
            domain.admin_password_reissued(session, registration, certificate, issued, caller)
        self.identity.admin_password_certified(caller["cci_code"], number, issued["ref"])
        return AdminPasswordResultSchema().dump(
            {"trade_registration_number": number,
             "admin_login_id": issued["admin_login_id"]})

    # --- admin ID, validity (REG-9) -------------------------------------------------------------

    @rpc
    def registration_view(self, caller: dict) -> dict:
        """The caller's registration (admin and user IDs), its validity, renewal and signers."""
        return self._view(domain.registration_in(self.db.session, caller["cci_code"],
                                                 caller["trade_registration_number"]))

    @rpc
    def request_renewal(self, caller: dict) -> dict:
        with self.db.transaction() as session:
            renewal = domain.request_renewal(session, caller, japan_today())
            registration = session.get(Registration, renewal.registration_id)
            return RenewalRequestedSchema().dump({
                "trade_registration_number": registration.trade_registration_number,
                "valid_until": registration.valid_until, "renewal_requested": True,
                "renewal": domain.renewal_view(renewal)})

    @rpc
    def staff_renewals(self, caller: dict, status: str | None = None) -> list[dict]:
        return RenewalQueueItemSchema(many=True).dump(
            domain.renewal_queue(self.db.session, caller["cci_code"], status, japan_today()))

    @rpc
    def staff_registration(self, caller: dict, number: str) -> dict:
        return self._view(domain.registration_in(self.db.session, caller["cci_code"], number))

    @rpc
    def renew(self, caller: dict, number: str, payload: dict) -> dict:
        """REG-9: the chamber's validity years, from the old end or from today; the trade
        registration certificate is issued again with the new period (no password: the
        admin's has been changed since the first one), in the same transaction."""
        data = load(RenewSchema(), payload)
        chamber = self.identity.get_chamber(caller["cci_code"])
        today = japan_today()
        with self.db.transaction() as session:
            renewal = domain.renew(session, caller, number, data["registration_fee_receipt_no"],
                                   chamber["registration_validity_years"], today)
            registration = domain.registration_in(session, caller["cci_code"], number)
            registration.certificate_file_id = self.documents.render(
                "registration-certificate", domain.certificate_payload(
                    registration, chamber, registration.admin_login_id, None, today))["file_id"]
            return RenewedSchema().dump({"trade_registration_number": number,
                                         "valid_until": renewal.valid_until,
                                         "previous_valid_until": renewal.previous_valid_until})

    # --- change requests (変更申請): the admin asks, staff approve or return -----------------

    @rpc
    def submit_change_request(self, caller: dict, payload: dict) -> dict:
        data = load(ChangeRequestSchema(), payload)
        current = self.identity.active_signers(caller["cci_code"],
                                               caller["trade_registration_number"] or "")
        with self.db.transaction() as session:
            request = changes.submit(session, caller, data, current)
            return {"change_request_id": request.change_request_number,
                    "status": request.status,
                    "signers_added": [{"signer_id": s.signer_id, "name_en": s.name_en}
                                      for s in domain.signers_of(session, request)]}

    @rpc
    def check_change_request(self, caller: dict, payload: dict) -> dict:
        data = load(ChangeRequestSchema(), payload)
        current = self.identity.active_signers(caller["cci_code"],
                                               caller["trade_registration_number"] or "")
        return ChangeRequestPreviewSchema().dump(
            changes.preview(self.db.session, caller, data, current))

    @rpc
    def change_request_basis(self, caller: dict) -> dict:
        current = self.identity.active_signers(caller["cci_code"],
                                               caller["trade_registration_number"] or "")
        return changes.basis(self.db.session, caller, current)

    @rpc
    def change_requests(self, caller: dict) -> list[dict]:
        return ChangeRequestSummarySchema(many=True).dump(
            changes.of_registration(self.db.session, caller))

    @rpc
    def change_request(self, caller: dict, number: str) -> dict:
        session = self.db.session
        return ChangeRequestViewSchema().dump(
            changes.view(session, changes.of_admin(session, caller, number)))

    @rpc
    def change_request_form(self, caller: dict, number: str, form: str) -> dict:
        return self._render_change_form(changes.of_admin(self.db.session, caller, number),
                                        form)

    @rpc
    def staff_change_requests(self, caller: dict, status: str | None = None) -> list[dict]:
        return ChangeRequestSummarySchema(many=True).dump(
            changes.staff_queue(self.db.session, caller["cci_code"], status))

    @rpc
    def staff_change_request(self, caller: dict, number: str) -> dict:
        session = self.db.session
        return ChangeRequestViewSchema().dump(
            changes.view(session, changes.in_chamber(session, caller, number)))

    @rpc
    def staff_change_request_form(self, caller: dict, number: str, form: str) -> dict:
        return self._render_change_form(changes.in_chamber(self.db.session, caller, number),
                                        form)

    @rpc
    def upload_change_signature(self, caller: dict, number: str, signer_id: str,
                                scan_base64: str) -> dict:
        """REG-7 for a signer the change request adds: as for an application's."""
        with self.db.transaction() as session:
            request = changes.is_open(changes.in_chamber(session, caller, number))
            return self._store_signature(session, request, signer_id, scan_base64)

    @rpc
    def change_signer_signature(self, caller: dict, number: str, signer_id: str) -> dict:
        session = self.db.session
        signer = domain.find_signer(session, changes.in_chamber(session, caller, number),
                                    signer_id)
        if signer.signature_file_id is None:
            raise SignerNotFound(message="no signature registered for this signer")
        return {"file_id": signer.signature_file_id}

    @rpc
    def return_change_request(self, caller: dict, number: str, payload: dict) -> dict:
        data = load(ReturnSchema(), payload)
        with self.db.transaction() as session:
            request = changes.in_chamber(session, caller, number, lock=True)
            changes.return_request(session, request, data["reason"])
            return {"change_request_id": number, "status": request.status}

    @rpc
    def approve_change_request(self, caller: dict, number: str) -> dict:
        """Applied at once, never half-done (as REG-8's approval, changes.approve)."""
        chamber = self.identity.get_chamber(caller["cci_code"])
        with self.db.transaction() as session:
            request = changes.in_chamber(session, caller, number, lock=True)
            changes.approve(
                session, request, chamber, today=japan_today(),
                apply_accounts=self.identity.apply_registration_change,
                render_certificate=lambda p: self.documents.render(
                    "registration-certificate", p))
            return ChangeRequestViewSchema().dump(changes.view(session, request))

    def _render_change_form(self, request, form: str) -> dict:
        registration = domain.registration_by_id(self.db.session, request.registration_id)
        current = self.identity.active_signers(registration.cci_code,
                                               registration.trade_registration_number)
        chamber = self.identity.get_chamber(request.cci_code)
        payload = changes.form_payload(self.db.session, request, chamber, form, current)
        return self.documents.render(domain.FORMS[form], payload)

    @rpc
    def registration_validity(self, cci_code: str, number: str) -> dict:
        """For issuance: after expiry no new application can start (REG-9)."""
        registration = domain.registration_in(self.db.session, cci_code, number)
        return {"valid_until": registration.valid_until.isoformat(),
                "valid": domain.is_valid(registration, japan_today())}

    @rpc
    def exporter(self, cci_code: str, trade_registration_number: str) -> dict:
        """For issuance: box 1 of a certificate of origin and the validity (interfaces.py)."""
        return domain.exporter(self.db.session, cci_code, trade_registration_number,
                               japan_today())

    @rpc
    def application_contact(self, number: str) -> dict:
        """For notify: who an application's mails go to (interfaces.py)."""
        return domain.application_contact(self.db.session, number)

    @rpc
    def registration_contact(self, cci_code: str, number: str) -> dict:
        """For notify: who a registration's mails go to (interfaces.py)."""
        return domain.registration_contact(self.db.session, cci_code, number)

    @rpc
    def run_daily_jobs(self, today: str | None = None) -> dict:
        """The daily job, also callable (tests, operators): renewal reminders, old drafts."""
        day = date.fromisoformat(today) if today else japan_today()
        with self.db.transaction() as session:
            reminded = domain.send_renewal_reminders(session, day)
            warned, removed = domain.purge_old_drafts(session, utcnow())
            ratelimit.prune(session, RateLimit)
        return {"renewal_reminders": reminded, "draft_warnings": warned,
                "drafts_removed": removed}

    @timer(interval=3600)
    def daily(self):
        # Hourly is enough for a daily rule: each mail is marked sent, so none goes twice.
        self.run_daily_jobs()

    def _view(self, registration) -> dict:
        chamber = self.identity.get_chamber(registration.cci_code)
        # the signers as registered now (RegistrationViewSchema keeps the names of each)
        signers = self.identity.active_signers(registration.cci_code,
                                               registration.trade_registration_number)
        return RegistrationViewSchema().dump(domain.registration_view(
            self.db.session, registration, japan_today(),
            chamber["registration_validity_years"], signers))

    def _render_form(self, application, form: str) -> dict:
        if form not in domain.FORMS:
            raise FormNotFound(message=f"no form {form}")
        chamber = self.identity.get_chamber(application.cci_code)
        payload = domain.form_payload(self.db.session, application, chamber, form)
        return self.documents.render(domain.FORMS[form], payload)
