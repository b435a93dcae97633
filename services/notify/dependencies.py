"""notify's DependencyProviders: the shared ones, and the SMTP connection settings."""
import contextlib
import smtplib

from nameko.extensions import DependencyProvider

from services.notify import domain
from tradecert import config
from tradecert.db import Database
from tradecert.logs import LogContext
from tradecert.metrics import DatabaseGauge, Metrics
from tradecert.outbox import OutboxRelay

__all__ = ["MAILS_PENDING", "Database", "LogContext", "Mailer", "Metrics", "OutboxRelay"]

#: Issue 12: read when Prometheus scrapes. Growing: the SMTP server refuses or is away.
MAILS_PENDING = DatabaseGauge("tradecert_mails_pending", "Mails notify has not sent yet",
                              domain.pending_count)


class Mailer(DependencyProvider):
    """SMTP settings read once; each delivery round opens one connection for its mails."""

    def setup(self):
        smtp = config.section("SMTP")
        self.host, self.port = smtp["host"], int(smtp["port"])
        self.timeout = float(smtp.get("timeout_s", 10))
        self.sender = smtp["sender"]
        self.max_attempts = int(smtp.get("max_attempts", 8))
        self.backoff_base_s = float(smtp.get("backoff_base_s", 2))

    def get_dependency(self, worker_ctx):
        return self

    @property
    def sender_domain(self) -> str:
        return self.sender.rpartition("@")[2]

    def connect(self) -> smtplib.SMTP:
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def session(self) -> "SmtpSession":
        return SmtpSession(self)


class SmtpSession:
    """Connects on the first mail of a round (most rounds have none) and quits at the end."""

    def __init__(self, mailer: Mailer):
        self.mailer = mailer
        self.smtp: smtplib.SMTP | None = None

    def send(self, email) -> None:
        if self.smtp is None:
            self.smtp = self.mailer.connect()
        try:
            self.smtp.send_message(email)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.smtp = None  # reconnect for the next mail
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
