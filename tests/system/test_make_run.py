"""`tradecert run`, the end of `make run`, as a chamber would run it: everything starts and
answers /healthz, a stopped service is named, and SIGTERM leaves no process behind."""
import json
import os
import signal
import time
from pathlib import Path

import requests

from tests.conftest import wait_for, wait_until_healthy
from tradecert import SERVICES


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") == -1


def scrape(endpoint: str) -> str | None:
    try:
        response = requests.get(endpoint, timeout=5)
    except requests.ConnectionError:
        return None
    return response.text if response.status_code == 200 else None


def test_run_starts_everything_names_a_stopped_service_and_stops_cleanly(running_system):
    process, url, healthz, var, output = running_system

    ok = wait_until_healthy(healthz)
    assert ok.json()["services"] == {name: "ok" for name in SERVICES}
    banner = wait_for(lambda: "Stop with Ctrl-C." in Path(output.name).read_text() and
                      Path(output.name).read_text(), message="the banner")
    assert f"{url}/c/1504" in banner and "Staff login:    chamber 1504, ID saitama-staff" in banner
    assert (var / "keys" / "1504.cert.pem").exists() and (var / "keys" / "dev-ca.cert.pem").exists()
    chamber = requests.get(f"{url}/api/v1/chambers/1504", timeout=5).json()
    assert chamber["name_ja"] == "さいたま商工会議所"
    # issue 11: the seeded chamber charges the default, Chiba CCI's published online fees
    assert chamber["fees_jpy"]["co"] == chamber["fees_jpy"]["signature"] == {
        "member": 1260, "non_member": 3460}

    # issue 12: every service process serves its metrics on its own port, the gateway on its own
    endpoints = json.loads((var / "run" / "metrics-ports.json").read_text())
    assert set(endpoints) == {"gateway", *SERVICES} - {"documents"} | {"documents-1",
                                                                         "documents-2"}
    for name, endpoint in endpoints.items():  # healthy: one documents process may still start
        scraped = wait_for(lambda endpoint=endpoint: scrape(endpoint), 60, interval=0.5,
                           message=f"{name}'s metrics")
        assert "tradecert_http_requests_total" in scraped if name == "gateway" else \
            'tradecert_queue_messages{queue="rpc-' in scraped, name

    pids = {pidfile.stem: int(pidfile.read_text()) for pidfile in (var / "run").glob("*.pid")}
    assert set(pids) == {"identity", "registration", "issuance", "payment", "notify",
                         "documents-1", "documents-2", "gateway", "mailsink",
                         "localstripe"}  # issue 11: the local Stripe server, on loopback
    os.kill(pids["payment"], signal.SIGTERM)  # stop one service
    wait_for(lambda: not alive(pids["payment"]), 30, message="payment to stop")
    degraded = healthz()
    assert degraded.status_code == 503
    assert degraded.json()["failing"] == ["payment"]

    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0
    assert time.monotonic() - started < 40
    assert [name for name, pid in pids.items() if alive(pid)] == []
    assert list((var / "run").glob("*.pid")) == []
    assert not (var / "run" / "metrics-ports.json").exists()
    assert "stopped" in Path(output.name).read_text()
