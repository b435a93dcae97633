"""JSON logs through structlog, every line carrying the request id and the Nameko call id.

`json_formatter` is named in config.yaml's LOGGING section, so the standard library's
records (Nameko, kombu, SQLAlchemy) come out as the same JSON as our own. `LogContext`
binds `request_id` and `call_id` for the length of one worker (ARCHITECTURE: Messages).
"""
import logging
import re
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


#: Defect 8: no secret, hash or token in any log line. A value logged under one of these
#: keys (or a key containing one of the first group) is replaced, at any depth.
SECRET_KEY_PARTS = ("password", "token", "secret", "authorization", "cookie")
SECRET_KEYS = {"code", "code_hash", "verification_code", "access_code"}
REDACTED = "[redacted]"
_ARGON2 = re.compile(r"\$argon2[a-z]*\$[^\s'\"]*")
# `'password_hash': '...'`, `token_hash=...` inside a message (a dict's or an SQL error's
# text). A bare `code` is left alone in text ("status code: 500").
_SECRET_NAMES = "|".join(SECRET_KEY_PARTS)
_SECRET_WORDS = "|".join(sorted(SECRET_KEYS - {"code"}))
_KEY_VALUE = re.compile(
    rf"(?P<key>[\w-]*(?:{_SECRET_NAMES})[\w-]*|\b(?:{_SECRET_WORDS}))(?P<sep>['\"]?\s*[:=]\s*)"
    r"(?P<quote>[bu]?['\"]?)(?!\[redacted\])(?P<value>[^'\",\s)\]}]+)", re.IGNORECASE)


# PostgreSQL names the duplicate value itself: `DETAIL:  Key (token_hash)=(9f86...) ...`.
_PG_KEY_DETAIL = re.compile(r"Key \((?P<columns>[^)]*)\)=\((?P<values>[^\n]*?)\)(?= |$)",
                            re.MULTILINE)


def is_secret_key(key) -> bool:
    key = str(key).lower()
    return key in SECRET_KEYS or any(part in key for part in SECRET_KEY_PARTS)


def redact_text(text: str) -> str:
    text = _ARGON2.sub(REDACTED, text)
    text = _PG_KEY_DETAIL.sub(
        lambda m: f"Key ({m['columns']})=({REDACTED})" if any(
            is_secret_key(c.strip()) for c in m["columns"].split(",")) else m[0], text)
    return _KEY_VALUE.sub(
        lambda m: f"{m['key']}{m['sep']}{m['quote']}{REDACTED}", text)


def redact_value(value):
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: REDACTED if is_secret_key(k) and v not in (None, "") else redact_value(v)
                for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return type(value)(redact_value(v) for v in value)
    return value


def redact_secrets(logger, method_name, event_dict):
    """structlog processor, last before rendering (after the traceback is formatted, so
    the exception's text is covered too): secrets by key, argon2 hashes anywhere."""
    return redact_value(event_dict)


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
            redact_secrets,
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
