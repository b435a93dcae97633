"""The local Stripe server for development and tests (API.md "Local Stripe"): localstripe,
bound to loopback only and keeping its state in a file of its own.

localstripe's own command listens on every interface and keeps its state in one fixed file
in /tmp, shared by every run on the machine; this starts the same application bound to
`--host` with the state in `--state`.

    python -m operations.localstripe [--host 127.0.0.1] [--port 8420] [--state FILE]

Webhook endpoints live in the server's memory only: whoever starts it registers ours with
`register_webhook` (POST /_config/webhooks/{id}), as `tradecert run` does.
"""
import argparse
import logging
import pickle
from pathlib import Path

import requests

WEBHOOK_ID = "tradecert"
WEBHOOK_PATH = "/api/v1/webhooks/stripe"


def use_state_file(path: Path) -> None:
    """Point localstripe's store at `path` instead of /tmp/localstripe.pickle."""
    from localstripe import resources

    def load(store):
        try:
            with open(path, "rb") as fh:
                old = pickle.load(fh)  # noqa: S301 — our own server's state file
        except FileNotFoundError:
            return
        store.clear()
        store.update(old)

    def dump(store):
        with open(path, "wb") as fh:
            pickle.dump(dict(store), fh, protocol=pickle.HIGHEST_PROTOCOL)

    resources.Store.try_load_from_disk = load
    resources.Store.dump_to_disk = dump


def register_webhook(api_base: str, url: str, secret: str, timeout: float = 10) -> None:
    """Tell the local server where our webhook endpoint is and its signing secret (the
    local stand-in for Stripe's WebhookEndpoint API, which localstripe lacks)."""
    answer = requests.post(f"{api_base.rstrip('/')}/_config/webhooks/{WEBHOOK_ID}",
                           data={"url": url, "secret": secret}, timeout=timeout)
    answer.raise_for_status()


def main(argv=None) -> None:
    from tradecert import config

    config.load()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--state", type=Path, default=config.var_dir() / "localstripe.pickle")
    args = parser.parse_args(argv)

    args.state.parent.mkdir(parents=True, exist_ok=True)
    use_state_file(args.state)
    from aiohttp import web
    from localstripe.resources import store
    from localstripe.server import app

    store.try_load_from_disk()
    access = logging.getLogger("aiohttp.access")
    access.setLevel(logging.INFO)
    access.addHandler(logging.StreamHandler())
    print(f"localstripe on {args.host}:{args.port}, state in {args.state}", flush=True)
    web.run_app(app, host=args.host, port=args.port, access_log=access, print=None)


if __name__ == "__main__":
    main()
