from services.issuance.dependencies import Database, LogContext, OutboxRelay
from tradecert.entrypoints import HealthCheck


class IssuanceService(HealthCheck):
    name = "issuance"

    db = Database()
    outbox = OutboxRelay()
    log_context = LogContext()
