from services.payment.dependencies import Database, LogContext, OutboxRelay
from tradecert.entrypoints import HealthCheck


class PaymentService(HealthCheck):
    name = "payment"

    db = Database()
    outbox = OutboxRelay()
    log_context = LogContext()
