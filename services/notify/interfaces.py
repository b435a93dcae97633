"""notify's contract: the RPC methods others may call (`ServiceRpc("notify")`). notify
publishes no events; it consumes identity's, registration's and issuance's, checked against
the schemas of their interfaces.py, and builds each mail from the facts
(services/notify/mails.py)."""
from typing import Protocol

from tradecert import outbox

SERVICE = "notify"

#: The RPCs that take seconds by design: none (issue 12, tradecert/rpc.py).
SLOW_CALLS: frozenset[str] = frozenset()


class NotifyRpc(Protocol):
    """Every RPC of `notify` (services/notify/service.py implements each)."""

    def send_mail(self, payload: dict) -> dict:
        """MailRequestSchema: one mail from a named template, queued for delivery; returns
        MailMessageSchema. Raises UnknownTemplate, ValidationFailed."""

    def list_messages(self, to: str | None = None, limit: int = 100) -> list[dict]:
        """MailMessageSchema list, newest first (at most 1000): the record of what was sent."""

    def health(self) -> dict:
        """{service, status: ok} when the database answers."""

    def echo(self) -> dict:
        """{service, ok: true} at once, touching nothing: the RPC round trip alone."""


EVENTS: dict = {}

outbox.register_events(SERVICE, EVENTS)
