"""/healthz's check (gateway/health.py): every service asked at once, the answer within the
timeout whatever happens to the question, each service named ok, error or unavailable."""
import time

import kombu.exceptions
from nameko.exceptions import UnknownService

from gateway import health
from tradecert import SERVICES


class Call:
    def __init__(self, behaviour):
        self.behaviour = behaviour

    def result(self):
        if self.behaviour == "silent":
            time.sleep(60)  # its process is gone: the question waits in its queue
        if self.behaviour == "error":
            raise RuntimeError("its database does not answer")
        return {"status": "ok"}


class Service:
    def __init__(self, behaviour):
        self.health = self
        self.behaviour = behaviour

    def call_async(self):
        if self.behaviour == "unknown":
            raise UnknownService("never started")
        if self.behaviour == "broker_down":
            time.sleep(3)  # the publisher's own retries, then
            raise kombu.exceptions.OperationalError("[Errno 111] ECONNREFUSED")
        return Call(self.behaviour)


class Cluster(dict):
    def __missing__(self, name):
        return Service("ok")


def test_each_service_is_named_and_the_answer_comes_within_the_timeout():
    cluster = Cluster(registration=Service("silent"), issuance=Service("error"),
                      payment=Service("unknown"))
    started = time.monotonic()

    result = health.check(cluster, timeout=0.5)

    assert time.monotonic() - started < 1
    assert result["services"] == {"identity": "ok", "registration": "unavailable",
                                  "issuance": "error", "payment": "unavailable",
                                  "documents": "ok", "notify": "ok"}
    assert (result["status"], result["failing"]) == (
        "unavailable", ["registration", "issuance", "payment"])


def test_a_broker_that_is_down_makes_every_service_unavailable_within_the_timeout():
    """Issue 12: RabbitMQ restarting. The question cannot be sent; that is not a 500 after
    the publisher's retries, but every service unavailable within the timeout."""
    cluster = Cluster({name: Service("broker_down") for name in SERVICES})
    started = time.monotonic()

    result = health.check(cluster, timeout=0.5)

    assert time.monotonic() - started < 1
    assert result["failing"] == list(SERVICES)
    assert set(result["services"].values()) == {"unavailable"}
