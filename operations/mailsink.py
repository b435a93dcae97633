"""The local SMTP sink for development and tests: a real SMTP server (aiosmtpd) on loopback
that keeps every message it receives as a file in a Maildir (API.md: Local mail).

    python -m operations.mailsink [--host 127.0.0.1] [--port 8025] [--maildir var/mail]
"""
import argparse
import email
import email.policy
import mailbox
import signal
import threading
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


def start(maildir: Path, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    for sub in ("tmp", "new", "cur"):  # mailbox.Maildir makes these only for a new folder
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    controller = Controller(Mailbox(str(maildir)), hostname=host, port=port)
    controller.start()
    return controller


def read(maildir: Path) -> list[email.message.EmailMessage]:
    """Every message in the Maildir, oldest first, parsed with headers decoded."""
    box = mailbox.Maildir(str(maildir), factory=None, create=False)
    messages = []
    for key in sorted(box.keys()):  # Maildir names begin with the delivery time
        with box.get_file(key) as fh:
            messages.append(email.message_from_binary_file(fh, policy=email.policy.default))
    return messages


def main(argv=None) -> None:
    from tradecert import config

    config.load()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=config.section("SMTP").get("host", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(config.section("SMTP").get("port", 8025)))
    parser.add_argument("--maildir", type=Path, default=config.maildir())
    args = parser.parse_args(argv)

    controller = start(args.maildir, args.host, args.port)
    print(f"SMTP sink on {args.host}:{args.port}, keeping mail in {args.maildir}", flush=True)
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main()
