"""payment's contract: the RPC methods others may call (`ServiceRpc("payment")`) and the events
it publishes. The service is a skeleton so far; its methods and events are written here as
they are added (ARCHITECTURE: services/payment/)."""
from typing import Protocol

from tradecert import outbox

SERVICE = "payment"


class PaymentRpc(Protocol):
    """Every RPC of `payment` (services/payment/service.py implements each)."""

    def health(self) -> dict:
        """{service, status: ok} when the database answers."""


EVENTS: dict = {}

outbox.register_events(SERVICE, EVENTS)
