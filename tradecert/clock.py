"""One clock for every rule that depends on the time or on the calendar day in Japan.

ID-3 (the signer's password only on the day of the first output) and REG-9 (validity,
reminders) count calendar days in Japan wherever the server runs: `japan_today()`, never
the server's or UTC's date. Tests move this one clock with `frozen(at)` or `travel(...)`;
under `nameko test` the services run in the test's process, so they see it too.
"""
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

JAPAN = ZoneInfo("Asia/Tokyo")

_override: dict[str, datetime | None] = {"at": None}


def now() -> datetime:
    """The current moment, aware, in UTC."""
    return _override["at"] or datetime.now(UTC)


def japan_today() -> date:
    """Today's date on the Japanese calendar."""
    return now().astimezone(JAPAN).date()


@contextmanager
def frozen(at: datetime):
    """For tests: inside the block `now()` answers `at` (an aware datetime)."""
    if at.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    previous = _override["at"]
    _override["at"] = at.astimezone(UTC)
    try:
        yield
    finally:
        _override["at"] = previous


@contextmanager
def travel(**delta):
    """For tests: inside the block the clock stands `timedelta(**delta)` from now."""
    with frozen(now() + timedelta(**delta)):
        yield
