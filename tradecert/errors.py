"""Errors that cross service boundaries and become HTTP answers in the gateway.

Each error carries a stable `code` (machine-readable, documented in API.md), an English
`message` for logs, the offending `fields` (path -> list of message keys) and `params`
for the translated text. Nameko serialises an exception as its `args`; registering the
classes (every subclass, automatically) with `deserialize_to_instance` makes the caller
get the same class back, so the gateway maps them to HTTP in one place (gateway/http.py).
"""
from nameko.exceptions import deserialize_to_instance


@deserialize_to_instance
class TradecertError(Exception):
    """Base of every expected error. `status` is the HTTP status the gateway answers."""

    status = 500
    default_code = "internal_error"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        deserialize_to_instance(cls)  # every subclass, in any service, crosses RPC intact

    def __init__(self, code=None, message=None, fields=None, params=None):
        code = code or self.default_code
        message = message or code.replace("_", " ")
        super().__init__(code, message, fields or {}, params or {})

    @property
    def code(self) -> str:
        return self.args[0]

    @property
    def message(self) -> str:
        return self.args[1]

    @property
    def fields(self) -> dict:
        return self.args[2]

    @property
    def params(self) -> dict:
        return self.args[3]

    def __str__(self):
        return f"{self.code}: {self.message}"


class BadRequest(TradecertError):
    """The request is malformed."""

    status = 400
    default_code = "bad_request"


class Unauthorized(TradecertError):
    """Not logged in, or the session ended."""

    status = 401
    default_code = "unauthorized"


class Forbidden(TradecertError):
    """Logged in, but not allowed."""

    status = 403
    default_code = "forbidden"


class NotFound(TradecertError):
    """Not found, or not the caller's: never tell which (API.md)."""

    status = 404
    default_code = "not_found"


class Conflict(TradecertError):
    """The object is in the wrong state for this."""

    status = 409
    default_code = "conflict"


class Gone(TradecertError):
    """The link or token has expired."""

    status = 410
    default_code = "gone"


class ValidationFailed(TradecertError):
    """Input broke a rule; `fields` names each field."""

    status = 422
    default_code = "validation_failed"


class TooManyAttempts(TradecertError):
    """Too many attempts; `params['retry_after_s']` says when to retry."""

    status = 429
    default_code = "too_many_attempts"


class Unavailable(TradecertError):
    """A service the request needs does not answer."""

    status = 503
    default_code = "unavailable"


EXPECTED = (TradecertError,)


def validation_failed(messages: dict, prefix: str = "") -> ValidationFailed:
    """Turn marshmallow's nested `messages` into a ValidationFailed with dotted field paths."""
    fields: dict[str, list[str]] = {}

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and node and not all(isinstance(m, str) for m in node):
            for item in node:
                walk(item, path)
        else:
            fields.setdefault(path or "_schema", []).extend(
                node if isinstance(node, list) else [str(node)])

    walk(messages, prefix)
    return ValidationFailed(message="validation failed", fields=fields)
