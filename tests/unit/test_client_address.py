"""Issue 9: the client's address, as the per-address limits count it (gateway/http.py).
X-Forwarded-For is believed only when the direct peer is a trusted proxy
(GATEWAY.trusted_proxies, loopback by default), and then only its right-most address that
is not a trusted proxy: what a client writes itself stands further left."""
import nameko
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway.http import client_address
from tradecert import config


def request(peer: str, *forwarded: str) -> Request:
    headers = [("X-Forwarded-For", value) for value in forwarded]
    return Request(EnvironBuilder(path="/", headers=headers,
                                  environ_base={"REMOTE_ADDR": peer}).get_environ())


@pytest.fixture
def proxies():
    def trust(networks: str):
        return nameko.config.patch({"GATEWAY": {**config.section("GATEWAY"),
                                                "trusted_proxies": networks}})
    return trust


def test_a_direct_client_is_its_peer_whatever_it_writes(proxies):
    with proxies("127.0.0.1/32,::1/128"):
        assert client_address(request("203.0.113.5", "198.51.100.1")) == "203.0.113.5"
        assert client_address(request("2001:db8::5", "198.51.100.1")) == "2001:db8::5"


def test_behind_a_trusted_proxy_the_right_most_untrusted_address(proxies):
    with proxies("127.0.0.1/32,10.0.0.0/8"):
        assert client_address(request("127.0.0.1", "203.0.113.5")) == "203.0.113.5"
        # the client wrote 192.0.2.1 itself; the proxy appended what it saw
        assert client_address(request("127.0.0.1", "192.0.2.1, 203.0.113.5")) == "203.0.113.5"
        # two proxies of ours in a row (an ingress, then a local one), headers split
        assert client_address(request("127.0.0.1", "192.0.2.1, 203.0.113.5",
                                      "10.1.2.3")) == "203.0.113.5"


def test_without_a_header_or_with_garbage_the_nearest_believable_hop(proxies):
    with proxies("127.0.0.1/32,10.0.0.0/8"):
        assert client_address(request("127.0.0.1")) == "127.0.0.1"
        assert client_address(request("127.0.0.1", "not-an-address, 10.1.2.3")) == "10.1.2.3"
        assert client_address(request("127.0.0.1", "203.0.113.9, <script>")) == "127.0.0.1"


def test_ipv4_mapped_and_bracketed_addresses_are_the_same_client(proxies):
    with proxies("127.0.0.1/32"):
        assert client_address(request("::ffff:203.0.113.5")) == "203.0.113.5"
        assert client_address(request("127.0.0.1", "[2001:db8::1]")) == "2001:db8::1"


def test_loopback_is_trusted_by_default():
    assert "127.0.0.1/32" in config.section("GATEWAY")["trusted_proxies"]
