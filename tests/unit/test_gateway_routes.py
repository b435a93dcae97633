"""The gateway is one class made of its route modules' classes: a method name used twice
would silently hide one route behind another (found when the change request pages were
added: `/staff/change-requests` answered 404)."""
from gateway.service import GatewayService


def test_no_route_module_hides_another_ones_method():
    owners: dict[str, list[str]] = {}
    for cls in GatewayService.__mro__[1:]:
        if cls.__module__.startswith("gateway.routes."):
            for name, value in vars(cls).items():
                if callable(value) and not name.startswith("__"):
                    owners.setdefault(name, []).append(cls.__name__)
    assert {name: classes for name, classes in owners.items() if len(classes) > 1} == {}
