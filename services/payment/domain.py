"""Payment's rules, free of Nameko: fee schedules per chamber and the fee of an application
(ISS-6, ISS-11; API.md "Payment")."""
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.payment.models import FeeSchedule, FeeScheduleChange
from services.payment.schemas import CERTIFICATE_FEES, FEE_KINDS, MEMBERSHIPS
from tradecert.clock import now

SERVICE = "payment"


def columns(fees: dict) -> dict:
    """{co: {member, non_member}, ...} as FeeSchedule's columns (co_member_jpy, ...)."""
    return {f"{kind}_{membership}_jpy": fees[kind][membership]
            for kind in FEE_KINDS for membership in MEMBERSHIPS}


def schedule_as_dict(row: FeeSchedule) -> dict:
    return {kind: {membership: getattr(row, f"{kind}_{membership}_jpy")
                   for membership in MEMBERSHIPS} for kind in FEE_KINDS}


def fees(session: Session, cci_code: str, default: dict) -> dict:
    """ISS-11: the chamber's own schedule, or `default` (a loaded FeeScheduleSchema: the
    configured PAYMENT.default_fees_jpy) when it has set none."""
    row = session.get(FeeSchedule, cci_code)
    return schedule_as_dict(row) if row is not None else copy_of(default)


def quote(schedule: dict, certificate_type: str, membership: str, copies: int) -> dict:
    """API.md: an application's fee = the certificate's fee + `copies` × the copy fee, both
    at the registration's membership price (ISS-2, ISS-11). The arguments are loaded
    (QuoteSchema): both kinds of CO cost the "co" fee."""
    certificate_jpy = schedule[CERTIFICATE_FEES[certificate_type]][membership]
    copy_jpy = schedule["copy"][membership]
    return {"fee_jpy": certificate_jpy + copies * copy_jpy, "certificate_jpy": certificate_jpy,
            "copy_jpy": copy_jpy, "copies": copies, "membership": membership}


def set_fees(session: Session, cci_code: str, new: dict, by: str, default: dict) -> dict:
    """Replace the chamber's schedule with `new` (a loaded FeeScheduleSchema) and keep the
    change (who, when, before and after) in the history, which is never altered. The row is
    locked, so two changes at once are recorded one after the other, each with its true
    "before". Returns the new schedule."""
    at = now()
    # The chamber's first schedule: insert it unless another change did so at the same
    # moment (then wait for that one and change its row like any later change).
    inserted = session.scalar(
        insert(FeeSchedule)
        .values(cci_code=cci_code, updated_at=at, updated_by=by, **columns(new))
        .on_conflict_do_nothing(index_elements=[FeeSchedule.cci_code])
        .returning(FeeSchedule.cci_code))
    if inserted is not None:
        old = copy_of(default)
    else:
        row = session.scalar(select(FeeSchedule).where(FeeSchedule.cci_code == cci_code)
                             .with_for_update().execution_options(populate_existing=True))
        old = schedule_as_dict(row)
        for name, value in columns(new).items():
            setattr(row, name, value)
        row.updated_at, row.updated_by = at, by
    session.add(FeeScheduleChange(cci_code=cci_code, changed_at=at, changed_by=by, old=old,
                                  new=copy_of(new)))
    session.flush()
    return copy_of(new)


def history(session: Session, cci_code: str) -> list[FeeScheduleChange]:
    """The chamber's changes, oldest first."""
    return list(session.scalars(select(FeeScheduleChange)
                                .where(FeeScheduleChange.cci_code == cci_code)
                                .order_by(FeeScheduleChange.id)))


def copy_of(schedule: dict) -> dict:
    return {kind: {membership: schedule[kind][membership] for membership in MEMBERSHIPS}
            for kind in FEE_KINDS}
