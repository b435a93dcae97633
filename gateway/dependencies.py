"""The gateway's DependencyProviders: RPC to the services, and the log context."""
from tradecert import config
from tradecert.logs import LogContext
from tradecert.rpc import ClusterRpc, ServiceRpc

__all__ = ["ClusterRpc", "HealthRpc", "LogContext", "ServiceRpc"]


class HealthRpc(ClusterRpc):
    """RPC for /healthz: a request that waits unanswered in a stopped service's queue expires
    there (the queue would otherwise fill up with health checks while the service is down)."""

    def __init__(self):
        super().__init__(expiration=self.timeout())

    @staticmethod
    def timeout() -> float:
        return float(config.section("GATEWAY").get("health_timeout_s", 2))
