"""Issue 12: what the gateway remembers to answer faster, and that it never answers wrong
because of it: the callers of identity's `authorize` (gateway/callers.py) and the public
verification's answers, limit and lookup counts (gateway/verifications.py)."""
from unittest.mock import MagicMock

import pytest

from gateway.callers import CallerCache
from gateway.verifications import Verifications, query_key
from services.identity.exceptions import SessionEnded
from services.issuance.exceptions import CertificateNotFound, TooManyVerifications
from tradecert import clock

CALLER = {"cci_code": "1504", "login_id": "u-1", "kind": "user", "account_id": 1}


class Clock:
    def __init__(self):
        self.at = 1000.0

    def __call__(self):
        return self.at


@pytest.fixture
def now():
    return Clock()


@pytest.fixture
def identity():
    return MagicMock(**{"authorize.return_value": CALLER})


def test_a_caller_is_asked_once_for_its_seconds_then_again(identity, now):
    cache = CallerCache(5, now)
    assert cache.authorize(identity, "token", "applications.view", "bearer") == CALLER
    now.at += 4.9
    assert cache.authorize(identity, "token", "applications.view", "bearer") == CALLER
    assert identity.authorize.call_count == 1
    now.at += 0.2
    cache.authorize(identity, "token", "applications.view", "bearer")
    assert identity.authorize.call_count == 2


def test_each_action_and_each_way_in_is_asked_on_its_own(identity, now):
    cache = CallerCache(5, now)
    cache.authorize(identity, "token", "applications.view", "bearer")
    cache.authorize(identity, "token", "applications.apply", "bearer")
    cache.authorize(identity, "token", "applications.view", "cookie")
    assert identity.authorize.call_count == 3


def test_a_refusal_is_never_kept(identity, now):
    cache = CallerCache(5, now)
    identity.authorize.side_effect = SessionEnded(message="session locked")
    for _ in range(2):
        with pytest.raises(SessionEnded):
            cache.authorize(identity, "token", "applications.view", "bearer")
    assert identity.authorize.call_count == 2


def test_a_locked_or_logged_out_id_is_asked_again_at_once(identity, now):
    cache = CallerCache(5, now)
    cache.authorize(identity, "token", "applications.view", "bearer")
    cache.forget_id("1504", "u-1")  # locked, password reset, newer login: sessions_changed
    identity.authorize.side_effect = SessionEnded(message="session locked")
    with pytest.raises(SessionEnded):
        cache.authorize(identity, "token", "applications.view", "bearer")

    identity.authorize.side_effect = None
    cache.authorize(identity, "other", "applications.view", "bearer")
    cache.forget_credential("other", "bearer")  # logged out
    cache.authorize(identity, "other", "applications.view", "bearer")
    assert identity.authorize.call_count == 4


def test_an_answer_given_while_the_id_was_forgotten_is_not_kept(identity, now):
    cache = CallerCache(5, now)

    def answer_while_locked(*args):  # the lock lands while identity answers
        cache.forget_id("1504", "u-1")
        return CALLER

    identity.authorize.side_effect = answer_while_locked
    cache.authorize(identity, "token", "applications.view", "bearer")
    identity.authorize.side_effect = None
    cache.authorize(identity, "token", "applications.view", "bearer")
    assert identity.authorize.call_count == 2


def test_a_clock_set_back_or_forward_asks_again(identity, now):
    cache = CallerCache(5, now)
    cache.authorize(identity, "token", "applications.view", "bearer")
    now.at -= 60  # a test leaves clock.travel
    cache.authorize(identity, "token", "applications.view", "bearer")
    now.at += 13 * 3600  # past the session's maximum age: identity says so
    cache.authorize(identity, "token", "applications.view", "bearer")
    assert identity.authorize.call_count == 3


def test_the_cache_follows_the_one_clock(identity):
    cache = CallerCache(5)
    cache.authorize(identity, "token", "applications.view", "bearer")
    with clock.travel(hours=13):
        cache.authorize(identity, "token", "applications.view", "bearer")
    assert identity.authorize.call_count == 2


def test_no_seconds_no_cache_and_no_credential_is_always_asked(identity, now):
    CallerCache(0, now).authorize(identity, "token", "applications.view", "bearer")
    cache = CallerCache(5, now)
    cache.authorize(identity, None, "applications.view", "cookie")
    cache.authorize(identity, None, "applications.view", "cookie")
    assert identity.authorize.call_count == 3


def test_keys_are_hashes_not_credentials(identity, now):
    cache = CallerCache(5, now)
    cache.authorize(identity, "secret-token", "applications.view", "bearer")
    assert "secret-token" not in repr(cache._entries)


# --- verification ----------------------------------------------------------------------------

ANSWER = {"valid": True, "status": "valid", "certificate_no": "1504-2026-000001"}
QUERY = ("1504-2026-000001", "Q8WN-52HC", "2026-11-26")


@pytest.fixture
def issuance():
    return MagicMock(**{"verify.return_value": ANSWER})


def test_a_kept_answer_serves_the_same_three_parts_only(issuance, now):
    kept = Verifications(300, now)
    assert kept.verify(issuance, *QUERY, "203.0.113.1") == ANSWER
    assert kept.verify(issuance, *QUERY, "203.0.113.2") == ANSWER
    assert issuance.verify.call_count == 1
    kept.verify(issuance, "1504-2026-000001", "Q8WN-52HX", "2026-11-26", "203.0.113.3")
    kept.verify(issuance, "1504-2026-000001", "Q8WN-52HC", "2026-11-27", "203.0.113.3")
    # another spelling of the right parts is issuance's to judge (its lengths, its format)
    kept.verify(issuance, "1504-2026-000001" + " " * 20, "Q8WN-52HC", "2026-11-26", None)
    kept.verify(issuance, "1504-2026-000001", "q8wn 52hc", "2026-11-26", None)
    assert issuance.verify.call_count == 5
    assert query_key(*QUERY) == QUERY


