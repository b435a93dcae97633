"""`tradecert` commands: add chambers and staff straight into identity's database."""
from click.testing import CliRunner
from sqlalchemy import select

from operations.cli import main
from services.identity.models import Account, Chamber
from tradecert.outbox import OutboxEvent


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_chamber_and_staff_add(fresh_databases, db_session):
    added = invoke("chamber", "add", "--cci-code", "1301", "--name-ja", "東京商工会議所",
                   "--name-en", "Tokyo CCI", "--fee-non-member", "16200")
    assert added.exit_code == 0, added.output
    again = invoke("chamber", "add", "--cci-code", "1301", "--name-ja", "x", "--name-en", "y",
                   "--if-absent")
    assert again.exit_code == 0 and "exists" in again.output

    staff = invoke("staff", "add", "--cci-code", "1301", "--login-id", "tokyo01",
                   "--email", "t@example.jp")
    assert staff.exit_code == 0, staff.output
    password = staff.output.rsplit("password ", 1)[1].strip()
    assert len(password) == 12

    session = db_session("identity")
    assert session.get(Chamber, "1301").registration_fee_non_member_jpy == 16200
    account = session.scalar(select(Account).where(Account.login_id == "tokyo01"))
    assert account.kind == "staff" and account.password_hash.startswith("$argon2id$")
    # The events wait in the outbox until identity runs and publishes them.
    assert [e.event_type for e in session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
            ] == ["chamber_added", "account_created"]


def test_bad_input_is_refused_with_the_field_named_and_nothing_written(fresh_databases,
                                                                      db_session):
    bad_code = invoke("chamber", "add", "--cci-code", "13", "--name-ja", "x", "--name-en", "y")
    assert bad_code.exit_code != 0 and "cci_code" in bad_code.output

    invoke("chamber", "add", "--cci-code", "1301", "--name-ja", "東京", "--name-en", "Tokyo")
    weak = invoke("staff", "add", "--cci-code", "1301", "--login-id", "staff1",
                  "--password", "weak")
    assert weak.exit_code != 0 and "password" in weak.output
    unknown = invoke("staff", "add", "--cci-code", "9999", "--login-id", "staff1")
    assert unknown.exit_code != 0 and "no chamber 9999" in unknown.output
    assert db_session("identity").scalar(select(Account.id)) is None


def test_chamber_rules_from_a_file_and_the_seed_fills_an_empty_chamber(fresh_databases,
                                                                      db_session, tmp_path):
    """Issue 9: the rule documents the registration pages link, set by command; the seed
    gives a chamber added before them its rules once, and never overwrites them."""
    import json

    from operations import accounts
    from operations.supervisor import SEED_CHAMBER

    invoke("chamber", "add", "--cci-code", "1301", "--name-ja", "東京", "--name-en", "Tokyo")
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps([{"title": "個人情報保護方針", "title_en": "Privacy policy",
                                  "url": "https://www.tokyo-cci.or.jp/privacy/",
                                  "kind": "privacy"}]), encoding="utf-8")
    done = invoke("chamber", "rules", "--cci-code", "1301", str(rules))
    assert done.exit_code == 0, done.output
    rules.write_text(json.dumps([{"title": "x", "url": "not a url", "kind": "nonsense"}]))
    bad = invoke("chamber", "rules", "--cci-code", "1301", str(rules))
    assert bad.exit_code != 0 and "url" in bad.output and "kind" in bad.output
    session = db_session("identity")
    assert session.get(Chamber, "1301").rules == [
        {"title": "個人情報保護方針", "title_en": "Privacy policy",
         "url": "https://www.tokyo-cci.or.jp/privacy/", "kind": "privacy"}]

    assert not accounts.set_rules("1301", SEED_CHAMBER["rules"], if_empty=True)
    invoke("chamber", "add", "--cci-code", "1504", "--name-ja", "さいたま", "--name-en", "S")
    assert accounts.set_rules("1504", SEED_CHAMBER["rules"], if_empty=True)
    session.expire_all()
    seeded = session.get(Chamber, "1504").rules
    assert {rule["kind"] for rule in seeded} == {"pledge", "privacy", "terms"}
    assert all(rule["title_en"] and rule["url"].startswith("https://") for rule in seeded)


def test_render_sample_goes_through_the_service_code(tmp_path):
    from services.documents.signing import validate
    from tests.helpers import pdf as pdfs
    from tradecert import config

    out = tmp_path / "co.pdf"
    result = invoke("render-sample", "co", "--out", str(out))

    assert result.exit_code == 0, result.output
    assert "co: 1 page(s)" in result.output
    pdf = out.read_bytes()
    assert "CERTIFICATE OF ORIGIN" in pdfs.text(pdf)
    trust = (config.var_dir() / "keys" / "dev-ca.cert.pem").read_bytes()
    assert validate(pdf, [trust]).ok  # signed as the service signs

    unknown = invoke("render-sample", "nope", "--out", str(out))
    assert unknown.exit_code != 0 and "co" in unknown.output


