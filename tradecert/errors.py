"""Errors that cross service boundaries and become HTTP answers in the gateway.

Each error carries a stable `code` (machine-readable, documented in API.md), an English
`message` for logs, the offending `fields` (path -> list of message keys) and `params`
for the translated text. The gateway maps them to HTTP in one place (gateway/http.py).

How an error crosses RPC, registered once, here. Nameko sends an exception as its class's
dotted path and its `args`, and rebuilds it from `nameko.exceptions.registry` (path ->
class). Every TradecertError also sends its *kind* (the class of this module it derives
from: NotFound, Conflict, ValidationFailed, ...) and its own path in a last argument, and
importing this module makes the registry answer for any tradecert error:

- a class imported in the receiving process comes back as itself (`except
  ApplicationTokenInvalid` works wherever `services.registration.exceptions` is imported);
- any other comes back as a subclass of its kind, made on the fly, with the same name, code,
  status, fields and params (one class per origin, so it can be caught as `type(e)` too),
  and it goes on to the next caller with its origin, which may know the real class.

So a service never imports another's exceptions only to let its errors through. The rule
for callers: catch a class only if you import it; otherwise catch the kind and compare
`code` (`except Conflict as e: if e.code == "registration_exists"`).
"""
import functools

import nameko.exceptions
from nameko.exceptions import RemoteError, deserialize_to_instance, get_module_path

#: The kinds, by name: this module's classes (the receiver must know the kind, not the class).
KINDS: dict[str, type] = {}
#: Classes rebuilt for errors whose class is not imported here, by origin path.
_REBUILT: dict[str, type] = {}


class KnownErrors(dict):
    """`nameko.exceptions.registry` that also rebuilds tradecert errors it has no class for.
    Nameko's `deserialize` asks `path in registry`, then calls `registry[path](*args)`."""

    def __contains__(self, path) -> bool:
        # Our errors' classes live in services.* (and in this module, for rebuilt ones).
        return super().__contains__(path) or str(path).startswith(("services.", "tradecert."))

    def __missing__(self, path):
        return functools.partial(_rebuild, path)


def _rebuild(path: str, *args):
    origin = args[4] if len(args) == 5 and isinstance(args[4], dict) else None
    if origin is None or origin.get("kind") not in KINDS:
        # Not one of ours after all: what Nameko gives for any unregistered exception.
        return RemoteError(exc_type=path.rpartition(".")[2], value=str(Exception(*args)))
    known = dict.get(nameko.exceptions.registry, origin["type"])
    return (known or rebuilt_class(origin))(*args)


def rebuilt_class(origin: dict) -> type:
    """The stand-in for a class this process does not import: a subclass of its kind with
    the sender's name, status and default code."""
    path = origin["type"]
    if path not in _REBUILT:
        kind = KINDS[origin["kind"]]
        name = path.rpartition(".")[2]
        _REBUILT[path] = type(name, (kind,), {
            "__module__": __name__, "__qualname__": name, "__doc__": f"Rebuilt from {path}.",
            "origin_path": path, "status": int(origin.get("status", kind.status)),  # sent as text
            "default_code": origin.get("default_code", kind.default_code)}, rebuilt=True)
    return _REBUILT[path]


if not isinstance(nameko.exceptions.registry, KnownErrors):
    # Once per process: it keeps what is registered already, and Nameko's
    # `deserialize_to_instance` adds to it from now on.
    nameko.exceptions.registry = KnownErrors(nameko.exceptions.registry)


@deserialize_to_instance
class TradecertError(Exception):
    """Base of every expected error. `status` is the HTTP status the gateway answers."""

    status = 500
    default_code = "internal_error"
    kind = "TradecertError"
    origin_path = f"{__name__}.TradecertError"

    def __init_subclass__(cls, rebuilt: bool = False, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__ == __name__ and not rebuilt:
            KINDS[cls.__name__] = cls
            cls.kind = cls.__name__
        if not rebuilt:
            cls.origin_path = get_module_path(cls)
            deserialize_to_instance(cls)  # every subclass, in any service, crosses RPC intact

    def __init__(self, code=None, message=None, fields=None, params=None, origin=None):
        # `origin` is what the sender's class was; the receiver's class knows it already.
        code = code or self.default_code
        message = message or code.replace("_", " ")
        super().__init__(code, message, fields or {}, params or {},
                         {"type": self.origin_path, "kind": self.kind, "status": self.status,
                          "default_code": self.default_code})

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


KINDS["TradecertError"] = TradecertError


class BadRequest(TradecertError):
    """The request is malformed."""

    status = 400
    default_code = "bad_request"


class Unauthorized(TradecertError):
    """Not logged in, or the session ended."""

    status = 401
    default_code = "unauthorized"


class PaymentRequired(TradecertError):
    """The card was declined (API.md "Payment": 402 card_declined); try another."""

    status = 402
    default_code = "payment_required"


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


class ServiceUnavailable(Unavailable):
    """Another service did not answer an RPC in time, or none is running (issue 12, "No
    request hangs"): `params` name the `service` and say when to retry (`retry_after_s`,
    the gateway's Retry-After). Raised by tradecert.rpc's clients in the gateway and in the
    services alike, so a timeout two hops away is still a 503 naming who did not answer."""

    default_code = "service_unavailable"


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
