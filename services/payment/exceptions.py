"""Payment's errors: subclasses of tradecert.errors, named for what happened; each maps to an
HTTP answer in the gateway (API.md "Payment")."""
from tradecert.errors import BadRequest, Conflict, NotFound, PaymentRequired, Unavailable


class PaymentNotFound(NotFound):
    """Not there, or not the caller's (a sub ID sees its own payments only, ISS-11; another
    company's or chamber's never)."""

    default_code = "payment_not_found"


class ApplicationAlreadyPaying(Conflict):
    """API.md: an application already paid or already in an open payment (`fields` names
    each, `application_ids.N`)."""

    default_code = "application_in_payment"


class PaymentNotOpen(Conflict):
    """The payment takes no card: it succeeded, failed or was refunded (`params.status`)."""

    default_code = "payment_not_open"


class PaymentNotPaid(Conflict):
    """No receipt before the payment succeeded."""

    default_code = "payment_not_paid"


class PaymentNotRefundable(Conflict):
    """A refund only of a succeeded payment, once, never more than was paid."""

    default_code = "payment_not_refundable"


class CardDeclined(PaymentRequired):
    """API.md: the card was declined (`params.decline_code`); the payment stays open for
    another card."""

    default_code = "card_declined"


class WebhookInvalid(BadRequest):
    """A webhook whose Stripe-Signature is missing, wrong or too old: nothing is stored."""

    default_code = "webhook_signature_invalid"


class PaymentProviderUnavailable(Unavailable):
    """Stripe answered with an error other than a decline; nothing was charged."""

    default_code = "payment_provider_error"
