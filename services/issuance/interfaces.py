"""issuance's contract: the RPC methods others may call (`ServiceRpc("issuance")`) and the events
it publishes. The service is a skeleton so far; its methods and events are written here as
they are added (ARCHITECTURE: services/issuance/)."""
from typing import Protocol

from tradecert import outbox

SERVICE = "issuance"


class IssuanceRpc(Protocol):
    """Every RPC of `issuance` (services/issuance/service.py implements each)."""

    def health(self) -> dict:
        """{service, status: ok} when the database answers."""


EVENTS: dict = {}

outbox.register_events(SERVICE, EVENTS)
