"""The gateway is one class made of route classes (gateway/service.py). A method name defined
in two of them would silently hide one route behind the other (issue 10 found one): every
entrypoint's name is its own, and so is every helper's (`_form` of one class once rendered
another's pages)."""
from collections import Counter

from gateway.service import GatewayService


def test_no_two_route_classes_define_the_same_method():
    names = Counter(name for base in GatewayService.__mro__[1:]
                    if base.__module__.startswith("gateway.routes.")
                    for name, value in vars(base).items()
                    if callable(value) and not name.startswith("__"))
    assert [name for name, count in names.items() if count > 1] == []
