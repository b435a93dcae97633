"""Is a service answering? Kubernetes' exec probes for the Nameko services (issue 13;
deploy/k8s/), and a quick look for an operator:

    python -m operations.probe identity          # `health` RPC: broker, a worker, its database
    python -m operations.probe identity --echo   # `echo` RPC: broker and a worker, no database
    tradecert probe identity                     # the same through the CLI

Exit code 0 when the answer came within `--timeout` seconds, 1 otherwise (the reason on
stderr). A Nameko service has no port of its own to ask: the question goes through
RabbitMQ to the service's queue (`rpc-<service>`), so it tells whether the service answers
(any of its replicas), which is what a rolling update must wait for.

Light on purpose: a probe runs every few seconds in every pod, so it imports the
configuration and Nameko's standalone client only (0.6 s of CPU where the `tradecert`
command line, which imports every service's domain code, takes 2 s). The request expires
in RabbitMQ after the timeout, so a stopped service's queue does not fill with
questions, and the probe's reply queue is deleted when it is done instead of lingering for
Nameko's 5 minutes.
"""
import argparse
import contextlib
import sys

from kombu import Connection
from nameko.standalone.rpc import ClusterRpcClient

from tradecert import SERVICES, config

#: Seconds, by default: under Kubernetes' timeoutSeconds (deploy/k8s/base) with room to start.
DEFAULT_TIMEOUT_S = 3.0


def ask(service: str, method: str = "health", *, uri: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S) -> tuple[bool, str]:
    """(True, its answer) when `service` answered `method` within `timeout`, else (False,
    why). Never raises for an unreachable broker or service: that is the answer."""
    uri = uri or config.get("AMQP_URI")
    client = ClusterRpcClient(uri=uri, timeout=timeout, expiration=timeout, retry=False)
    try:
        with client as rpc:
            answer = getattr(rpc[service], method)()
    except Exception as exc:  # noqa: BLE001 — any failure is a failed probe, named
        return False, f"{service}.{method}: {type(exc).__name__}: {exc}".strip()
    finally:
        _delete_reply_queue(client, uri)
    return True, f"{service}.{method}: {answer}"


def _delete_reply_queue(client: ClusterRpcClient, uri: str) -> None:
    with contextlib.suppress(Exception), Connection(uri, connect_timeout=1) as connection:
        client.reply_listener.queue(connection.channel()).delete()


def main(argv: list[str] | None = None) -> int:
    """The command, on the configuration already loaded (`config.load()`)."""
    parser = argparse.ArgumentParser(prog="python -m operations.probe", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("service", choices=SERVICES)
    parser.add_argument("--echo", action="store_true",
                        help="ask `echo` (no database) instead of `health`")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                        help=f"seconds (default {DEFAULT_TIMEOUT_S})")
    parser.add_argument("--uri", help="AMQP URI (default: the configuration's AMQP_URI)")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error("--timeout: must be more than 0 seconds")
    ok, message = ask(args.service, "echo" if args.echo else "health", uri=args.uri,
                      timeout=args.timeout)
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    config.load()
    sys.exit(main())
