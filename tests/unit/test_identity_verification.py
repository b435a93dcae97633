"""ID-5 at the domain level: a user ID proves its e-mail address with a code sent by mail
(services/identity/verification.py on a real PostgreSQL session, no broker)."""
import types
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.identity import verification
from services.identity.exceptions import VerificationCodeInvalid
from services.identity.models import EmailVerification
from tradecert.db import utcnow
from tradecert.errors import TooManyAttempts
from tradecert.outbox import OutboxEvent


@pytest.fixture
def codes(monkeypatch):
    """The codes the module draws, in order (the real one travels only in the mail)."""
    drawn = iter(range(123456, 999999, 111111))
    monkeypatch.setattr(verification, "secrets",
                        types.SimpleNamespace(randbelow=lambda _: next(drawn)))
    return ["123456", "234567", "345678"]


def mails(identity) -> int:
    identity.flush()
    return len(identity.scalars(select(OutboxEvent).where(
        OutboxEvent.event_type == "verification_requested")).all())


def allow_a_new_code(identity, user):
    """A minute later (ID-5: a new code at most once a minute)."""
    identity.get(EmailVerification, user.id).created_at -= verification.RESEND_AFTER


def confirm_fails(identity, user, code) -> str:
    with pytest.raises(VerificationCodeInvalid) as caught:
        verification.confirm_code(identity, user, code)
    return caught.value.params["reason"]


def test_the_code_mailed_activates_the_user_id(identity, registered, codes):
    # ID-5: the system mails a confirmation code; entering it verifies the address.
    user = registered.users[0]
    answer = verification.request_code(identity, user)
    assert answer["email"] == user.email and mails(identity) == 1
    assert verification.has_live_code(identity, user)
    assert confirm_fails(identity, user, "000000") == "wrong_code"
    verification.confirm_code(identity, user, codes[0])
    identity.flush()  # as the service's commit does
    assert user.email_verified_at is not None
    assert not verification.has_live_code(identity, user)  # used: gone


def test_a_code_stops_working_after_five_wrong_tries(identity, registered, codes):
    # ID-5: the code is not for guessing.
    user = registered.users[0]
    verification.request_code(identity, user)
    for _ in range(verification.MAX_ATTEMPTS):
        assert confirm_fails(identity, user, "000000") == "wrong_code"
    assert confirm_fails(identity, user, codes[0]) == "too_many_attempts"
    assert user.email_verified_at is None


def test_a_code_expires(identity, registered, codes):
    # ID-5: valid for 30 minutes.
    user = registered.users[0]
    verification.request_code(identity, user)
    identity.get(EmailVerification, user.id).expires_at = utcnow() - timedelta(seconds=1)
    assert confirm_fails(identity, user, codes[0]) == "expired"
    assert not verification.has_live_code(identity, user)


def test_no_code_no_verification(identity, registered):
    # ID-5
    assert confirm_fails(identity, registered.users[0], "123456") == "no_code"


def test_a_new_code_at_most_once_a_minute_and_the_old_one_stops(identity, registered, codes):
    # ID-5: if the mail does not arrive the user gets a new code; the earlier one then stops
    # working.
    user = registered.users[0]
    verification.request_code(identity, user)
    with pytest.raises(TooManyAttempts) as caught:
        verification.request_code(identity, user)
    assert caught.value.code == "verification_resend_too_soon"
    allow_a_new_code(identity, user)
    verification.request_code(identity, user)
    assert mails(identity) == 2
    assert confirm_fails(identity, user, codes[0]) == "wrong_code"
    verification.confirm_code(identity, user, codes[1])
    assert user.email_verified_at is not None


def test_the_user_sees_and_changes_the_address_then_gets_a_new_code(identity, registered,
                                                                    codes):
    # ID-5: the user can see the address on file, change it and get a new code there, at
    # once (a new address is not a resend).
    user = registered.users[0]
    assert verification.request_code(identity, user)["email"] == "signer1@sakura.example.jp"
    answer = verification.request_code(identity, user, email="new@sakura.example.jp")
    assert answer["email"] == user.email == "new@sakura.example.jp"
    assert identity.get(EmailVerification, user.id).email == "new@sakura.example.jp"
    verification.confirm_code(identity, user, codes[1])
    assert user.email_verified_at is not None
