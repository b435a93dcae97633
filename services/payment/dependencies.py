"""payment's DependencyProviders: the shared database, outbox relay and log context, the
configured default fee schedule, and the Stripe client (ISS-8)."""
import stripe
from marshmallow import ValidationError
from nameko.extensions import DependencyProvider

from services.payment import payments
from services.payment.interfaces import stripe_settings
from services.payment.schemas import FeeScheduleSchema
from tradecert import config
from tradecert.db import Database
from tradecert.errors import validation_failed
from tradecert.logs import LogContext
from tradecert.metrics import DatabaseGauge, Metrics
from tradecert.outbox import OutboxRelay

__all__ = ["PAYMENTS_OPEN", "Database", "DefaultFees", "LogContext", "Metrics", "OutboxRelay",
           "Stripe", "StripeApi", "default_fees", "stripe_settings"]

#: Issue 12: read when Prometheus scrapes.
PAYMENTS_OPEN = DatabaseGauge("tradecert_payments_open",
                              "Card payments started and not yet charged or given up",
                              payments.open_count)


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


class StripeApi:
    """The few Stripe calls payment makes, with stripe-python's client (ISS-8). Only the API
    base, the keys and the secret come from the configuration; the calls are the same
    against Stripe and against the local server. Objects come back as plain dicts
    (stripe-python ≥ 15 returns objects that are not dicts)."""

    def __init__(self, settings: dict):
        self.settings = settings
        self.client = stripe.StripeClient(
            settings["secret_key"], base_addresses={"api": settings["api_base"]},
            max_network_retries=2)

    @property
    def publishable_key(self) -> str:
        return self.settings["publishable_key"]

    def create_intent(self, payment_id: str, amount_jpy: int, attempt: int,
                      payment_method: str | None = None) -> dict:
        """One PaymentIntent in yen per payment (and attempt), idempotent by our id."""
        params = {"amount": amount_jpy, "currency": "jpy", "payment_method_types": ["card"],
                  "metadata": {"payment_id": payment_id}}
        if payment_method:
            params["payment_method"] = payment_method
        key = f"payment-{payment_id}" if attempt == 1 else f"payment-{payment_id}-{attempt}"
        return self.client.v1.payment_intents.create(
            params=params, options={"idempotency_key": key}).to_dict()

    def retrieve(self, intent_id: str) -> dict:
        return self.client.v1.payment_intents.retrieve(intent_id).to_dict()

    def set_payment_method(self, intent_id: str, payment_method: str) -> dict:
        """The card goes on the intent first, then `confirm` without arguments: the local
        server does not take `confirm(payment_method=...)`, Stripe takes both."""
        return self.client.v1.payment_intents.update(
            intent_id, params={"payment_method": payment_method}).to_dict()

    def confirm(self, intent_id: str) -> dict:
        return self.client.v1.payment_intents.confirm(intent_id).to_dict()

    def cancel(self, intent_id: str) -> dict:
        return self.client.v1.payment_intents.cancel(intent_id).to_dict()

    def refund(self, payment_id: str, intent_id: str, amount_jpy: int) -> dict:
        return self.client.v1.refunds.create(
            params={"payment_intent": intent_id, "amount": amount_jpy,
                    "metadata": {"payment_id": payment_id}},
            options={"idempotency_key": f"refund-{payment_id}"}).to_dict()

    def event(self, payload: str, signature_header: str | None) -> dict:
        """The webhook's event, its Stripe-Signature checked with the endpoint's secret
        (and refused when older than Stripe's default tolerance, 5 minutes)."""
        event = stripe.Webhook.construct_event(payload, signature_header,
                                               self.settings["webhook_secret"])
        return event.to_dict()


class Stripe(DependencyProvider):
    """The Stripe client, built once as the service starts."""

    def setup(self):
        self.api = StripeApi(stripe_settings())

    def get_dependency(self, worker_ctx):
        return self.api
