from nameko.events import event_handler
from nameko.timer import timer

# The publishers' contracts: their events are checked against these schemas (once_per_event).
from services.identity.interfaces import SERVICE as IDENTITY
from services.issuance.interfaces import SERVICE as ISSUANCE
from services.notify import domain, mails
from services.notify.dependencies import (
    MAILS_PENDING,
    Database,
    LogContext,
    Mailer,
    Metrics,
    OutboxRelay,
)
from services.notify.schemas import MailMessageSchema, MailRequestSchema
from services.payment.interfaces import SERVICE as PAYMENT
from services.registration.interfaces import SERVICE as REGISTRATION
from tradecert import config
from tradecert.entrypoints import HealthCheck, rpc
from tradecert.errors import NotFound
from tradecert.outbox import once_per_event
from tradecert.rpc import ServiceRpc
from tradecert.schemas import load

DELIVERY_BATCH = 50  # at most this many mails a round; the rest go in the next second


class NotifyService(HealthCheck):
    """Listens to the other services' events and mails; never blocks them (ARCHITECTURE)."""

    name = "notify"

    db = Database()
    outbox = OutboxRelay()
    log_context = LogContext()
    metrics = Metrics(MAILS_PENDING)
    mailer = Mailer()
    identity = ServiceRpc(IDENTITY)
    registration = ServiceRpc(REGISTRATION)

    @rpc
    def send_mail(self, payload: dict) -> dict:
        data = load(MailRequestSchema(), payload)
        with self.db.transaction() as session:
            message = self._queue(session, data["to"], data["template"], data["context"],
                                  cci_code=data["cci_code"])
        return MailMessageSchema().dump(message)

    @rpc
    def list_messages(self, to: str | None = None, limit: int = 100) -> list[dict]:
        return MailMessageSchema(many=True).dump(
            domain.list_messages(self.db.session, to=to, limit=limit))

    @timer(interval=1)
    def deliver(self):
        """Each due mail in a transaction of its own (defect 1), one SMTP connection a round."""
        with self.mailer.session() as smtp:
            for _ in range(DELIVERY_BATCH):
                with self.db.transaction() as session:
                    message = domain.deliver_next(
                        session, smtp.send, sender=self.mailer.sender,
                        max_attempts=self.mailer.max_attempts,
                        backoff_base_s=self.mailer.backoff_base_s)
                if message is None:
                    break

    # --- identity (ID-5, ID-6): facts in the event, names and addresses asked ---------------

    @event_handler(IDENTITY, "account_created")
    @once_per_event
    def on_account_created(self, session, event):
        if event["data"]["kind"] != "staff":
            return
        account = self._account(event)
        if account["email"]:
            self._mail(session, event, account["email"], "staff_account_created",
                       mails.staff_account_created(account, public_url()))

    @event_handler(IDENTITY, "verification_requested")
    @once_per_event
    def on_verification_requested(self, session, event):
        verification = event["data"]
        self._mail(session, event, verification["email"], "email_verification_code",
                   mails.email_verification_code(verification, self._account(event)))

    @event_handler(IDENTITY, "sub_id_notified")
    @once_per_event
    def on_sub_id_notified(self, session, event):
        notified = event["data"]
        self._mail(session, event, notified["target_email"], "sub_id_notification",
                   mails.sub_id_notification(notified, self._account(event), public_url()))

    # --- registration (REG-2, REG-8 … REG-10): each event names its mail ---------------------

    @event_handler(REGISTRATION, "invitation_created")
    @once_per_event
    def on_invitation_created(self, session, event):
        invitation = event["data"]
        chamber = self.identity.get_chamber(invitation["cci_code"])
        self._mail(session, event, invitation["email"], "registration_guidance",
                   mails.registration_guidance(invitation, chamber, public_url()))

    @event_handler(REGISTRATION, "registration_returned")
    @once_per_event
    def on_registration_returned(self, session, event):
        contact = self.registration.application_contact(event["data"]["application_number"])
        self._mail(session, event, contact["email"], "registration_returned",
                   mails.registration_returned(event["data"], contact, public_url()))

    @event_handler(REGISTRATION, "registration_approved")
    @once_per_event
    def on_registration_approved(self, session, event):
        facts = event["data"]
        contact = self.registration.registration_contact(facts["cci_code"],
                                                         facts["trade_registration_number"])
        self._mail(session, event, contact["email"], "registration_approved",
                   mails.registration_approved(facts, contact, public_url()))

    @event_handler(REGISTRATION, "registration_expiring")
    @once_per_event
    def on_registration_expiring(self, session, event):
        self._mail_company_contact(session, event, "registration_expiring")

    @event_handler(REGISTRATION, "registration_renewed")
    @once_per_event
    def on_registration_renewed(self, session, event):
        """REG-9: the admin ID is told the new end of validity (its address is the contact's
        unless it was changed)."""
        renewed = event["data"]
        admin = self.identity.account_contact(renewed["cci_code"], renewed["admin_login_id"])
        contact = self.registration.registration_contact(renewed["cci_code"],
                                                         renewed["trade_registration_number"])
        self._mail(session, event, admin["email"] or contact["email"], "registration_renewed",
                   mails.registration_renewed(renewed, contact))

    @event_handler(REGISTRATION, "change_request_returned")
    @once_per_event
    def on_change_request_returned(self, session, event):
        self._mail_company_contact(session, event, "change_request_returned",
                                   mails.change_request_returned)

    @event_handler(REGISTRATION, "registration_changed")
    @once_per_event
    def on_registration_changed(self, session, event):
        self._mail_company_contact(session, event, "registration_changed",
                                   mails.registration_changed)

    @event_handler(REGISTRATION, "draft_expiring")
    @once_per_event
    def on_draft_expiring(self, session, event):
        contact = self.registration.application_contact(event["data"]["application_number"])
        self._mail(session, event, contact["email"], "draft_expiring", event["data"])

    # --- issuance (ISS-2, ISS-7, ISS-9, ISS-13): to the applying user or sub ID ---------------
    # application_withdrawn: the applicant did it, nothing to tell.

    @event_handler(ISSUANCE, "application_submitted")
    @once_per_event
    def on_application_submitted(self, session, event):
        self._mail_applicant(session, event, "application_submitted")

    @event_handler(ISSUANCE, "application_returned")
    @once_per_event
    def on_application_returned(self, session, event):
        """ISS-7: the reason; the applicant corrects and resubmits."""
        self._mail_applicant(session, event, "application_returned")

    @event_handler(ISSUANCE, "certificate_certified")
    @once_per_event
    def on_certificate_certified(self, session, event):
        """ISS-2, ISS-11: the certificate number and the fee to pay before printing."""
        self._mail_applicant(session, event, "certificate_certified")

    @event_handler(ISSUANCE, "certificate_revoked")
    @once_per_event
    def on_certificate_revoked(self, session, event):
        self._mail_applicant(session, event, "certificate_revoked")

    @event_handler(ISSUANCE, "certificate_replaced")
    @once_per_event
    def on_certificate_replaced(self, session, event):
        """ISS-13: the old certificate is no longer valid."""
        self._mail_applicant(session, event, "certificate_replaced")

    # --- payment (ISS-8, ISS-11, ISS-12): to the paying user or sub ID ------------------------

    @event_handler(PAYMENT, "payment_succeeded")
    @once_per_event
    def on_payment_succeeded(self, session, event):
        """ISS-8: the amount, the receipt, and that the certificates can now be printed."""
        self._mail_applicant(session, event, "payment_succeeded", mails.payment_mail)

    @event_handler(PAYMENT, "payment_failed")
    @once_per_event
    def on_payment_failed(self, session, event):
        """ISS-8: why the card failed; the payment stays open for another card."""
        self._mail_applicant(session, event, "payment_failed", mails.payment_mail)

    @event_handler(PAYMENT, "payment_refunded")
    @once_per_event
    def on_payment_refunded(self, session, event):
        self._mail_applicant(session, event, "payment_refunded", mails.payment_mail)

    def _mail_applicant(self, session, event, template, build=mails.application_mail):
        """To the user or sub ID that applied (or paid); to the registration's contact when
        that ID has no address or is gone (a sub ID is deleted for good, ID-6.6)."""
        facts = event["data"]
        try:
            account = self._account(event)
        except NotFound:
            account = None
        contact = None
        if not (account and account["email"]):
            contact = self.registration.registration_contact(facts["cci_code"],
                                                             facts["trade_registration_number"])
        to = contact["email"] if contact else account["email"]
        self._mail(session, event, to, template, build(facts, account, contact, public_url()))

    def _account(self, event) -> dict:
        return self.identity.account_contact(event["data"]["cci_code"], event["data"]["login_id"])

    def _mail_company_contact(self, session, event, template, build=None):
        facts = event["data"]
        contact = self.registration.registration_contact(facts["cci_code"],
                                                         facts["trade_registration_number"])
        context = (build(facts, contact, public_url()) if build
                   else mails.company_mail(facts, contact))
        self._mail(session, event, contact["email"], template, context)

    def _mail(self, session, event, to, template, context):
        self._queue(session, to, template, context, cci_code=event["data"]["cci_code"],
                    source_event_id=event["event_id"])

    def _queue(self, session, to, template, context, **kwargs):
        footer = None
        if kwargs.get("cci_code") and template not in mails.STAFF_MAILS:
            try:
                footer = domain.contact_footer(self.identity.get_chamber(kwargs["cci_code"]))
            except NotFound:  # send_mail for a chamber identity does not know: no footer
                footer = None
        return domain.queue(session, to=to, template=template, context=context,
                            sender_domain=self.mailer.sender_domain, footer=footer, **kwargs)


def public_url() -> str:
    return config.section("GATEWAY").get("public_url", "").rstrip("/")
