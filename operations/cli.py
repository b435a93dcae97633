"""`tradecert`: the operator's command line.

    tradecert chamber add --cci-code 1504 --name-ja さいたま商工会議所 --name-en "Saitama CCI"
    tradecert chamber contact --cci-code 1504 --department-ja ... --phone ... (see --help)
    tradecert chamber fees --cci-code 1504 --co 1260,3460 --signature 1260,3460 --copy 200,400
    tradecert staff add --cci-code 1504 --login-id staff01 --password ...
    tradecert db upgrade
    tradecert keys list / tradecert keys rotate --chamber 1504 [--key K --cert C]   (keys.py)
    tradecert probe identity [--echo] [--timeout S]   # exit 0 when it answers (Kubernetes)
    tradecert run            # every process of the system, as `make run` does

Commands that change data use the owning service's domain code on its database directly,
in one transaction with its outbox (`operations.accounts`), so they work whether or not the
services are running; the events they record are published when the service next runs.

Runnable without the console script as `python -m operations.cli ...`.
"""
import getpass
import json
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from operations import accounts
from operations.keys import keys
from tradecert import SERVICES, config
from tradecert.clock import JAPAN
from tradecert.db import upgrade
from tradecert.errors import TradecertError


@click.group()
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False),
              envvar="TRADECERT_CONFIG", help="YAML configuration (default: config.yaml).")
def main(config_file):
    """Operate a tradecert installation."""
    config.load(Path(config_file) if config_file else None)
    config.configure_logging()


@contextmanager
def field_errors():
    """A TradecertError as the command's error message, each field named."""
    try:
        yield
    except TradecertError as exc:
        detail = "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in exc.fields.items())
        raise click.ClickException(f"{exc.message}{f' ({detail})' if detail else ''}") from None


# --- chambers ----------------------------------------------------------------------------

@main.group()
def chamber():
    """Chambers of commerce (tenants)."""


@chamber.command("add")
@click.option("--cci-code", required=True, help="4-digit chamber code, e.g. 1504.")
@click.option("--name-ja", required=True)
@click.option("--name-en", required=True)
@click.option("--fee-member", type=int, default=0, show_default=True,
              help="Registration fee for members, yen, tax included.")
@click.option("--fee-non-member", type=int, default=0, show_default=True)
@click.option("--validity-years", type=int, default=2, show_default=True)
@click.option("--if-absent", is_flag=True, help="Do nothing when the chamber exists.")
def chamber_add(cci_code, name_ja, name_en, fee_member, fee_non_member, validity_years,
                if_absent):
    """Add a chamber."""
    with field_errors():
        added = accounts.add_chamber(cci_code, name_ja, name_en, fee_member, fee_non_member,
                                     validity_years, if_absent=if_absent)
    if not added:
        click.echo(f"chamber {cci_code} exists")
        return
    click.echo(f"chamber {cci_code} added: {name_ja} / {name_en}")


@chamber.command("rules")
@click.option("--cci-code", required=True, help="4-digit chamber code, e.g. 1504.")
@click.argument("rules_file", type=click.File("rb"))
def chamber_rules(cci_code, rules_file):
    """Set the chamber's rule documents from a JSON file: [{"title": "個人情報保護方針",
    "title_en": "Privacy policy", "url": "https://...", "kind": "privacy"}, ...] (kind:
    pledge, privacy, terms or other). The registration guidance and consent pages link them."""
    try:
        rules = json.load(rules_file)
    except ValueError as exc:
        raise click.ClickException(f"not JSON: {exc}") from None
    with field_errors():
        accounts.set_rules(cci_code, rules)
    click.echo(f"chamber {cci_code}: {len(rules)} rules")


@chamber.command("contact")
@click.option("--cci-code", required=True)
@click.option("--department-ja", required=True, help="e.g. 国際部 証明担当")
@click.option("--department-en", required=True, help="e.g. International Division")
@click.option("--phone", required=True, help="e.g. 048-641-0061")
@click.option("--email", required=True)
@click.option("--hours-ja", required=True, help="e.g. 平日 9:00〜17:00")
@click.option("--hours-en", required=True, help="e.g. Weekdays 9:00-17:00")
def chamber_contact(cci_code, **contact):
    """Set whom applicants call at the chamber (shown on its pages and in every mail)."""
    with field_errors():
        accounts.set_chamber_contact(cci_code, contact)
    click.echo(f"chamber {cci_code}: contact set")


class MemberNonMember(click.ParamType):
    """`MEMBER,NON_MEMBER`: two amounts in yen, e.g. 1260,3460 (ranges: the service's schema)."""

    name = "MEMBER,NON_MEMBER"

    def convert(self, value, param, ctx):
        if isinstance(value, dict):
            return value
        parts = [part.strip().replace("_", "") for part in str(value).split(",")]
        if len(parts) != 2 or not all(part.isdigit() for part in parts):
            self.fail(f"{value!r}: give the member and the non-member fee in yen, e.g. 1260,3460",
                      param, ctx)
        return {"member": int(parts[0]), "non_member": int(parts[1])}


def operator() -> str:
    """Who the fee history names for a change made here: the operating system's user."""
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):  # no name for this uid (a container)
        return "cli"


