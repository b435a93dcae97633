from services.registration.dependencies import Database, LogContext, OutboxRelay
from tradecert.entrypoints import HealthCheck


class RegistrationService(HealthCheck):
    name = "registration"

    db = Database()
    outbox = OutboxRelay()
    log_context = LogContext()
