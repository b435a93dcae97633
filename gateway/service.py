"""The gateway: HTTP only. Its routes live in gateway/routes/ by subject; this class puts
them together with the RPC clients they use (ARCHITECTURE: gateway)."""
from gateway.dependencies import HealthRpc, LogContext, ServiceRpc
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
from services.identity.interfaces import SLOW_CALLS as IDENTITY_SLOW
from services.issuance.interfaces import SLOW_CALLS as ISSUANCE_SLOW
from services.payment.interfaces import SLOW_CALLS as PAYMENT_SLOW
from services.registration.interfaces import SLOW_CALLS as REGISTRATION_SLOW
from tradecert import config


class GatewayService(PlatformRoutes, IdentityRoutes, RegistrationRoutes, ChangeRequestRoutes,
                     PageRoutes, AccountPages, RegistrationPages, RegistrationStaffPages,
                     ChangeRequestPages, RenewalPages, AccountStaffPages, IssuanceRoutes,
                     IssuancePages, IssuanceStaffPages, PaymentRoutes,
                     PaymentPages, VerificationPages):
    name = "gateway"

    # each waits GATEWAY.rpc_timeout_s, the service's SLOW_CALLS GATEWAY.rpc_slow_timeout_s
    identity = ServiceRpc("identity", slow=IDENTITY_SLOW)
    documents = ServiceRpc("documents", slow=DOCUMENTS_SLOW)
    registration = ServiceRpc("registration", slow=REGISTRATION_SLOW)
    issuance = ServiceRpc("issuance", slow=ISSUANCE_SLOW)
    payment = ServiceRpc("payment", slow=PAYMENT_SLOW)
    cluster = HealthRpc()
    log_context = LogContext()

    _spec: dict | None = None

    @classmethod
    def openapi_document(cls) -> dict:
        """Built once per process: the routes do not change while it runs."""
        if cls._spec is None:
            cls._spec = build_spec(cls, title="tradecert API", version="1",
                                   server_url=config.section("GATEWAY").get("public_url", "/"))
        return cls._spec
