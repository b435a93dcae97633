"""Plain rules: password policy (ID-2), mail backoff, configuration overrides."""
from datetime import timedelta

import pytest

from services.identity.domain import LOOK_ALIKES, check_password_policy, generate_password
from services.identity.exceptions import PasswordPolicyViolated
from services.notify.domain import backoff, render
from services.notify.exceptions import UnknownTemplate
from tradecert import config


@pytest.mark.parametrize("password", ["abcd1234", "A1b2C3d4E5f6G7h8", "12345678x"])
def test_passwords_that_meet_id_2(password):
    check_password_policy(password)


@pytest.mark.parametrize("password", [
    "abc1234",            # 7 characters
    "A1b2C3d4E5f6G7h8i",  # 17 characters
    "abcdefgh",           # no digit
    "12345678",           # no letter
    "abcd 1234",          # a space
    "ａｂｃｄ１２３４",       # full-width
    "abcd-1234",          # a symbol
    "",
])
def test_passwords_that_break_id_2(password):
    with pytest.raises(PasswordPolicyViolated) as caught:
        check_password_policy(password, field="new_password")
    assert caught.value.fields == {"new_password": ["password_policy"]}


def test_generated_passwords_meet_id_2():
    for _ in range(200):
        check_password_policy(generate_password())


def test_mail_backoff_doubles_and_is_capped():
    assert [backoff(n, 2) for n in (1, 2, 3)] == [timedelta(seconds=s) for s in (2, 4, 8)]
    assert backoff(30, 2) == timedelta(hours=1)


def test_mail_template_has_the_japanese_subject_and_both_languages():
    subject, body = render("staff_account_created", {
        "name": "山田", "cci_code": "1504", "login_id": "s1", "login_url": "http://x/c/1504"})
    assert subject == "【貿易関係証明発給システム】職員アカウント登録のお知らせ"
    assert body.index("ログインID: s1") < body.index("Login ID: s1")
    with pytest.raises(UnknownTemplate):
        render("nope", {})


def test_database_url_names_each_service_and_env_overrides_apply(monkeypatch, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("DATABASE_URL: ${TC_TEST_DB:postgresql://h/x_<service>}\nVAR_DIR: /v\n"
                   "MAILDIR: ${TC_TEST_MAIL:}\n")
    saved = dict(config.get.__globals__["nameko"].config)
    try:
        config.load(cfg)
        assert config.database_url("identity") == "postgresql://h/x_identity"
        assert str(config.maildir()) == "/v/mail"
        monkeypatch.setenv("TC_TEST_DB", "postgresql://other/y_<service>")
        monkeypatch.setenv("TC_TEST_MAIL", "/m")
        config.load(cfg)
        assert config.database_url("notify") == "postgresql://other/y_notify"
        assert str(config.maildir()) == "/m"
    finally:
        nameko_config = config.get.__globals__["nameko"].config
        nameko_config.clear()
        nameko_config.update(saved)


def test_generated_passwords_have_no_characters_that_look_alike_on_paper():
    # ID-2, REG-8: initial passwords are typed from the printed certificates
    passwords = [generate_password() for _ in range(500)]
    assert not set("".join(passwords)) & LOOK_ALIKES
    for password in passwords[:50]:
        check_password_policy(password)
