"""`tradecert run`, the end of `make run`, as a chamber would run it: everything starts and
answers /healthz, a stopped service is named, and SIGTERM leaves no process behind."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port, wait_for
from tradecert import SERVICES


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") == -1


@pytest.fixture
def running_system(rabbit_uri, fresh_databases, tmp_path):
    port = free_port()
    env = {**os.environ, "TRADECERT_AMQP_URI": rabbit_uri,
           "TRADECERT_GATEWAY_ADDRESS": f"127.0.0.1:{port}",
           "TRADECERT_PUBLIC_URL": f"http://127.0.0.1:{port}",
           "TRADECERT_SMTP_PORT": str(free_port()), "TRADECERT_VAR_DIR": str(tmp_path)}
    output = open(tmp_path / "run.out", "w+")  # noqa: SIM115 — read back by the test
    process = subprocess.Popen([sys.executable, "-m", "tradecert.cli", "run"], env=env,
                               stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def healthz():
        try:
            return requests.get(f"{url}/healthz", timeout=5)
        except requests.RequestException:
            return None

    yield process, url, healthz, tmp_path, output
    if process.poll() is None:
        process.kill()
    output.close()


def test_run_starts_everything_names_a_stopped_service_and_stops_cleanly(running_system):
    process, url, healthz, var, output = running_system

    ok = wait_for(lambda: (r := healthz()) is not None and r.status_code == 200 and r, 120,
                  interval=0.5, message="/healthz 200")
    assert ok.json()["services"] == {name: "ok" for name in SERVICES}
    banner = wait_for(lambda: "Stop with Ctrl-C." in Path(output.name).read_text() and
                      Path(output.name).read_text(), message="the banner")
    assert f"{url}/c/1504" in banner and "Staff login:    chamber 1504, ID saitama-staff" in banner
    chamber = requests.get(f"{url}/api/v1/chambers/1504", timeout=5).json()
    assert chamber["name_ja"] == "さいたま商工会議所"

    pids = {name: int((var / "run" / f"{name}.pid").read_text())
            for name in (*SERVICES, "gateway", "mailsink")}
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
    assert "stopped" in Path(output.name).read_text()