def test_chamber_contact_is_set_and_served_with_the_chamber(fresh_databases, db_session):
    # issue 9: whom applicants call (the manual), ja and en where text
    invoke("chamber", "add", "--cci-code", "1301", "--name-ja", "東京", "--name-en", "Tokyo")
    contact = ["--department-ja", "国際部", "--department-en", "International Division",
               "--phone", "03-3283-7500", "--email", "shomei@tokyo.example.jp",
               "--hours-ja", "平日 9:00〜17:00", "--hours-en", "Weekdays 9:00-17:00"]
    done = invoke("chamber", "contact", "--cci-code", "1301", *contact)
    assert done.exit_code == 0, done.output
    bad = invoke("chamber", "contact", "--cci-code", "1301",
                 *[v if v != "03-3283-7500" else "call us" for v in contact])
    assert bad.exit_code != 0 and "phone" in bad.output
    unknown = invoke("chamber", "contact", "--cci-code", "9999", *contact)
    assert unknown.exit_code != 0 and "no chamber 9999" in unknown.output
    from services.identity.domain import chamber_as_dict

    chamber = chamber_as_dict(db_session("identity").get(Chamber, "1301"))
    assert chamber["contact"] == {
        "department_ja": "国際部", "department_en": "International Division",
        "phone": "03-3283-7500", "email": "shomei@tokyo.example.jp",
        "hours_ja": "平日 9:00〜17:00", "hours_en": "Weekdays 9:00-17:00"}


def test_chamber_fees_are_shown_and_set_with_each_change_kept(fresh_databases, db_session):
    # ISS-11: each chamber sets its own fees; until then the configured default (issue 11)
    from services.payment.models import FeeSchedule, FeeScheduleChange

    invoke("chamber", "add", "--cci-code", "1301", "--name-ja", "東京", "--name-en", "Tokyo")
    shown = invoke("chamber", "fees", "--cci-code", "1301")
    assert shown.exit_code == 0, shown.output
    assert "the default" in shown.output
    assert "co             1,260 /     3,460" in shown.output
    assert "copy             200 /       400" in shown.output

    done = invoke("chamber", "fees", "--cci-code", "1301", "--co", "1100,3300",
                  "--signature", "1200,3400", "--copy", "0,500", "--by", "ops-suzuki")
    assert done.exit_code == 0, done.output
    assert "fees set" in done.output and "set by ops-suzuki" in done.output
    assert "signature      1,200 /     3,400" in done.output

    partial = invoke("chamber", "fees", "--cci-code", "1301", "--co", "1,2")
    assert partial.exit_code != 0 and "signature" in partial.output and "copy" in partial.output
    too_much = invoke("chamber", "fees", "--cci-code", "1301", "--co", "1100,3300",
                      "--signature", "1200,3400", "--copy", "0,1000001")
    assert too_much.exit_code != 0 and "copy.non_member" in too_much.output
    malformed = invoke("chamber", "fees", "--cci-code", "1301", "--co", "1260")
    assert malformed.exit_code != 0 and "--co" in malformed.output
    unknown = invoke("chamber", "fees", "--cci-code", "9999", "--co", "1,2", "--signature",
                     "1,2", "--copy", "1,2")
    assert unknown.exit_code != 0 and "no chamber 9999" in unknown.output

    session = db_session("payment")
    row = session.get(FeeSchedule, "1301")
    assert (row.co_member_jpy, row.copy_member_jpy, row.copy_non_member_jpy) == (1100, 0, 500)
    assert session.get(FeeSchedule, "9999") is None
    (change,) = session.query(FeeScheduleChange).all()  # the refused ones left nothing
    assert (change.changed_by, change.old["co"], change.new["co"]) == (
        "ops-suzuki", {"member": 1260, "non_member": 3460}, {"member": 1100, "non_member": 3300})


def test_keys_rotate_installs_a_given_key_and_refuses_one_that_does_not_fit(tmp_path):
    """Issue 13: production's rotation (a key and certificate from the chamber's CA)."""
    from services.documents.keyring import ensure_development_credentials, read_keyring

    ca_dir, keys_dir = tmp_path / "ca", tmp_path / "keys"
    given = ensure_development_credentials("1504", "Saitama CCI", ca_dir)  # "from the CA"
    other = ensure_development_credentials("1301", "Tokyo CCI", ca_dir)
    files = {"k.pem": given.key_pem, "c.pem": given.cert_pem, "ca.pem": given.chain_pem[0],
             "other.pem": other.key_pem}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)

    wrong = invoke("keys", "rotate", "--chamber", "1504", "--keys-dir", str(keys_dir),
                   "--key", str(tmp_path / "other.pem"), "--cert", str(tmp_path / "c.pem"))
    assert wrong.exit_code != 0
    assert "not rotated: the private key does not belong to the certificate" in wrong.output
    assert read_keyring("1504", keys_dir).generations == ()

    done = invoke("keys", "rotate", "--chamber", "1504", "--keys-dir", str(keys_dir),
                  "--key", str(tmp_path / "k.pem"), "--cert", str(tmp_path / "c.pem"),
                  "--chain", str(tmp_path / "ca.pem"))
    assert done.exit_code == 0, done.output
    assert "certificate 1 signs from now on" in done.output
    assert (keys_dir / "1504.chain.pem").read_bytes() == given.chain_pem[0]
    listed = invoke("keys", "list", "--keys-dir", str(keys_dir))
    assert listed.exit_code == 0, listed.output
    assert "chamber 1504" in listed.output and "1  signing" in listed.output
    half = invoke("keys", "rotate", "--chamber", "1504", "--key", str(tmp_path / "k.pem"))
    assert half.exit_code != 0 and "give --key and --cert together" in half.output
