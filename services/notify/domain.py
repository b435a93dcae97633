"""notify's rules: render a mail from its template, queue it, deliver what is due with
exponential backoff. SMTP is passed in, so the rules run without a server in unit tests."""
import smtplib
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.notify.exceptions import UnknownTemplate
from services.notify.models import MailMessage
from tradecert.db import utcnow
from tradecert.logs import get_logger

SERVICE = "notify"
log = get_logger(__name__)

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    undefined=StrictUndefined,  # a missing value fails the render, never mails a blank
    autoescape=False,  # plain-text mail
    keep_trailing_newline=True,
)


def render(template: str, context: dict) -> tuple[str, str]:
    """Subject and body of a mail. A template holds both, Japanese first, then English."""
    try:
        tmpl = templates.get_template(f"{template}.txt")
    except TemplateNotFound:
        raise UnknownTemplate(message=f"no mail template {template}",
                              fields={"template": ["unknown_mail_template"]}) from None
    ctx = tmpl.new_context(context)
    subject = "".join(tmpl.blocks["subject"](ctx)).strip()
    body = "".join(tmpl.blocks["body"](ctx)).strip() + "\n"
    return subject, body


def contact_footer(chamber: dict) -> str | None:
    """The chamber's contact at the foot of a customer mail (the manual tells applicants to
    call the chamber); None while the chamber has none."""
    if not chamber.get("contact"):
        return None
    return templates.get_template("_chamber_contact.txt").render(chamber)


def queue(session: Session, *, to: str, template: str, context: dict, sender_domain: str,
          cci_code: str | None = None, source_event_id: str | None = None,
          footer: str | None = None) -> MailMessage:
    subject, body = render(template, context)
    if footer:
        body = f"{body}\n{footer.strip()}\n"
    message = MailMessage(
        message_id=f"<{uuid.uuid4().hex}@{sender_domain}>", template=template, to_address=to,
        subject=subject, body=body, cci_code=cci_code, source_event_id=source_event_id,
        status="pending", attempts=0, next_attempt_at=utcnow(),
    )
    session.add(message)
    session.flush()
    return message


def as_email(message: MailMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = formatdate(localtime=False)
    email.set_content(message.body, charset="utf-8")
    return email


def backoff(attempts: int, base_s: float) -> timedelta:
    return timedelta(seconds=min(3600, base_s * 2 ** (attempts - 1)))


def deliver_next(session: Session, send, *, sender: str, max_attempts: int,
                 backoff_base_s: float) -> MailMessage | None:
    """Claim the next due mail, try it once and record how it went; None when nothing is due.
    The caller commits each mail on its own (defect 1: one bad mail never rolls back the
    record of those sent before it, so none is sent twice and none waits behind it).

    `send(EmailMessage)` raises on failure. A permanent refusal (5xx) fails the mail at once;
    anything else from SMTP is retried with exponential backoff until `max_attempts`. A mail
    that cannot even be written as a message (a line break in its subject) or that the mail
    library refuses is failed at once with the reason."""
    now = utcnow()
    message = session.scalars(
        select(MailMessage)
        .where(MailMessage.status == "pending", MailMessage.next_attempt_at <= now)
        .order_by(MailMessage.id).limit(1)
        .with_for_update(skip_locked=True)  # several notify processes never send one mail twice
    ).first()
    if message is None:
        return None
    message.attempts += 1
    try:
        email = as_email(message, sender)
        send(email)
    except (smtplib.SMTPException, OSError) as exc:
        permanent = getattr(exc, "smtp_code", 0) >= 500 or isinstance(
            exc, smtplib.SMTPRecipientsRefused)
        message.last_error = repr(exc)[:2000]
        if permanent or message.attempts >= max_attempts:
            _failed(message)
        else:
            message.next_attempt_at = now + backoff(message.attempts, backoff_base_s)
            log.warning("mail_retry", mail_id=message.id, attempts=message.attempts,
                        error=message.last_error)
    except Exception as exc:  # noqa: BLE001 — this mail is undeliverable as written
        message.last_error = f"undeliverable: {exc!r}"[:2000]
        _failed(message)
    else:
        message.status, message.sent_at, message.last_error = "sent", utcnow(), None
        log.info("mail_sent", mail_id=message.id, template=message.template)
    session.flush()
    return message


def _failed(message: MailMessage) -> None:
    message.status = "failed"
    log.error("mail_failed", mail_id=message.id, error=message.last_error)


def pending_count(session: Session) -> int:
    """Mails not yet sent: waiting for their first try or for a retry (issue 12's gauge;
    the partial index `ix_mail_messages_pending` keeps it cheap however many were sent)."""
    return session.scalar(select(func.count()).select_from(MailMessage)
                          .where(MailMessage.status == "pending"))


def list_messages(session: Session, *, to: str | None = None, limit: int = 100):
    query = select(MailMessage).order_by(MailMessage.id.desc()).limit(min(limit, 1000))
    if to:
        query = query.where(MailMessage.to_address == to)
    return session.scalars(query).all()
