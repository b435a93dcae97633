"""The gateway's DependencyProviders: RPC to the services, and the log context."""
from nameko.extensions import DependencyProvider

from gateway import verifications
from gateway.callers import CallerCache, ttl_s
from tradecert import config, metrics, rpc
from tradecert.logs import LogContext

__all__ = ["HealthRpc", "IdentityRpc", "IssuanceRpc", "LogContext", "MetricsPort", "ServiceRpc"]


class ServiceRpc(rpc.ServiceRpc):
    """The gateway waits GATEWAY.rpc_timeout_s for a service's answer, and
    GATEWAY.rpc_slow_timeout_s for the service's SLOW_CALLS: longer than the services
    wait for each other (RPC.*), so that the service that did not answer is the one named,
    and well under the 60 s a browser or a load balancer waits (issue 12)."""

    timeouts = ("GATEWAY", "rpc_timeout_s", "rpc_slow_timeout_s")


class HealthRpc(rpc.ClusterRpc):
    """RPC for /healthz: GATEWAY.health_timeout_s for every call, so a request that waits
    unanswered in a stopped service's queue expires there (the queue would otherwise fill up
    with health checks while the service is down)."""

    timeouts = ("GATEWAY", "health_timeout_s", "health_timeout_s")


class IdentityRpc(ServiceRpc):
    """RPC to identity, with the process's CallerCache (issue 12, gateway/callers.py):
    `authorize` answered from it, and the calls that change what it would answer forget the
    IDs they touch as soon as they return."""

    def __init__(self, slow=()):
        super().__init__("identity", slow=slow)

    def setup(self):
        super().setup()
        self.callers = CallerCache(ttl_s())

    def get_dependency(self, worker_ctx):
        return IdentityClient(super().get_dependency(worker_ctx), self.callers)


class IdentityClient:
    """identity's RPC client for one worker: every call goes to identity as it is; these
    answer from, or update, the caller cache."""

    def __init__(self, client, callers: CallerCache):
        self._client, self.callers = client, callers

    def __getattr__(self, name):
        return getattr(self._client, name)

    def authorize(self, credential, action: str, via: str = "bearer") -> dict:
        return self.callers.authorize(self._client, credential, action, via)

    def forget(self, cci_code: str, login_id: str) -> None:
        self.callers.forget_id(cci_code, login_id)

    # --- the calls that end sessions or change what their callers say ----------------------

    def login(self, payload: dict, via: str = "bearer", client_address=None) -> dict:
        result = self._client.login(payload, via, client_address)
        self.forget(payload["cci_code"], payload["login_id"])  # its older session ended
        return result

    def logout(self, token, via: str = "bearer") -> None:
        self.callers.forget_credential(token, via)
        return self._client.logout(token, via)

    def lock_account(self, caller: dict, login_id: str) -> dict:
        result = self._client.lock_account(caller, login_id)
        self.forget(caller["cci_code"], login_id)
        return result

    def change_password(self, caller: dict, payload: dict, client_address=None) -> None:
        self._client.change_password(caller, payload, client_address)
        self.forget(caller["cci_code"], caller["login_id"])

    def confirm_email_verification(self, caller: dict, payload: dict) -> None:
        self._client.confirm_email_verification(caller, payload)
        self.forget(caller["cci_code"], caller["login_id"])

    def set_signer_password(self, caller: dict, login_id: str, payload: dict) -> None:
        self._client.set_signer_password(caller, login_id, payload)
        self.forget(caller["cci_code"], login_id)

    def set_sub_id_password(self, caller: dict, login_id: str, payload: dict) -> None:
        self._client.set_sub_id_password(caller, login_id, payload)
        self.forget(caller["cci_code"], login_id)

    def update_sub_id(self, caller: dict, login_id: str, payload: dict) -> dict:
        result = self._client.update_sub_id(caller, login_id, payload)
        self.forget(caller["cci_code"], login_id)
        return result

    def delete_sub_id(self, caller: dict, login_id: str) -> None:
        self._client.delete_sub_id(caller, login_id)
        self.forget(caller["cci_code"], login_id)


class IssuanceRpc(ServiceRpc):
    """RPC to issuance, with the process's Verifications (issue 12, gateway/verifications.py):
    `verify` limited per address and answered from the kept answers when it can; a
    certification or revocation empties them as soon as it returns."""

    def __init__(self, slow=()):
        super().__init__("issuance", slow=slow)

    def setup(self):
        super().setup()
        self.verifications = verifications.Verifications(verifications.ttl_s())

    def get_dependency(self, worker_ctx):
        return IssuanceClient(super().get_dependency(worker_ctx), self.verifications)


class IssuanceClient:
    """issuance's RPC client for one worker: every call goes to issuance as it is but these."""

    def __init__(self, client, kept: "verifications.Verifications"):
        self._client, self.verifications = client, kept

    def __getattr__(self, name):
        return getattr(self._client, name)

    def verify(self, certificate_no, access_code, issued_on, client_address=None) -> dict:
        return self.verifications.verify(self._client, certificate_no, access_code,
                                         issued_on, client_address)

    def certify(self, caller: dict, application_id: str) -> dict:
        result = self._client.certify(caller, application_id)
        self.verifications.forget_all()  # it may replace a certificate (ISS-13)
        return result

    def revoke(self, caller: dict, application_id: str, payload: dict) -> dict:
        result = self._client.revoke(caller, application_id, payload)
        self.verifications.forget_all()
        return result

    def forget_certificate(self, certificate_no: str) -> None:
        self.verifications.forget_certificate(certificate_no)

    def send_lookups(self) -> int:
        """The lookups answered here, to issuance (ISS-14's count), and the tries seen here
        (ISS-9's limit, counted for every gateway process together)."""
        self.verifications.count_tries(self._client)
        return self.verifications.record_lookups(self._client)


class MetricsPort(DependencyProvider):
    """The process's metrics on METRICS.port too, when `make run` gives it one: several
    gateway processes share the web address, whose `/metrics` answers whichever the kernel
    picked (issue 12, operations/supervisor.py)."""

    def start(self):
        self.port = metrics.serve(config.section("METRICS"))

    def stop(self):
        metrics.stop_serving(self.port)
        self.port = None

    kill = stop
