"""The gateway's DependencyProviders: RPC to the services, and the log context."""
from tradecert import rpc
from tradecert.logs import LogContext

__all__ = ["HealthRpc", "LogContext", "ServiceRpc"]


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
