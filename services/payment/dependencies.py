"""payment's DependencyProviders: the shared database, outbox relay and log context, and the
configured default fee schedule."""
from marshmallow import ValidationError
from nameko.extensions import DependencyProvider

from services.payment.schemas import FeeScheduleSchema
from tradecert import config
from tradecert.db import Database
from tradecert.errors import validation_failed
from tradecert.logs import LogContext
from tradecert.outbox import OutboxRelay

__all__ = ["Database", "DefaultFees", "LogContext", "OutboxRelay", "default_fees"]


def default_fees() -> dict:
    """ISS-11: config.yaml's PAYMENT.default_fees_jpy, what a chamber that has set no fees of
    its own charges. A wrong value raises ValidationFailed naming it."""
    configured = config.section("PAYMENT").get("default_fees_jpy")
    try:
        return FeeScheduleSchema().load(configured or {})
    except ValidationError as exc:
        raise validation_failed(exc.messages, prefix="PAYMENT.default_fees_jpy") from None


class DefaultFees(DependencyProvider):
    """The default schedule, read and checked once as the service starts (a misconfigured
    one stops the start, not a quote later)."""

    def setup(self):
        self.fees = default_fees()

    def get_dependency(self, worker_ctx):
        return self.fees
