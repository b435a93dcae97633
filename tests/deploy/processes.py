"""What the deployment files start, checked against the code (tests/deploy): the services'
classes, and `module:Class` out of a `nameko run` command line."""
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

APP_SERVICES = {
    "identity": "IdentityService",
    "registration": "RegistrationService",
    "issuance": "IssuanceService",
    "payment": "PaymentService",
    "documents": "DocumentsService",
    "notify": "NotifyService",
}
OTHER_SERVICES = ["gateway", "mailsink", "rabbitmq", "postgres"]



def argv_of(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(arg) for arg in command]


def nameko_target(argv: list[str]) -> str:
    """`module:Class` from `nameko run [--config FILE] module:Class`."""
    assert argv[:2] == ["nameko", "run"], argv
    targets = [arg for arg in argv[2:] if ":" in arg and not arg.startswith("-")]
    assert len(targets) == 1, argv
    return targets[0]


def assert_class_exists(target: str) -> None:
    module, cls = target.split(":")
    path = ROOT / Path(*module.split(".")).with_suffix(".py")
    assert path.is_file(), f"{target}: {path.relative_to(ROOT)} does not exist"
    source = path.read_text(encoding="utf-8")
    assert re.search(rf"^class {re.escape(cls)}\b", source, re.MULTILINE), (
        f"{target}: no `class {cls}` in {path.relative_to(ROOT)}"
    )
