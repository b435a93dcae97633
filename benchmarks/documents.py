"""`make bench`: how fast the documents service renders certificates of origin, and how much
memory a worker keeps. Results are printed as a table and written to var/bench/latest.json.

- co_render_ms_median: one warm Renderer in this process, a 1-page CO, median of 50.
- co_pdfs_per_s_1_worker / _2_workers: through the service over RabbitMQ (render + sign +
  store, each payload new so nothing comes from the cache), 1 and 2 worker processes.
- documents_rss_mb_after_1000: resident memory of a worker process after 1,000 renders.
- signature_form_500_signers_s: one warm Renderer in this process, the signature registration
  form (REG-7) of 500 signers (125 pages), seconds for one render (rendered once per content:
  an edit pays it once, later requests get the stored file). The reference, 12.5 s, is the
  old form's rate: 5 s for 200 signers (25 ms a signer), when it refused more than 200.
- signature_stamp_2_pages_ms_median: one warm Renderer in this process, the signature
  certification stamped on a 2-page applicant PDF (ISS-10: the stamp rendered by WeasyPrint,
  drawn on each page by pyHanko's writer; signing not included), median of 20. Measured
  against pyHanko's own QR text stamp (pyhanko.stamp.QRStamp, with qrcode and uharfbuzz for
  the Japanese font) on the same PDF: ~350 ms against ~50 ms, and its Japanese text spaced
  out and unwrapped, so the stamp is WeasyPrint's.
- receipt_ms_median: one warm Renderer in this process, a receipt of 3 certificates (ISS-8),
  median of 20; statement_60_payments_ms: the monthly statement of 60 payments (3 pages).

It runs on its own vhost and databases (tcbench_*), removed afterwards.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from tradecert import config

ROOT = Path(__file__).resolve().parent.parent
RABBIT_API = os.environ.get("TRADECERT_TEST_RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672")
TARGETS = {"co_render_ms_median": ("<=", 100), "co_scaling_1_to_2": (">=", 1.8),
           "documents_rss_mb_after_1000": ("<=", 200), "signature_form_500_signers_s": ("<=", 12.5)}


def co_payload(n: int) -> dict:
    from services.documents.samples import certificate_of_origin

    payload = certificate_of_origin(goods_count=3)
    payload["certificate_no"] = f"1504-BENCH-{n:07d}"
    return payload


def measure_in_process(renders: int = 50) -> dict:
    from services.documents.kinds import KINDS
    from services.documents.rendering import Renderer

    renderer = Renderer(KINDS)
    data = [renderer.validate("co", co_payload(n)) for n in range(renders + 5)]
    for item in data[:5]:
        renderer.render("co", item)
    times = []
    for item in data[5:]:
        started = time.perf_counter()
        renderer.render("co", item)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"co_render_ms_median": round(statistics.median(times), 1),
            "co_render_ms_p95": round(times[int(len(times) * 0.95) - 1], 1)}


def measure_signature_form(signers: int = 500) -> dict:
    from services.documents.kinds import KINDS
    from services.documents.rendering import Renderer
    from services.documents.samples import registration_form

    renderer = Renderer(KINDS)
    kind = "signature-registration"
    renderer.render(kind, renderer.validate(kind, registration_form("applicant", 4)))  # warm
    data = renderer.validate(kind, registration_form("applicant", signers))
    started = time.perf_counter()
    rendered = renderer.render_document(kind, data)
    return {f"signature_form_{signers}_signers_s": round(time.perf_counter() - started, 2),
            f"signature_form_{signers}_signers_pages": rendered.pages}


def measure_payment_documents(renders: int = 20) -> dict:
    from services.documents.kinds import KINDS
    from services.documents.rendering import Renderer
    from services.documents.samples import receipt, statement

    renderer = Renderer(KINDS)
    data = renderer.validate("receipt", receipt())
    renderer.render("receipt", data)  # warm
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        renderer.render("receipt", data)
        times.append((time.perf_counter() - started) * 1000)
    month = renderer.validate("statement", statement(60))
    started = time.perf_counter()
    renderer.render("statement", month)
    return {"receipt_ms_median": round(statistics.median(times), 1),
            "statement_60_payments_ms": round((time.perf_counter() - started) * 1000, 1)}


def measure_signature_stamp(renders: int = 20) -> dict:
    from services.documents import domain
    from services.documents.kinds import KINDS
    from services.documents.rendering import Renderer
    from services.documents.samples import signature_stamp, signature_stamp_files

    class Memory(dict):  # the file store, in memory: the stamp is measured, not the disk
        def put(self, data, content_type):
            from services.documents.storage import StoredFile, file_id_of

            self[file_id_of(data)] = StoredFile(file_id_of(data), data, content_type, len(data))
            return file_id_of(data)

        def get(self, file_id):
            return self[file_id]

    store, renderer, kind = Memory(), Renderer(KINDS), "signature-stamp"
    for content, content_type in signature_stamp_files():
        store.put(content, content_type)
    data = renderer.validate(kind, signature_stamp())
    times = []
    for n in range(renders + 3):
        started = time.perf_counter()
        domain.make_pdf(kind, dict(data), renderer=renderer, store=store,
                        sign=lambda chamber, pdf: pdf)
        if n >= 3:  # warm-up
            times.append((time.perf_counter() - started) * 1000)
    return {"signature_stamp_2_pages_ms_median": round(statistics.median(times), 1)}


class Cluster:
    """A throw-away vhost and databases, and documents worker processes on them."""

    def __init__(self):
        self.id = uuid.uuid4().hex[:8]
        self.vhost = f"tcbench_{self.id}"
        self.var = Path(tempfile.mkdtemp(prefix="tradecert-bench-"))
        self.env = {**os.environ, "PYTHONWARNINGS": "ignore",
                    "TRADECERT_AMQP_URI": f"pyamqp://guest:guest@127.0.0.1:5672/{self.vhost}",
                    "TRADECERT_DATABASE_URL":
                        f"postgresql+psycopg2://postgres@127.0.0.1:5432/tcbench_{self.id}_<service>",
                    "TRADECERT_VAR_DIR": str(self.var), "TRADECERT_LOG_LEVEL": "WARNING"}
        self.workers: list[subprocess.Popen] = []

    def __enter__(self):
        requests.put(f"{RABBIT_API}/api/vhosts/{self.vhost}", timeout=10).raise_for_status()
        requests.put(f"{RABBIT_API}/api/permissions/{self.vhost}/guest", timeout=10,
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("TRADECERT_")})
        config.load()
        from tradecert import migrations

        migrations.upgrade("documents", config.database_url("documents"))
        return self

    def __exit__(self, *exc):
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            worker.wait(30)
        from tradecert.db import drop_database

        drop_database(config.database_url("documents"))
        requests.delete(f"{RABBIT_API}/api/vhosts/{self.vhost}", timeout=10)

    def start_worker(self) -> subprocess.Popen:
        worker = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", str(config.config_path()),
             "--define", "max_workers=1", "services.documents.service:DocumentsService"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.workers.append(worker)
        return worker

    def client(self):
        from nameko.standalone.rpc import ClusterRpcClient

        return ClusterRpcClient(uri=self.env["TRADECERT_AMQP_URI"])


def throughput(client, first: int, count: int, in_flight: int = 8) -> float:
    """PDFs per second for `count` new payloads, `in_flight` requests outstanding."""
    started = time.perf_counter()
    pending = []
    for n in range(first, first + count):
        pending.append(client.documents.render.call_async("co", co_payload(n)))
        if len(pending) >= in_flight:
            pending.pop(0).result()
    for call in pending:
        call.result()
    return count / (time.perf_counter() - started)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def wait_ready(client, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.documents.health()
            return
        except Exception:  # noqa: BLE001 — not consuming yet
            time.sleep(0.5)
    raise RuntimeError("the documents worker did not start")


def measure_service(renders: int = 1000) -> dict:
    results = {}
    with Cluster() as cluster, cluster.client() as client:
        first = cluster.start_worker()
        time.sleep(1)
        wait_ready(client)
        throughput(client, 0, 20)  # warm-up: fonts, templates, the signing key
        results["documents_rss_mb_after_warmup"] = rss_mb(first.pid)
        one = throughput(client, 100, renders)
        results["co_pdfs_per_s_1_worker"] = round(one, 1)
        results["documents_rss_mb_after_1000"] = rss_mb(first.pid)
        cluster.start_worker()
        time.sleep(4)  # the second worker starts consuming
        throughput(client, 5000, 20)
        two = throughput(client, 10_000, renders)
        results["co_pdfs_per_s_2_workers"] = round(two, 1)
        results["co_scaling_1_to_2"] = round(two / one, 2)
    return results


def verdict(name: str, value: float) -> str:
    if name not in TARGETS:
        return ""
    op, target = TARGETS[name]
    met = value <= target if op == "<=" else value >= target
    return f"{op} {target}  {'met' if met else 'NOT MET'}"


def main() -> None:
    config.load()
    out = config.var_dir() / "bench"  # before Cluster points VAR_DIR at its own folder
    results = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count()}
    results.update(measure_in_process())
    results.update(measure_signature_form())
    results.update(measure_signature_stamp())
    results.update(measure_payment_documents())
    results.update(measure_service())
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    width = max(len(k) for k in results)
    print(f"{'metric'.ljust(width)}  {'value':>10}  target")
    for name, value in results.items():
        target = verdict(name, value) if isinstance(value, int | float) else ""
        print(f"{name.ljust(width)}  {value!s:>10}  {target}")
    print(f"\nwritten to {out / 'latest.json'}")


if __name__ == "__main__":
    main()
