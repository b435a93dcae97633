"""What every service class shares: an `rpc` that treats TradecertError as an expected
answer (not logged as a crash) and refuses a NUL in any argument, and the `health` RPC the
gateway's /healthz asks."""
import functools
import inspect

from nameko.rpc import rpc as nameko_rpc
from sqlalchemy import text

from tradecert.errors import EXPECTED, validation_failed
from tradecert.schemas import nul_fields


def rpc(fn=None, **options):
    """`@rpc` or `@rpc(...)`, with our errors expected by default, refusing a NUL in any
    argument (an ID from a URL, too): PostgreSQL keeps none, so it would be a 500."""
    options.setdefault("expected_exceptions", EXPECTED)
    decorator = nameko_rpc(**options)

    def apply(method):
        return decorator(refusing_nul(method))

    return apply(fn) if fn is not None else apply


def refusing_nul(method):
    signature = inspect.signature(method)

    @functools.wraps(method)
    def entrypoint(self, *args, **kwargs):
        arguments = signature.bind(self, *args, **kwargs).arguments
        arguments.pop("self")
        # a body (a dict) names its own fields; any other argument is named itself
        refused = {path: messages for name, value in arguments.items()
                   for path, messages in nul_fields(
                       value if isinstance(value, dict) else {name: value})}
        if refused:
            raise validation_failed(refused)
        return method(self, *args, **kwargs)

    entrypoint.__signature__ = signature  # Nameko checks the call against it
    return entrypoint


class HealthCheck:
    """Mixin: `health` answers only when the service can also reach its own database."""

    @rpc
    def health(self) -> dict:
        self.db.session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}

    @rpc
    def echo(self) -> dict:
        """Answers at once, touching nothing: `GET /api/v1/echo` asks it to measure what one
        RPC through the gateway costs on its own (`make load`'s ceiling, issue 12)."""
        return {"service": self.name, "ok": True}
