"""Gateway tests with the services' RPC replaced (as nameko-examples' gateway interface
tests): the real GatewayService in a container, its `identity`, `registration`, `documents`,
`payment` and `cluster` dependencies swapped for mocks, and an HTTP client. No broker, no database:
a page or a route is tested on what the mocked service answers."""
import re
from types import SimpleNamespace

import pytest
from nameko.testing.services import replace_dependencies

from gateway.service import GatewayService
from tests.api.conftest import WebClient
from tests.helpers.payment import DEFAULT_FEES

CHAMBER = {"cci_code": "1504", "name_ja": "さいたま商工会議所", "name_en": "Saitama CCI",
           "registration_fee_jpy": {"member": 0, "non_member": 16200},
           "registration_validity_years": 2, "rules": []}


@pytest.fixture
def gateway(container_factory, web_config, web_config_port):
    """`.identity`, `.registration`, `.documents`, `.payment`: the mocks; `.web`: a client of this
    gateway (relative URLs); `.new_browser()`: another client, its own cookies."""
    container = container_factory(GatewayService)
    identity, registration, documents, payment, _ = replace_dependencies(
        container, "identity", "registration", "documents", "payment", "cluster")
    identity.get_chamber.return_value = CHAMBER
    payment.fees.return_value = DEFAULT_FEES
    identity.list_chambers.return_value = [CHAMBER]
    container.start()
    clients = []

    def new_browser():
        clients.append(WebClient(f"http://127.0.0.1:{web_config_port}"))
        return clients[-1]

    yield SimpleNamespace(identity=identity, registration=registration, documents=documents,
                          payment=payment, web=new_browser(), new_browser=new_browser,
                          port=web_config_port)
    for client in clients:
        client.close()


def application_view(**overrides) -> dict:
    """An application as registration's view answers it (ApplicationViewSchema)."""
    company = {"registration_type": "applicant", "name_ja": "さくら貿易",
               "contact": {"name_ja": "山田 花子", "email": "hanako@example.jp",
                           "is_signer": False, "same_as_current_address": True}}
    return {"application_number": "R1504-2026-00001", "cci_code": "1504",
            "email": "applicant@example.jp", "status": "draft", "company": company,
            "signers": [], "created_at": "2026-04-01T00:00:00+00:00",
            "updated_at": "2026-04-01T00:00:00+00:00", "submitted_at": None,
            "returned_reason": None, "trade_registration_number": None,
            "forms": ["pledge", "business-description", "signature-registration"],
            "registers_signers": True, "signer_reason_required": False,
            "contact_signer_missing": False, "missing": ["signers"],
            "max_extra_addresses": 2, "max_signature_scan_bytes": 10 * 1024 * 1024,
            **overrides}


NUMBER = "R1504-2026-00001"


def open_application(gateway, **view):
    """The mailed link opens the application in this browser (kept in the session)."""
    gateway.registration.get_application.return_value = application_view(**view)
    opened = gateway.web.get("/registration/application",
                             params={"application_number": NUMBER, "token": "tok"},
                             allow_redirects=False)
    assert opened.status_code == 303
    return gateway.web


def csrf_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
