"""`tradecert run` (what `make run` ends in): one process per service, the gateway and the
SMTP sink, started in order, watched, and stopped together.

Each child runs in its own session and is told by the kernel to stop if this process dies
(PR_SET_PDEATHSIG), so neither Ctrl-C, SIGTERM nor a crash leaves a process behind.

Issue 12: a child that exits on its own (a crash, `kill -9`, the OOM killer) is restarted, as
a process manager in production would (systemd's Restart=always, Kubernetes' restartPolicy),
after a backoff that doubles while it keeps dying (0.5 s up to 30 s) and starts again from
0.5 s once it has stayed up for 30 s (config.yaml's SUPERVISOR). Each death (exit code or
signal) and each restart is logged; meanwhile /healthz names the service. A stop (Ctrl-C,
SIGTERM) is never fought: once it is asked for, nothing is restarted. `var/run/<child>.pid`
always holds the running process's pid (written anew on each restart, removed while the
child is down), for whoever signals a child (`make chaos`).
"""
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

from operations import accounts
from tradecert import SERVICES, config
from tradecert.db import upgrade
from tradecert.errors import TradecertError

STOP_TIMEOUT_S = 20
READY_TIMEOUT_S = 90
TICK_S = 0.2  # how often the children are looked at
SEED_CHAMBER = {"cci_code": "1504", "name_ja": "さいたま商工会議所",
                "name_en": "The Saitama Chamber of Commerce and Industry",
                "fee_member": 0, "fee_non_member": 16200,
                # Issue 9: the rule documents the guidance asks to agree to, and the consent
                # page's, on the chamber's site (`tradecert chamber rules` replaces them).
                "rules": [
                    {"title": "商工会議所原産地証明書等貿易関係書類認証規程",
                     "title_en": "Rules on the certification of certificates of origin and "
                                 "other trade documents",
                     "url": "https://www.saitamacci.or.jp/boeki/ninsho-kitei.pdf",
                     "kind": "pledge"},
                    {"title": "商工会議所貿易関係証明罰則規程",
                     "title_en": "Rules on penalties for trade certificates",
                     "url": "https://www.saitamacci.or.jp/boeki/bassoku-kitei.pdf",
                     "kind": "pledge"},
                    {"title": "貿易関係証明発給規程",
                     "title_en": "Rules on the issuance of trade certificates",
                     "url": "https://www.saitamacci.or.jp/boeki/hakkyu-kitei.pdf",
                     "kind": "terms"},
                    {"title": "個人情報保護方針", "title_en": "Privacy policy",
                     "url": "https://www.saitamacci.or.jp/privacy/", "kind": "privacy"},
                ],
                # whom applicants call (the manual); an example for the development seed
                "contact": {"department_ja": "国際部 貿易証明担当",
                            "department_en": "International Division, Trade Certificates",
                            "phone": "048-641-0061", "email": "shomei@example.jp",
                            "hours_ja": "平日 9:00〜17:00（12:00〜13:00を除く）",
                            "hours_en": "Weekdays 9:00-17:00 (closed 12:00-13:00)"}}
SEED_STAFF_LOGIN = "saitama-staff"

_PR_SET_PDEATHSIG = 1


def _die_with_parent():  # for the children: runs between fork and exec
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def local_stripe():
    """PAYMENT.stripe.api_base when it is the local server on loopback (development and
    tests: `tradecert run` starts it), else None (Stripe itself: nothing to start)."""
    base = urlsplit(str((config.section("PAYMENT").get("stripe") or {}).get("api_base", "")))
    return base if base.hostname in ("127.0.0.1", "localhost") and base.port else None


def service_class_path(service: str) -> str:
    return f"services.{service}.service:{service.capitalize()}Service"


@dataclass
class Backoff:
    """How long to wait before restarting a child that died (issue 12): `first` after a
    death that follows a run of at least `stable_after` seconds, doubled after each death
    that comes sooner, never more than `cap` (a child that cannot start is tried every
    `cap` seconds, not in a loop that eats the machine)."""

    first: float = 0.5
    cap: float = 30.0
    stable_after: float = 30.0
    next: float = 0.5

    def __post_init__(self):
        self.next = self.first

    def delay(self, uptime: float) -> float:
        if uptime >= self.stable_after:
            self.next = self.first
        delay, self.next = self.next, min(self.cap, self.next * 2)
        return delay


