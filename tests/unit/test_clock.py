"""The one clock (defect 4): the Japanese calendar day, and the test's control of it."""
from datetime import UTC, date, datetime

import pytest

from tradecert import clock


def test_the_japanese_day_begins_at_15_00_utc():
    with clock.frozen(datetime(2026, 3, 31, 14, 59, tzinfo=UTC)):
        assert clock.japan_today() == date(2026, 3, 31)
    with clock.frozen(datetime(2026, 3, 31, 15, 0, tzinfo=UTC)):
        assert clock.japan_today() == date(2026, 4, 1)
        assert clock.now() == datetime(2026, 3, 31, 15, 0, tzinfo=UTC)


def test_travel_moves_from_the_current_clock_and_every_block_restores_it():
    with clock.frozen(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)):
        with clock.travel(days=1):
            assert clock.japan_today() == date(2027, 1, 2)
        assert clock.japan_today() == date(2027, 1, 1)
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 5


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError), clock.frozen(datetime(2026, 1, 1)):
        pass
