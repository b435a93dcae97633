"""Certificate numbers (ISS-2, issue 10): unique per chamber, readable, sequential without gaps
under concurrent certifications, in PostgreSQL itself (no fakes): a certification that rolls
back gives its number back; one that waits on another's lock takes the next number."""
import threading

from sqlalchemy.orm import Session

from services.issuance import domain
from tradecert import config
from tradecert.db import make_engine


def test_numbers_are_consecutive_per_chamber_and_a_rollback_leaves_no_gap(fresh_databases):
    engine = make_engine(config.database_url("issuance"))
    try:
        with Session(engine) as first:
            assert domain.next_certificate_no(first, "1504", 2026) == "1504-2026-000001"
            first.rollback()  # the certification failed (rendering, signing): no gap
        with Session(engine) as second:
            assert domain.next_certificate_no(second, "1504", 2026) == "1504-2026-000001"
            assert domain.next_certificate_no(second, "1301", 2026) == "1301-2026-000001"
            second.commit()

        # two certifications at once: the second waits for the first's commit, then follows
        taken, started = [], threading.Event()
        holder = Session(engine)
        taken.append(domain.next_certificate_no(holder, "1504", 2026))

        def concurrent():
            with Session(engine) as other:
                started.set()
                taken.append(domain.next_certificate_no(other, "1504", 2026))
                other.commit()

        thread = threading.Thread(target=concurrent)
        thread.start()
        started.wait(5)
        thread.join(0.5)
        assert thread.is_alive(), "the second certification must wait for the first's lock"
        holder.commit()
        holder.close()
        thread.join(10)
        assert taken == ["1504-2026-000002", "1504-2026-000003"]
        with Session(engine) as next_year:
            assert domain.next_certificate_no(next_year, "1504", 2027) == "1504-2027-000001"
    finally:
        engine.dispose()


def test_access_codes_are_random_and_long_enough():
    codes = {domain.new_access_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(len(code) >= 8 and set(code) <= set(domain.ACCESS_CODE_ALPHABET) for code in codes)
