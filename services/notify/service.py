from nameko.events import event_handler
from nameko.timer import timer

from services.notify import domain
from services.notify.dependencies import Database, LogContext, Mailer, OutboxRelay
from services.notify.schemas import MailMessageSchema, MailRequestSchema
from tradecert import config
from tradecert.entrypoints import HealthCheck, rpc
from tradecert.outbox import once_per_event
from tradecert.schemas import load

DELIVERY_BATCH = 50  # at most this many mails a round; the rest go in the next second


class NotifyService(HealthCheck):
    """Listens to the other services' events and mails; never blocks them (ARCHITECTURE)."""

    name = "notify"

    db = Database()
    outbox = OutboxRelay()
    log_context = LogContext()
    mailer = Mailer()

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

    @event_handler("identity", "account_created")
    @once_per_event
    def on_account_created(self, session, event):
        account = event["data"]
        if account["kind"] == "staff" and account["email"]:
            self._queue(session, account["email"], "staff_account_created",
                        {**account, "login_url": f"{public_url()}/c/{account['cci_code']}"},
                        cci_code=account["cci_code"], source_event_id=event["event_id"])

    @event_handler("identity", "verification_requested")
    @once_per_event
    def on_verification_requested(self, session, event):
        self._mail_for(session, event, "email_verification_code")  # ID-5

    @event_handler("identity", "sub_id_notified")
    @once_per_event
    def on_sub_id_notified(self, session, event):
        self._mail_for(session, event, "sub_id_notification")  # ID-6.2, ID-6.3

    # --- registration (REG-2, REG-8 … REG-10): each event names its mail ---------------------

    @event_handler("registration", "invitation_created")
    @once_per_event
    def on_invitation_created(self, session, event):
        self._mail_for(session, event, "registration_guidance")

    @event_handler("registration", "registration_returned")
    @once_per_event
    def on_registration_returned(self, session, event):
        self._mail_for(session, event, "registration_returned")

    @event_handler("registration", "registration_approved")
    @once_per_event
    def on_registration_approved(self, session, event):
        self._mail_for(session, event, "registration_approved")

    @event_handler("registration", "registration_expiring")
    @once_per_event
    def on_registration_expiring(self, session, event):
        self._mail_for(session, event, "registration_expiring")

    @event_handler("registration", "draft_expiring")
    @once_per_event
    def on_draft_expiring(self, session, event):
        self._mail_for(session, event, "draft_expiring")

    def _mail_for(self, session, event, template):
        data = event["data"]
        self._queue(session, data["to"], template, data, cci_code=data.get("cci_code"),
                    source_event_id=event["event_id"])

    def _queue(self, session, to, template, context, **kwargs):
        return domain.queue(session, to=to, template=template, context=context,
                            sender_domain=self.mailer.sender_domain, **kwargs)


def public_url() -> str:
    return config.section("GATEWAY").get("public_url", "").rstrip("/")
