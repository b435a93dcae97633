from services.documents.dependencies import Database, LogContext, OutboxRelay
from tradecert.entrypoints import HealthCheck


class DocumentsService(HealthCheck):
    name = "documents"

    db = Database()
    outbox = OutboxRelay()
    log_context = LogContext()