def test_a_revoked_or_replaced_certificate_is_asked_again_at_once(issuance, now):
    kept = Verifications(300, now)
    kept.verify(issuance, *QUERY, None)
    kept.verify(issuance, "1504-2026-000001", "q8wn52hc", "2026-11-26", None)  # typed so
    kept.forget_certificate("1504-2026-000001")  # the event: both spellings go
    issuance.verify.return_value = {**ANSWER, "valid": False, "status": "revoked"}
    assert kept.verify(issuance, *QUERY, None)["status"] == "revoked"
    kept.verify(issuance, "1504-2026-000001", "q8wn52hc", "2026-11-26", None)
    kept.forget_all()  # a certification or revocation through this process
    kept.verify(issuance, *QUERY, None)
    assert issuance.verify.call_count == 5


def test_an_answer_given_while_a_certificate_was_forgotten_is_not_kept(issuance, now):
    kept = Verifications(300, now)

    def answer_while_revoked(*args):
        kept.forget_certificate("1504-2026-000001")
        return ANSWER

    issuance.verify.side_effect = answer_while_revoked
    kept.verify(issuance, *QUERY, None)
    issuance.verify.side_effect = None
    kept.verify(issuance, *QUERY, None)
    assert issuance.verify.call_count == 2


def test_every_try_counts_against_its_address_found_or_not(issuance, now):
    kept = Verifications(300, now)

    def verify(number, code, date):
        if code != QUERY[1]:
            raise CertificateNotFound(message="no certificate")
        return ANSWER

    issuance.verify.side_effect = verify
    kept.verify(issuance, *QUERY, "203.0.113.9")
    for n in range(29):
        if n % 2:
            kept.verify(issuance, *QUERY, "203.0.113.9")  # kept: still a try
        else:
            with pytest.raises(CertificateNotFound):
                kept.verify(issuance, QUERY[0], f"WRONG{n}", QUERY[2], "203.0.113.9")
    with pytest.raises(TooManyVerifications) as refused:
        kept.verify(issuance, *QUERY, "203.0.113.9")
    assert 1 <= refused.value.params["retry_after_s"] <= 61
    kept.verify(issuance, *QUERY, "198.51.100.1")  # another address: its own
    now.at += 61
    kept.verify(issuance, *QUERY, "203.0.113.9")  # the minute is over


def test_tries_are_counted_for_every_process_together_and_refused_here_too(issuance, now):
    """Two gateway processes (one port, SO_REUSEPORT): each under its own 30, but issuance
    counts their tries together and names the address; both then refuse it (ISS-9)."""
    counted = {}

    def count_verification_tries(tries):
        for address, count in tries.items():
            counted[address] = counted.get(address, 0) + count
        return {address: 42 for address, count in counted.items() if count > 30}

    issuance.count_verification_tries.side_effect = count_verification_tries
    one, two = Verifications(300, now), Verifications(300, now)
    for _ in range(20):
        one.verify(issuance, *QUERY, "203.0.113.9")
        two.verify(issuance, *QUERY, "203.0.113.9")
    two.verify(issuance, *QUERY, "198.51.100.1")
    assert two.count_tries(issuance) == 2 and one.count_tries(issuance) == 1  # 40 in all
    with pytest.raises(TooManyVerifications) as refused:
        one.verify(issuance, *QUERY, "203.0.113.9")
    assert refused.value.params["retry_after_s"] == 43
    one.verify(issuance, *QUERY, "198.51.100.1")  # another address: its own
    # the other process hears it with its next tries (a second's worth at most)
    two.verify(issuance, *QUERY, "203.0.113.9")
    assert two.count_tries(issuance) == 1
    with pytest.raises(TooManyVerifications):
        two.verify(issuance, *QUERY, "203.0.113.9")
    assert one.count_tries(issuance) == 2  # refused tries count too
    now.at += 43
    two.verify(issuance, *QUERY, "203.0.113.9")  # its window is over


def test_tries_issuance_did_not_take_leave_the_local_limit(issuance, now):
    kept = Verifications(300, now)
    issuance.count_verification_tries.side_effect = TimeoutError()
    kept.verify(issuance, *QUERY, "203.0.113.9")
    assert kept.count_tries(issuance) == 0
    assert kept.count_tries(issuance) == 0 and issuance.count_verification_tries.call_count == 1


def test_lookups_answered_here_are_counted_by_issuance_in_one_call(issuance, now):
    kept = Verifications(300, now)
    for _ in range(3):
        kept.verify(issuance, *QUERY, None)
    assert kept.record_lookups(issuance) == 2  # the first was counted by issuance itself
    [lookups], _ = issuance.record_lookups.call_args
    assert [lookup["certificate_no"] for lookup in lookups] == ["1504-2026-000001"] * 2
    assert kept.record_lookups(issuance) == 0
    issuance.record_lookups.assert_called_once()


def test_lookups_wait_for_issuance_when_it_does_not_answer(issuance, now):
    kept = Verifications(300, now)
    kept.verify(issuance, *QUERY, None)
    kept.verify(issuance, *QUERY, None)
    issuance.record_lookups.side_effect = TimeoutError()
    assert kept.record_lookups(issuance) == 0
    issuance.record_lookups.side_effect = None
    assert kept.record_lookups(issuance) == 1


def test_no_seconds_no_kept_answers(issuance, now):
    kept = Verifications(0, now)
    kept.verify(issuance, *QUERY, None)
    kept.verify(issuance, *QUERY, None)
    assert issuance.verify.call_count == 2
    assert kept.record_lookups(issuance) == 0
