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


def test_url_builders_are_made_once_per_rule_and_still_build_their_urls():
    """gateway/http.py's BuiltOnceRule: a second map of the same rules (the next gateway
    container) takes the builders made for the first, and each builds its own URLs."""
    from werkzeug.routing import Map

    from gateway.http import BuiltOnceRule

    def url_map():
        return Map([BuiltOnceRule("/api/v1/applications/<application_id>", methods=["GET"],
                                  endpoint="one"),
                    BuiltOnceRule("/api/v1/payments/<payment_id>/receipt.pdf",
                                  methods=["GET"], endpoint="two")])

    first, second = url_map(), url_map()
    for rule_a, rule_b in zip(first.iter_rules(), second.iter_rules(), strict=True):
        assert rule_a._build.__func__ is rule_b._build.__func__
        assert rule_a._build_unknown.__func__ is rule_b._build_unknown.__func__
    urls = second.bind("gateway.example")
    assert urls.build("one", {"application_id": "a b"}) == "/api/v1/applications/a%20b"
    assert urls.build("two", {"payment_id": "p1", "x": "1"}) == \
        "/api/v1/payments/p1/receipt.pdf?x=1"
    assert urls.match("/api/v1/payments/p1/receipt.pdf") == ("two", {"payment_id": "p1"})
