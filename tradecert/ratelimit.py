"""Counters for what anyone can trigger without an account (issue 9): invitations, codes,
notifications, failed logins, per client address and per ID.

Each service that limits something keeps its own counters, in its own database, in a table
`rate_limits` declared from `RateLimitMixin` (`class RateLimit(RateLimitMixin, Base)`). A
counter is one row per key (`<limit>:<subject>...`): the hits since its window opened and
when the window closes. Counting is one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, so
two requests at once can never both slip under the limit; a window that has closed starts
again at the first hit after it.

Limits are read from `LIMITS.<name>` in config.yaml (`count`, `window_s`) each time, so an
operator (or a test) can change them; the defaults the code gives apply when a key is absent.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, case, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from tradecert import clock, config
from tradecert.errors import TooManyAttempts


class RateLimitMixin:
    """The counters' table; each service that limits declares one from it."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    hits: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(index=True)


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per `window_s` seconds for each subject (an address, an ID)."""

    name: str
    count: int
    window_s: int

    @property
    def configured(self) -> "Limit":
        values = dict(config.section("LIMITS").get(self.name) or {})
        return Limit(self.name, int(values.get("count", self.count)),
                     int(values.get("window_s", self.window_s)))

    def key(self, subject) -> str:
        parts = subject if isinstance(subject, tuple) else (subject,)
        return ":".join([self.name, *(str(part).lower() for part in parts)])[:200]


def hit(session: Session, model, limit: Limit, subject, error=TooManyAttempts) -> int:
    """Count one hit; `error` (a TooManyAttempts) with `retry_after_s` when it is over the
    limit. A subject without an address (None: a call from inside, not through the gateway)
    is not limited. Returns the hits in the window."""
    hits, expires_at = count(session, model, limit, subject)
    if hits > limit.configured.count:
        raise refusal(limit.configured, expires_at, error)
    return hits


def count(session: Session, model, limit: Limit, subject) -> tuple[int, datetime | None]:
    """Count one hit and never refuse: (hits in the window, when the window closes)."""
    if _unknown(subject):
        return 0, None
    limit, now = limit.configured, clock.now()
    table = model.__table__
    closed = table.c.expires_at <= now
    statement = insert(table).values(key=limit.key(subject), hits=1,
                                     expires_at=now + timedelta(seconds=limit.window_s))
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"hits": case((closed, 1), else_=table.c.hits + 1),
              "expires_at": case((closed, statement.excluded.expires_at),
                                 else_=table.c.expires_at)},
    ).returning(table.c.hits, table.c.expires_at)
    hits, expires_at = session.execute(statement).one()
    return hits, expires_at


def count_many(session: Session, model, limit: Limit,
               hits_by_subject: dict) -> dict[str, tuple[int, datetime]]:
    """`count` for many subjects in one statement (one upsert of every row): {key: (hits in
    the window, when it closes)}. Subjects whose keys coincide are added together."""
    limit, now = limit.configured, clock.now()
    added: dict[str, int] = {}
    for subject, by in hits_by_subject.items():
        if not _unknown(subject):
            key = limit.key(subject)
            added[key] = added.get(key, 0) + max(1, int(by))
    if not added:
        return {}
    table = model.__table__
    closed = table.c.expires_at <= now
    statement = insert(table).values([
        {"key": key, "hits": by, "expires_at": now + timedelta(seconds=limit.window_s)}
        for key, by in sorted(added.items())])  # one order: no deadlock between two calls
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"hits": case((closed, statement.excluded.hits),
                           else_=table.c.hits + statement.excluded.hits),
              "expires_at": case((closed, statement.excluded.expires_at),
                                 else_=table.c.expires_at)},
    ).returning(table.c.key, table.c.hits, table.c.expires_at)
    return {key: (hits, expires_at) for key, hits, expires_at in session.execute(statement)}


def check(session: Session, model, limit: Limit, subject, error=TooManyAttempts) -> None:
    """Refuse (without counting) when the subject has used up its window already."""
    row = _open(session, model, limit, subject)
    if row is not None and row.hits >= limit.configured.count:
        raise refusal(limit.configured, row.expires_at, error)


def hits(session: Session, model, limit: Limit, subject) -> int:
    """The subject's hits in its open window (0 when closed or never hit)."""
    row = _open(session, model, limit, subject)
    return row.hits if row else 0


def forget(session: Session, model, limit: Limit, subject) -> None:
    """Start the subject's count again (a right password ends a run of failures)."""
    if not _unknown(subject):
        session.execute(delete(model).where(model.key == limit.key(subject)))


def _unknown(subject) -> bool:
    return subject is None or (isinstance(subject, tuple) and None in subject)


def _open(session: Session, model, limit: Limit, subject):
    if _unknown(subject):
        return None
    return session.scalar(select(model).where(model.key == limit.key(subject),
                                              model.expires_at > clock.now())
                          .execution_options(populate_existing=True))


def refusal(limit: Limit, expires_at: datetime, error) -> TooManyAttempts:
    wait = max(1, int((expires_at - clock.now()).total_seconds()) + 1)
    return error(message=f"{limit.name}: at most {limit.count} in {limit.window_s} s",
                 params={"retry_after_s": wait, "limit": limit.count})


def prune(session: Session, model) -> int:
    """Forget counters whose window has closed (a timer calls it now and then)."""
    return session.execute(delete(model).where(model.expires_at <= clock.now())).rowcount
