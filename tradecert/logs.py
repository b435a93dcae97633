"""JSON logs through structlog, every line carrying the request id and the Nameko call id.

`json_formatter` is named in config.yaml's LOGGING section, so the standard library's
records (Nameko, kombu, SQLAlchemy) come out as the same JSON as our own. `LogContext`
binds `request_id` and `call_id` for the length of one worker (ARCHITECTURE: Messages).
"""
import logging
import uuid

import structlog
from nameko.extensions import DependencyProvider

REQUEST_ID_KEY = "request_id"

_shared_processors = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure() -> None:
    """Route structlog through the standard library so one handler formats everything."""
    structlog.configure(
        processors=[*_shared_processors, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def json_formatter() -> logging.Formatter:
    configure()
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )


def get_logger(name: str):
    return structlog.stdlib.get_logger(name)


def new_request_id() -> str:
    return uuid.uuid4().hex


class LogContext(DependencyProvider):
    """Binds the request id (from the caller's context data) and the call id to every log
    line of a worker. A worker without a request id (timer, first hop) gets a new one,
    which then travels on with its RPC calls and events."""

    def worker_setup(self, worker_ctx):
        request_id = worker_ctx.data.get(REQUEST_ID_KEY) or new_request_id()
        worker_ctx.data[REQUEST_ID_KEY] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id,
            call_id=worker_ctx.call_id,
            service=worker_ctx.service_name,
        )

    def worker_teardown(self, worker_ctx):
        structlog.contextvars.clear_contextvars()
