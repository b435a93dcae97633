"""The gateway: HTTP only. Its routes live in gateway/routes/ by subject; this class puts
them together with the RPC clients they use (ARCHITECTURE: gateway)."""
from nameko.events import BROADCAST
from nameko.timer import timer

from gateway.dependencies import (
    HealthRpc,
    IdentityRpc,
    IssuanceRpc,
    LogContext,
    MetricsPort,
    ServiceRpc,
)
from gateway.openapi import build_spec
from gateway.routes.account_pages import AccountPages
from gateway.routes.account_staff_pages import AccountStaffPages
from gateway.routes.change_request_pages import ChangeRequestPages
from gateway.routes.change_requests import ChangeRequestRoutes
from gateway.routes.identity import IdentityRoutes
from gateway.routes.issuance import IssuanceRoutes
from gateway.routes.issuance_pages import IssuancePages
from gateway.routes.issuance_staff_pages import IssuanceStaffPages
from gateway.routes.pages import PageRoutes
from gateway.routes.payment import PaymentRoutes
from gateway.routes.payment_pages import PaymentPages
from gateway.routes.platform import PlatformRoutes
from gateway.routes.registration import RegistrationRoutes
from gateway.routes.registration_pages import RegistrationPages
from gateway.routes.registration_staff_pages import RegistrationStaffPages
from gateway.routes.renewal_pages import RenewalPages
from gateway.routes.verification_pages import VerificationPages
from services.documents.interfaces import SLOW_CALLS as DOCUMENTS_SLOW
from services.identity.interfaces import SERVICE as IDENTITY
from services.identity.interfaces import SLOW_CALLS as IDENTITY_SLOW
from services.issuance.interfaces import SERVICE as ISSUANCE
from services.issuance.interfaces import SLOW_CALLS as ISSUANCE_SLOW
from services.payment.interfaces import SLOW_CALLS as PAYMENT_SLOW
from services.registration.interfaces import SLOW_CALLS as REGISTRATION_SLOW
from tradecert import config
from tradecert.entrypoints import event_handler


class GatewayService(PlatformRoutes, IdentityRoutes, RegistrationRoutes, ChangeRequestRoutes,
                     PageRoutes, AccountPages, RegistrationPages, RegistrationStaffPages,
                     ChangeRequestPages, RenewalPages, AccountStaffPages, IssuanceRoutes,
                     IssuancePages, IssuanceStaffPages, PaymentRoutes,
                     PaymentPages, VerificationPages):
    name = "gateway"

    # each waits GATEWAY.rpc_timeout_s, the service's SLOW_CALLS GATEWAY.rpc_slow_timeout_s
    identity = IdentityRpc(slow=IDENTITY_SLOW)  # with the process's caller cache (callers.py)
    documents = ServiceRpc("documents", slow=DOCUMENTS_SLOW)
    registration = ServiceRpc("registration", slow=REGISTRATION_SLOW)
    issuance = IssuanceRpc(slow=ISSUANCE_SLOW)  # with its verifications (verifications.py)
    payment = ServiceRpc("payment", slow=PAYMENT_SLOW)
    cluster = HealthRpc()
    log_context = LogContext()
    metrics_port = MetricsPort()

    _spec: dict | None = None

    @event_handler(IDENTITY, "sessions_changed", handler_type=BROADCAST,
                   reliable_delivery=False)
    def forget_callers(self, envelope):
        """Issue 12: every gateway process hears it (a queue of its own, gone with it) and
        forgets the callers it remembers for the ID. Lost while the process is away from the
        broker: then the cache's few seconds bound what it remembers."""
        data = envelope["data"]
        self.identity.forget(data["cci_code"], data["login_id"])

    @event_handler(ISSUANCE, "certificate_revoked", handler_type=BROADCAST,
                   reliable_delivery=False)
    def forget_revoked(self, envelope):
        """Issue 12: a kept verification answer of a revoked certificate goes."""
        self.issuance.forget_certificate(envelope["data"]["certificate_no"])

    @event_handler(ISSUANCE, "certificate_replaced", handler_type=BROADCAST,
                   reliable_delivery=False)
    def forget_replaced(self, envelope):
        """Issue 12: a kept verification answer of a replaced certificate goes."""
        self.issuance.forget_certificate(envelope["data"]["certificate_no"])

    @timer(interval=1)
    def send_verification_lookups(self):
        """ISS-14: the lookups this process answered itself, counted by issuance."""
        self.issuance.send_lookups()

    @classmethod
    def openapi_document(cls) -> dict:
        """Built once per process: the routes do not change while it runs."""
        if cls._spec is None:
            cls._spec = build_spec(cls, title="tradecert API", version="1",
                                   server_url=config.section("GATEWAY").get("public_url", "/"))
        return cls._spec
