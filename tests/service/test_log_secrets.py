"""Defect 8: no secret, hash or token in any log line. A database error used to carry its
bound parameters (argon2 hashes, token hashes) into the exception text, and so into the
traceback Nameko logs and the remote error the caller logs."""
import logging

import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.identity import sessions
from services.identity.models import Account
from services.identity.service import IdentityService
from tradecert import config
from tradecert.db import make_engine
from tradecert.logs import get_logger

SAITAMA = {"cci_code": "1504", "name_ja": "さいたま商工会議所", "name_en": "Saitama CCI"}
PASSWORD = "Passw0rdX"
TOKEN = "the-same-token-twice"




@pytest.fixture
def identity(runner_factory, rpc_client):
    runner_factory(IdentityService).start()
    client = rpc_client.identity
    client.add_chamber(SAITAMA)
    for login_id in ("staff01", "staff02"):
        client.add_staff({"cci_code": "1504", "login_id": login_id, "password": PASSWORD})
    return client


def test_a_database_error_in_a_service_logs_no_token_hash(identity, log_lines, monkeypatch):
    # Two logins given the same token: the second session's insert breaks the unique
    # token_hash, a real IntegrityError whose parameters are the token's hash.
    monkeypatch.setattr(sessions.secrets, "token_urlsafe", lambda n: TOKEN)
    identity.login({"cci_code": "1504", "login_id": "staff01", "password": PASSWORD})
    with pytest.raises(RemoteError) as caught:
        identity.login({"cci_code": "1504", "login_id": "staff02", "password": PASSWORD})
    get_logger("gateway.http").error("remote_error", exc_type=caught.value.exc_type,
                                     value=caught.value.value)  # as the gateway logs it

    logged = log_lines()
    assert "UniqueViolation" in logged and "token_hash" in logged  # the error was logged
    # PostgreSQL's own DETAIL names the duplicate value too: "Key (token_hash)=(...)".
    for secret in (TOKEN, sessions.token_hash(TOKEN)):
        assert secret not in logged


def test_a_database_error_with_a_password_hash_logs_no_hash(identity, log_lines):
    engine = make_engine(config.database_url("identity"))
    try:
        with Session(engine) as session:
            password_hash = session.scalar(
                select(Account.password_hash).where(Account.login_id == "staff01"))
            session.add(Account(cci_code="1504", kind="staff", login_id="staff01", name="x",
                                password_hash=password_hash))
            with pytest.raises(IntegrityError) as caught:
                session.flush()
            get_logger(__name__).error("insert_failed", login_id="staff01", exc_info=caught.value)
    finally:
        engine.dispose()

    assert password_hash.startswith("$argon2id$")
    assert password_hash not in str(caught.value)  # hide_parameters on every engine
    logged = log_lines()
    assert "UniqueViolation" in logged
    assert password_hash not in logged and "$argon2" not in logged


def test_secrets_are_redacted_by_key_and_argon2_hashes_anywhere(log_lines):
    argon2 = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
    log = get_logger(__name__)
    log.info("login", password="hunter2xx", token="tok-123456", payload={
        "password_hash": argon2, "initial_password": "Init1234", "code": "123456",
        "secret": "s3cr3t-value", "cci_code": "1504"}, authorization="Bearer abcdef")
    log.warning(f"stored {argon2} for staff01")
    logging.getLogger("sqlalchemy").error(
        "[parameters: {'token_hash': 'deadbeefcafe', 'password_hash': '%s'}]", argon2)

    logged = log_lines()
    for secret in ("hunter2xx", "tok-123456", "c2FsdHNhbHQ", "Init1234", "123456",
                   "s3cr3t-value", "abcdef", "deadbeefcafe", "$argon2"):
        assert secret not in logged
    assert "1504" in logged and "staff01" in logged  # what is not a secret stays readable