def how_it_ended(returncode: int) -> str:
    """Popen's return code in words: a negative code is the signal that killed it."""
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


def configured_backoff() -> Backoff:
    """config.yaml's SUPERVISOR (the defaults above when it has none)."""
    settings = config.section("SUPERVISOR")
    return Backoff(first=float(settings.get("restart_first_s", 0.5)),
                   cap=float(settings.get("restart_max_s", 30)),
                   stable_after=float(settings.get("stable_after_s", 30)))


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    env: dict = field(default_factory=dict)  # added to this process's environment
    started_at: float = 0.0
    restart_at: float | None = None  # while it is down: when it starts again
    restarts: int = 0
    backoff: Backoff = field(default_factory=configured_backoff)


class Supervisor:
    def __init__(self, seed: bool = True):
        self.seed = seed
        self.var = config.var_dir()
        self.run_dir, self.log_dir = self.var / "run", self.var / "log"
        self.stopping = False
        self.webhook_pending = False  # localstripe (re)started: tell it our webhook again
        python, cfg = sys.executable, str(config.config_path())
        nameko = [python, "-m", "nameko", "run", "--config", cfg]
        self.children = [Child("mailsink", [python, "-m", "operations.mailsink"])]
        self.stripe = local_stripe()
        if self.stripe:  # API.md "Local Stripe": on loopback, its state under var/
            self.children.append(Child("localstripe", [
                python, "-m", "operations.localstripe", "--host", "127.0.0.1",
                "--port", str(self.stripe.port), "--state",
                str(self.var / "localstripe.pickle")]))
        services = [Child(name, [*nameko, *options, service_class_path(service)])
                    for service in SERVICES for name, options in self.processes(service)]
        gateways = [Child(name, [*nameko, "gateway.service:GatewayService"])
                    for name in self.gateway_names()]
        self.metrics_urls = self.metrics_ports(services, gateways)
        self.children += services + gateways

    @staticmethod
    def processes(service: str) -> list[tuple[str, list[str]]]:
        """documents runs as a pool of processes on one queue (ARCHITECTURE), each taking one
        render at a time: a render is CPU-bound, so more at once in one process would only
        hold messages another process could take."""
        if service != "documents":
            return [(service, [])]
        count = int(config.section("DOCUMENTS").get("processes", 1))
        return [(f"documents-{n}", ["--define", "max_workers=1"]) for n in range(1, count + 1)]

    @staticmethod
    def gateway_names() -> list[str]:
        """GATEWAY.processes gateways on the one address (SO_REUSEPORT, eventlet's default):
        `gateway` alone, or `gateway-1` ... `gateway-N`."""
        count = max(1, int(config.section("GATEWAY").get("processes") or 1))
        return ["gateway"] if count == 1 else [f"gateway-{n}" for n in range(1, count + 1)]

    def metrics_ports(self, services: list[Child], gateways: list[Child]) -> dict[str, str]:
        """Issue 12: each service process serves its Prometheus metrics on a port of its own,
        METRICS.base_port + n (0: none). One gateway answers them at its own `/metrics`;
        several share that address, so each then serves its own on a port of its own too.
        Returns every endpoint by process name, as written to <VAR_DIR>/run/metrics-ports.json."""
        settings = config.section("METRICS")
        base = int(settings.get("base_port") or 0)
        address = settings.get("address") or "127.0.0.1"
        host = "127.0.0.1" if address in ("0.0.0.0", "::") else address  # all: loopback too
        urls = {}
        if len(gateways) == 1:
            urls["gateway"] = f"{self.gateway_url()}/metrics"
        else:
            services = services + gateways
        for offset, child in enumerate(services if base else []):
            child.env["TRADECERT_METRICS_PORT"] = str(base + offset)
            urls[child.name] = f"http://{host}:{base + offset}/metrics"
        return urls

    # --- the whole run -----------------------------------------------------------------

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)
        # `make run` gets the SIGTERM, and make does not pass it on: when our parent dies we
        # are sent SIGTERM too, and stop everything as usual.
        _die_with_parent()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.say("migrating the databases")
            for service in SERVICES:
                upgrade(service, config.database_url(service))
            login = seed_data(self.var, self.say) if self.seed else None
            self.development_keys()
            (self.run_dir / "metrics-ports.json").write_text(json.dumps(self.metrics_urls,
                                                                        indent=2))
            for child in self.children:
                if self.stopping:
                    break
                self.start(child)
            if not self.stopping:
                self.register_stripe_webhook()
                self.wait_until_ready()
                self.banner(login)
            while not self.stopping:
                self.tend()
                time.sleep(TICK_S)
        finally:
            self.stop_all()
        return 0

    def _on_signal(self, signum, frame):
        self.stopping = True

    # --- children ----------------------------------------------------------------------

    def start(self, child: Child) -> None:
        env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONUNBUFFERED": "1", **child.env}
        with open(self.log_dir / f"{child.name}.log", "ab") as log:
            child.process = subprocess.Popen(  # no threads here, so preexec_fn is safe
                child.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, start_new_session=True, preexec_fn=_die_with_parent)  # noqa: PLW1509
        child.started_at, child.restart_at = time.monotonic(), None
        self.write_pid(child)
        if child.name == "localstripe":
            self.webhook_pending = True  # it keeps webhook endpoints in memory only
        self.say(f"started {child.name} (pid {child.process.pid})")

    def pidfile(self, child: Child):
        return self.run_dir / f"{child.name}.pid"

    def write_pid(self, child: Child) -> None:
        """Written whole or not at all (a reader never sees an empty file)."""
        partial = self.run_dir / f".{child.name}.pid.new"
        partial.write_text(str(child.process.pid))
        partial.replace(self.pidfile(child))

    def tend(self) -> None:
        """One look at the children: a death noted, a restart when its backoff is over, the
        webhook told again to a restarted localstripe."""
        self.watch()
        if self.webhook_pending and not self.stopping:
            self.try_register_stripe_webhook()

    def watch(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.process is None or self.stopping:
                continue
            if child.restart_at is None:
                code = child.process.poll()
                if code is not None:
                    self.died(child, code, now)
            elif now >= child.restart_at:
                child.restarts += 1
                self.say(f"restarting {child.name} (restart {child.restarts})")
                self.start(child)

    def died(self, child: Child, code: int, now: float) -> None:
        """Its pid file goes at once (no one signals a pid the kernel may give to another
        process); it starts again after its backoff."""
        self.pidfile(child).unlink(missing_ok=True)
        uptime = now - child.started_at
        delay = child.backoff.delay(uptime)
        child.restart_at = now + delay
        self.say(f"{child.name} (pid {child.process.pid}) {how_it_ended(code)} after "
                 f"{uptime:.1f} s up; restarting it in {delay:g} s (see "
                 f"{self.log_dir / (child.name + '.log')})")

    def stop_all(self) -> None:
        """Gateway first (no new requests), then the services, then the mail sink."""
        running = [c for c in reversed(self.children)
                   if c.process and c.restart_at is None and c.process.poll() is None]
        if running:
            self.say("stopping " + ", ".join(c.name for c in running))
        for child in running:
            child.process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in running:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{child.name} did not stop in time; killing it")
                os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
        for pidfile in self.run_dir.glob("*.pid"):
            pidfile.unlink(missing_ok=True)
        (self.run_dir / "metrics-ports.json").unlink(missing_ok=True)
        self.say("stopped")

    # --- start-up ----------------------------------------------------------------------

    def development_keys(self) -> None:
        """Issue 3: without a configured key, the seeded chamber gets a development key and
        certificate now (documents would make one at its first certified PDF anyway)."""
        from services.documents.dependencies import ChamberSigners, documents_settings

        signers = ChamberSigners(documents_settings())
        if self.seed and signers.development and SEED_CHAMBER["cci_code"] not in signers.chambers:
            signers.credentials(SEED_CHAMBER)
            self.say(f"development signing key for chamber {SEED_CHAMBER['cci_code']} in "
                     f"{signers.keys_dir} (trust root: {signers.keys_dir / 'dev-ca.cert.pem'})")

    def register_stripe_webhook(self) -> None:
        """The local server keeps webhook endpoints in memory: tell it ours and its secret
        (at start; after a restart of localstripe, `tend` tries again each round)."""
        if not self.stripe:
            return
        deadline = time.monotonic() + 30
        while not self.stopping and not self.try_register_stripe_webhook():
            if time.monotonic() > deadline:
                self.say("localstripe's webhook not registered yet; trying again as it runs")
                return
            time.sleep(0.3)

    def try_register_stripe_webhook(self) -> bool:
        from operations.localstripe import WEBHOOK_PATH, register_webhook

        settings = config.section("PAYMENT").get("stripe") or {}
        try:
            register_webhook(settings["api_base"], self.gateway_url() + WEBHOOK_PATH,
                             settings["webhook_secret"], timeout=2)
        except requests.RequestException:
            return False
        self.webhook_pending = False
        self.say(f"localstripe on {settings['api_base']}: webhook registered")
        return True

    def gateway_url(self) -> str:
        return f"http://{config.get('WEB_SERVER_ADDRESS', '127.0.0.1:8000')}"

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self.stopping and time.monotonic() < deadline:
            try:
                if requests.get(f"{self.gateway_url()}/healthz", timeout=3).status_code == 200:
                    return
            except requests.RequestException:
                pass
            self.tend()
            time.sleep(0.5)
        if not self.stopping:
            self.say(f"not every service answers yet: see {self.gateway_url()}/healthz")

    def banner(self, login) -> None:
        url, smtp = self.gateway_url(), config.section("SMTP")
        lines = [
            "tradecert is running.",
            f"  Web:            {url}/c/{SEED_CHAMBER['cci_code']}",
            f"  Health:         {url}/healthz",
            f"  API document:   {url}/openapi.json  (readable: {url}/docs)",
            f"  Metrics:        {url}/metrics, each service's on its own port: "
            f"{self.run_dir / 'metrics-ports.json'}",
            f"  Mail (SMTP):    {smtp['host']}:{smtp['port']}, kept in {config.maildir()}",
            *([f"  Local Stripe:   {self.stripe.geturl()} (cards 4242 4242 4242 4242, ...)"]
              if self.stripe else []),
            f"  Logs:           {self.log_dir}/",
        ]
        if login:
            lines.append(f"  Staff login:    chamber {SEED_CHAMBER['cci_code']}, "
                         f"ID {login[0]}, password {login[1]}")
        elif self.seed:
            lines.append(f"  Staff login:    chamber {SEED_CHAMBER['cci_code']}, ID "
                         f"{SEED_STAFF_LOGIN} (made before {self.var / 'staff-login.txt'} "
                         "existed; add another with `tradecert staff add`)")
        lines.append("Stop with Ctrl-C.")
        print("\n".join(lines), flush=True)

    @staticmethod
    def say(text: str) -> None:
        print(f"[tradecert] {text}", flush=True)


def seed_data(var: Path, say) -> tuple[str, str] | None:
    """The Saitama chamber and one staff account, when absent (idempotent); the staff
    member's password is kept in <var>/staff-login.txt for later runs. Also what the browser
    tests do between two tests on one running system (their tables emptied)."""
    c = SEED_CHAMBER
    if accounts.add_chamber(c["cci_code"], c["name_ja"], c["name_en"], c["fee_member"],
                            c["fee_non_member"], if_absent=True, rules=c["rules"]):
        say(f"chamber {c['cci_code']} added: {c['name_ja']} / {c['name_en']}")
    else:
        say(f"chamber {c['cci_code']} exists")
        # seeded before it had rules (issue 9): give it the rules, once
        if accounts.set_rules(c["cci_code"], c["rules"], if_empty=True):
            say(f"chamber {c['cci_code']}: its rule documents added")
    if accounts.set_chamber_contact(c["cci_code"], c["contact"], if_absent=True):
        say(f"chamber {c['cci_code']}: contact set")
    password_file = var / "staff-login.txt"
    kept = password_file.read_text().strip() if password_file.exists() else None
    try:
        added = accounts.add_staff(c["cci_code"], SEED_STAFF_LOGIN, kept,
                                   name="さいたま商工会議所 証明担当", if_absent=True)
    except TradecertError as exc:
        say(f"staff {SEED_STAFF_LOGIN} not added: {exc.message} {exc.fields}")
        return None
    if added:  # just created: keep the password for later runs
        password_file.write_text(added)
        password_file.chmod(0o600)
    password = added or kept
    return (SEED_STAFF_LOGIN, password) if password else None
