"""The scenarios of `make load` (benchmarks/load.py runs locust on this file, one user class
at a time, in a process of its own: locust runs on gevent and must never be imported where
eventlet runs).

Every user holds one keep-alive connection and sends its next request as soon as the last
is answered. Each request's time is kept; at the end the requests that started after the
warm-up are summed up into TRADECERT_LOAD_RESULT: {rps, p50_ms, p99_ms, errors, requests}.
An error is any answer other than the one the scenario expects, or no answer.
"""
import ipaddress
import itertools
import json
import math
import os
import random
import time

from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

DATA = json.loads(open(os.environ["TRADECERT_LOAD_DATA"]).read())  # noqa: SIM115
WARM_UP_S = float(os.environ.get("TRADECERT_LOAD_WARM_UP_S", "3"))
TIMES: list[tuple[float, float, bool]] = []  # (started, ms, ok)
STARTED = time.time()
#: RFC 2544's range for benchmarks: each verification comes from an address of it, as the
#: trusted proxy in front of the gateway reports its many visitors (ISS-9's limit stays on).
ADDRESSES = (str(address) for address in ipaddress.ip_network("198.18.0.0/15").hosts())
SUBMITTED = iter(DATA["submitted"])
LOGINS = itertools.cycle(DATA["logins"])


@events.request.add_listener
def keep(request_type, name, response_time, response_length, exception=None, **kwargs):
    TIMES.append((time.time() - response_time / 1000, response_time, exception is None))


@events.quitting.add_listener
def summarize(environment, **kwargs):
    measured = [(at, ms, ok) for at, ms, ok in TIMES if at >= STARTED + WARM_UP_S]
    times = sorted(ms for _, ms, _ in measured)
    window = (max(at + ms / 1000 for at, ms, _ in measured) - (STARTED + WARM_UP_S)) \
        if measured else 0
    with open(os.environ["TRADECERT_LOAD_RESULT"], "w") as out:
        json.dump({"rps": round(len(measured) / window, 1) if window else 0,
                   "p50_ms": percentile(times, 0.50), "p99_ms": percentile(times, 0.99),
                   "errors": sum(1 for _, _, ok in measured if not ok),
                   "requests": len(measured), "all_requests": len(TIMES)}, out)


def percentile(times: list[float], p: float) -> float | None:
    return round(times[max(0, math.ceil(p * len(times)) - 1)], 1) if times else None


class Scenario(FastHttpUser):
    abstract = True
    wait_time = constant(0)

    def expect(self, response, status: int) -> None:
        if response.status_code != status:
            response.failure(f"{response.status_code}: {response.text[:200]}")


class Echo(Scenario):
    @task
    def echo(self):
        with self.client.get("/api/v1/echo", catch_response=True) as response:
            self.expect(response, 200)


class AuthenticatedRead(Scenario):
    @task
    def applications(self):
        with self.client.get("/api/v1/applications", catch_response=True, headers={
                "Authorization": f"Bearer {DATA['user_token']}"}) as response:
            self.expect(response, 200)


class Verification(Scenario):
    @task
    def verify(self):
        certificate = random.choice(DATA["certificates"])
        with self.client.get("/api/v1/verification", params=certificate, catch_response=True,
                             name="/api/v1/verification",
                             headers={"X-Forwarded-For": next(ADDRESSES)}) as response:
            self.expect(response, 200)
            if response.status_code == 200 and not response.json()["valid"]:
                response.failure("not valid")


class Login(Scenario):
    def on_start(self):
        self.login = next(LOGINS)  # a staff ID per connection: one session per ID (ID-10)

    @task
    def log_in(self):
        with self.client.post("/api/v1/sessions", json=self.login,
                              catch_response=True) as response:
            self.expect(response, 201)


class Certification(Scenario):
    @task
    def certify(self):
        application_id = next(SUBMITTED, None)
        if application_id is None:
            raise StopUser()  # every submitted application is certified
        with self.client.post(f"/api/v1/staff/applications/{application_id}/certification",
                              name="/api/v1/staff/applications/{id}/certification",
                              catch_response=True, headers={
                                  "Authorization": f"Bearer {DATA['staff_token']}"}) as response:
            self.expect(response, 200)
