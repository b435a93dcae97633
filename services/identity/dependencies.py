"""identity's DependencyProviders: the shared database, outbox relay and log context."""
from tradecert.db import Database
from tradecert.logs import LogContext
from tradecert.metrics import Metrics
from tradecert.outbox import OutboxRelay

__all__ = ["Database", "LogContext", "Metrics", "OutboxRelay"]
