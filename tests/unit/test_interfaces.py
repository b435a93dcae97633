"""Each service's interfaces.py states its contract: every RPC the service has, with the same
parameters, and a schema for every event it publishes, checked when the event is recorded and
when it is consumed (tradecert/outbox.py)."""
import importlib
import inspect
from unittest.mock import MagicMock

import pytest
from nameko.rpc import Rpc

from services.registration.interfaces import SERVICE as REGISTRATION
from tradecert import SERVICES, outbox


def service_class(service: str):
    module = importlib.import_module(f"services.{service}.service")
    return next(obj for obj in vars(module).values()
                if inspect.isclass(obj) and getattr(obj, "name", None) == service)


def rpc_methods(cls) -> dict:
    return {name: fn for name, fn in inspect.getmembers(cls, inspect.isfunction)
            if any(isinstance(e, Rpc) for e in getattr(fn, "nameko_entrypoints", ()))}


def contract(service: str):
    module = importlib.import_module(f"services.{service}.interfaces")
    protocol = next(obj for name, obj in vars(module).items()
                    if name.endswith("Rpc") and inspect.isclass(obj)
                    and obj.__module__ == module.__name__)
    return module, {name: fn for name, fn in vars(protocol).items()
                    if inspect.isfunction(fn) and not name.startswith("_")}


@pytest.mark.parametrize("service", SERVICES)
def test_interfaces_state_every_rpc_with_its_parameters_and_a_docstring(service):
    module, stated = contract(service)
    implemented = rpc_methods(service_class(service))

    assert sorted(stated) == sorted(implemented)
    for name, fn in stated.items():
        assert fn.__doc__, f"{service}.{name} says what it takes, returns and raises"
        assert list(inspect.signature(fn).parameters) == list(
            inspect.signature(implemented[name]).parameters), f"{service}.{name}"
    assert service == module.SERVICE


def test_every_event_a_service_records_has_a_schema_and_a_bad_one_is_refused():
    session = MagicMock()
    with pytest.raises(outbox.EventContractBroken, match="no schema"):
        outbox.record(session, REGISTRATION, "no_such_event", {})
    with pytest.raises(outbox.EventContractBroken, match="removed_on"):
        outbox.record(session, REGISTRATION, "draft_expiring", {
            "cci_code": "1504", "application_number": "R1504-2026-00001",
            "removed_on": "someday"})
    with pytest.raises(outbox.EventContractBroken, match="'to': \\['Unknown field"):  # not a fact
        outbox.record(session, REGISTRATION, "draft_expiring", {
            "cci_code": "1504", "application_number": "R1504-2026-00001",
            "removed_on": "2026-12-01", "to": "a@example.jp"})
    session.add.assert_not_called()

    envelope = outbox.record(session, REGISTRATION, "draft_expiring", {
        "cci_code": "1504", "application_number": "R1504-2026-00001",
        "removed_on": "2026-12-01"})

    assert envelope["event_type"] == "draft_expiring" and session.add.call_count == 1


def test_a_consumer_does_not_act_on_an_event_that_breaks_its_schema():
    acted = []

    class Consumer:
        db = MagicMock()

        @outbox.once_per_event
        def on_event(self, session, event):
            acted.append(event["event_id"])

    Consumer().on_event({"event_id": "e-1", "source": REGISTRATION,
                         "event_type": "draft_expiring", "data": {"cci_code": "1504"}})
    Consumer().on_event({"event_id": "e-2", "source": "nobody", "event_type": "x", "data": {}})

    assert acted == [] and not Consumer.db.transaction.called