@chamber.command("fees")
@click.option("--cci-code", required=True)
@click.option("--co", type=MemberNonMember(), help="Certificate of origin, e.g. 1260,3460.")
@click.option("--signature", type=MemberNonMember(),
              help="Signature certification, e.g. 1260,3460.")
@click.option("--copy", type=MemberNonMember(), help="Each extra copy, e.g. 200,400.")
@click.option("--by", default=operator, show_default="cli:<your user name>",
              help="Who the fee history records as making the change.")
def chamber_fees(cci_code, by, **fees):
    """Show the chamber's certificate fees (yen, tax included; members, non-members), or
    set them: all three of --co, --signature and --copy together (ISS-11). Until set, a
    chamber charges config.yaml's PAYMENT.default_fees_jpy. Every change is kept."""
    given = {kind: value for kind, value in fees.items() if value is not None}
    missing = [f"--{kind}" for kind, value in fees.items() if value is None]
    if given and missing:
        raise click.UsageError(f"set --co, --signature and --copy together; missing: "
                               f"{', '.join(missing)}")
    with field_errors():
        if given:
            accounts.set_chamber_fees(cci_code, given, by)
        current = accounts.chamber_fees(cci_code)
    if given:
        click.echo(f"chamber {cci_code}: fees set")
    source = (f"set by {current['updated_by']} on "
              f"{current['updated_at'].astimezone(JAPAN):%Y-%m-%d %H:%M} (Japan time)"
              if current["updated_by"] else "the default (config.yaml PAYMENT.default_fees_jpy)")
    click.echo(f"chamber {cci_code} fees, yen, tax included (member / non-member), {source}:")
    for kind, label in (("co", "certificate of origin"), ("signature", "signature certification"),
                        ("copy", "each extra copy")):
        pair = current["fees"][kind]
        click.echo(f"  {kind:<10} {pair['member']:>9,} / {pair['non_member']:>9,}  ({label})")


# --- staff -------------------------------------------------------------------------------

@main.group()
def staff():
    """Chamber staff accounts."""


@staff.command("add")
@click.option("--cci-code", required=True)
@click.option("--login-id", required=True)
@click.option("--password", help="8-16 letters and digits (ID-2); generated when omitted.")
@click.option("--name", default="")
@click.option("--email", default=None)
@click.option("--if-absent", is_flag=True, help="Do nothing when the login ID exists.")
def staff_add(cci_code, login_id, password, name, email, if_absent):
    """Add a chamber staff account and print its login."""
    with field_errors():
        password = accounts.add_staff(cci_code, login_id, password, name, email,
                                      if_absent=if_absent)
    if password is None:
        click.echo(f"staff {login_id} exists in chamber {cci_code}")
        return
    click.echo(f"staff added: chamber {cci_code}, login ID {login_id}, password {password}")


# --- databases ---------------------------------------------------------------------------

@main.group()
def db():
    """Databases (one per service)."""


@db.command("upgrade")
@click.option("--service", "only", type=click.Choice(SERVICES), multiple=True)
def db_upgrade(only):
    """Create missing databases and migrate each to the newest revision."""
    for service in only or SERVICES:
        upgrade(service, config.database_url(service))
        click.echo(f"{service}: migrated")


# --- documents ---------------------------------------------------------------------------

@main.command("render-sample")
@click.argument("kind")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the PDF.")
def render_sample(kind, out):
    """Render a built-in sample of KIND (co, pledge, ...) as the documents service does."""
    from services.documents import domain
    from services.documents.dependencies import ChamberSigners, build_store, documents_settings
    from services.documents.kinds import KINDS
    from services.documents.rendering import Renderer

    if kind not in KINDS:
        raise click.BadParameter(f"one of {', '.join(sorted(KINDS))}", param_hint="KIND")
    renderer = Renderer(KINDS, public_url=config.section("GATEWAY").get("public_url", ""))
    data = renderer.validate(kind, KINDS[kind].sample())
    store = build_store()
    for content, content_type in KINDS[kind].sample_files():  # signature-stamp's document
        store.put(content, content_type)
    pdf, pages = domain.make_pdf(kind, data, renderer=renderer, store=store,
                                 sign=ChamberSigners(documents_settings()).sign)
    with open(out, "wb") as fh:
        fh.write(pdf)
    click.echo(f"{kind}: {pages} page(s), {len(pdf):,} bytes -> {out}")


main.add_command(keys)


# --- probes -----------------------------------------------------------------------------

@main.command("probe", context_settings={"ignore_unknown_options": True,
                                         "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def probe_service(args):
    """Ask SERVICE's health RPC (--echo: echo): exit 0 when it answers in time (--help).
    Kubernetes runs the lighter `python -m operations.probe` (issue 13)."""
    from operations import probe

    sys.exit(probe.main(list(args)))


# --- running -----------------------------------------------------------------------------

@main.command()
@click.option("--seed/--no-seed", default=True, show_default=True,
              help="Add the Saitama chamber (1504) and a staff account when absent.")
def run(seed):
    """Start the mail sink, every service and the gateway; stop them all on Ctrl-C/SIGTERM."""
    from operations.supervisor import Supervisor

    sys.exit(Supervisor(seed=seed).run())


if __name__ == "__main__":
    main()
