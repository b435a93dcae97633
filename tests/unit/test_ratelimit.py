"""The counters behind every per-address and per-ID limit (issue 9; tradecert/ratelimit.py),
on a real PostgreSQL database (registration's `rate_limits`, as identity's is the same)."""
import threading
from datetime import timedelta

import nameko
import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from services.registration.models import RateLimit
from tests.unit.conftest import _engine
from tradecert import clock, ratelimit
from tradecert.errors import TooManyAttempts
from tradecert.ratelimit import Limit

THREE_A_MINUTE = Limit("test_three_a_minute", 3, 60)


@pytest.fixture
def registration(domain_session):
    return domain_session("registration")


def test_hits_up_to_the_limit_then_a_429_with_when_to_retry(registration):
    for n in (1, 2, 3):
        assert ratelimit.hit(registration, RateLimit, THREE_A_MINUTE, "203.0.113.1") == n
    with pytest.raises(TooManyAttempts) as caught:
        ratelimit.hit(registration, RateLimit, THREE_A_MINUTE, "203.0.113.1")
    assert caught.value.status == 429 and 0 < caught.value.params["retry_after_s"] <= 61
    # Another subject has its own count.
    assert ratelimit.hit(registration, RateLimit, THREE_A_MINUTE, "203.0.113.2") == 1


def test_the_window_closes_and_the_count_starts_again(registration):
    for _ in range(3):
        ratelimit.hit(registration, RateLimit, THREE_A_MINUTE, ("203.0.113.1", "A0000001"))
    with clock.travel(seconds=61):
        assert ratelimit.hits(registration, RateLimit, THREE_A_MINUTE,
                              ("203.0.113.1", "A0000001")) == 0
        assert ratelimit.hit(registration, RateLimit, THREE_A_MINUTE,
                             ("203.0.113.1", "A0000001")) == 1
        assert ratelimit.prune(registration, RateLimit) == 0  # its new window is open
    with clock.travel(seconds=200):
        assert ratelimit.prune(registration, RateLimit) == 1


def test_many_subjects_are_counted_in_one_statement(registration):
    """The gateway processes' tries of a second, every address at once (issuance's
    count_tries): each added to its own window, a closed window started again."""
    ratelimit.count(registration, RateLimit, THREE_A_MINUTE, "198.51.100.7")
    counted = ratelimit.count_many(registration, RateLimit, THREE_A_MINUTE,
                                   {"198.51.100.7": 3, "198.51.100.8": 1, None: 5})
    assert {key: hits for key, (hits, _) in counted.items()} == {
        THREE_A_MINUTE.key("198.51.100.7"): 4, THREE_A_MINUTE.key("198.51.100.8"): 1}
    with clock.travel(seconds=61):
        again = ratelimit.count_many(registration, RateLimit, THREE_A_MINUTE,
                                     {"198.51.100.7": 2})
    assert again[THREE_A_MINUTE.key("198.51.100.7")][0] == 2
    assert ratelimit.count_many(registration, RateLimit, THREE_A_MINUTE, {}) == {}


def test_check_refuses_a_used_up_window_without_counting(registration):
    for _ in range(3):
        ratelimit.count(registration, RateLimit, THREE_A_MINUTE, "198.51.100.1")
    with pytest.raises(TooManyAttempts):
        ratelimit.check(registration, RateLimit, THREE_A_MINUTE, "198.51.100.1")
    assert ratelimit.hits(registration, RateLimit, THREE_A_MINUTE, "198.51.100.1") == 3
    ratelimit.forget(registration, RateLimit, THREE_A_MINUTE, "198.51.100.1")
    ratelimit.check(registration, RateLimit, THREE_A_MINUTE, "198.51.100.1")


def test_no_address_known_is_not_limited(registration):
    # A call from inside (the CLI, another service) has no client address.
    for _ in range(5):
        assert ratelimit.hit(registration, RateLimit, THREE_A_MINUTE, None) == 0
        assert ratelimit.hit(registration, RateLimit, THREE_A_MINUTE, (None, "A1")) == 0


def test_the_configuration_sets_each_limit(registration, monkeypatch):
    monkeypatch.setitem(nameko.config, "LIMITS", {"test_three_a_minute": {"count": 1}})
    ratelimit.hit(registration, RateLimit, THREE_A_MINUTE, "203.0.113.1")
    with pytest.raises(TooManyAttempts) as caught:
        ratelimit.hit(registration, RateLimit, THREE_A_MINUTE, "203.0.113.1")
    assert caught.value.params["limit"] == 1


def test_requests_at_the_same_moment_never_slip_past_the_limit():
    """One upsert per hit: twelve transactions at once against a limit of ten give exactly
    ten hits and two refusals (a read, then a write, would let more through). Committed for
    real (not in a test's rolled-back transaction), under a key of its own, removed after."""
    limit, subject, engine = Limit("test_ten", 10, 60), "192.0.2.50", _engine("registration")
    start, outcomes = threading.Barrier(12), []

    def attempt():
        with Session(engine) as session:
            start.wait()
            try:
                ratelimit.hit(session, RateLimit, limit, subject)
                session.commit()
                outcomes.append("hit")
            except TooManyAttempts:
                session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert sorted(outcomes) == ["hit"] * 10 + ["refused"] * 2
        with Session(engine) as session:
            assert ratelimit.hits(session, RateLimit, limit, subject) == 10
    finally:
        with Session(engine) as session:
            session.execute(delete(RateLimit).where(RateLimit.key == limit.key(subject)))
            session.commit()


def test_a_window_lasts_its_length(registration):
    ratelimit.hit(registration, RateLimit, THREE_A_MINUTE, "203.0.113.3")
    row = registration.get(RateLimit, THREE_A_MINUTE.key("203.0.113.3"))
    assert timedelta(seconds=59) < row.expires_at - clock.now() <= timedelta(seconds=60)
