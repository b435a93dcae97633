import eventlet
import pytest
import requests

from gateway.service import GatewayService
from tests.helpers.services import service_class
from tradecert import SERVICES


class WebClient(requests.Session):
    """Our stand-in for Nameko's `web_session` fixture (which breaks on Werkzeug 3): a
    requests session whose relative URLs go to the gateway under test."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 10)
        return super().request(method, self.base_url + url, *args, **kwargs)


@pytest.fixture
def system(fresh_databases, rabbit_config, web_config, web_config_port, runner_factory):
    """The gateway and all six services, each in its own container, on this test's vhost."""
    runners = {name: runner_factory(service_class(name)) for name in SERVICES}
    runners["gateway"] = runner_factory(GatewayService)
    # Started at once: a container's start mostly waits on the broker (declaring and
    # consuming its queues), so seven in a row waited seven times.
    list(eventlet.GreenPool().imap(lambda runner: runner.start(), runners.values()))
    return runners


@pytest.fixture
def web(system, web_config_port):
    with WebClient(f"http://127.0.0.1:{web_config_port}") as client:
        yield client


#: The chamber's rule documents (issue 9): what the guidance and consent pages link.
SAITAMA_RULES = [
    {"title": "商工会議所貿易関係証明罰則規程", "url": "https://example.jp/rules",
     "title_en": "Rules on penalties for trade certificates", "kind": "pledge"},
    {"title": "個人情報保護方針", "title_en": "Privacy policy",
     "url": "https://example.jp/privacy", "kind": "privacy"},
    {"title": "貿易関係証明発給規程", "title_en": "Rules on the issuance of trade certificates",
     "url": "https://example.jp/issuance", "kind": "terms"}]


@pytest.fixture
def saitama(system, rpc_client):
    return rpc_client.identity.add_chamber({
        "cci_code": "1504", "name_ja": "さいたま商工会議所", "name_en": "Saitama CCI",
        "registration_fee_jpy": {"member": 0, "non_member": 16200},
        "rules": SAITAMA_RULES})


@pytest.fixture
def new_browser(system, web_config_port):
    """Another browser: its own cookies."""
    clients = []

    def new():
        clients.append(WebClient(f"http://127.0.0.1:{web_config_port}"))
        return clients[-1]

    yield new
    for c in clients:
        c.close()
