"""Card payments' rules without a broker or Stripe (issue 11; ISS-8, ISS-11, ISS-12): which
Stripe intent is believed, the statement's CSV and month, the print window."""
from datetime import UTC, datetime

import nameko

from services.issuance.payments import print_until
from services.payment.models import Payment
from services.payment.payments import matches, month_bounds, statement_csv, total_jpy


def payment(**facts) -> Payment:
    return Payment(id="p1", amount_jpy=2920, status="open", **facts)


def test_only_the_payments_own_succeeded_intent_in_yen_settles_it():
    intent = {"metadata": {"payment_id": "p1"}, "amount": 2920, "currency": "jpy",
              "status": "succeeded"}
    assert matches(payment(), intent)
    assert not matches(payment(), {**intent, "amount": 100})  # another amount
    assert not matches(payment(), {**intent, "metadata": {"payment_id": "p2"}})
    assert not matches(payment(), {**intent, "currency": "usd"})
    assert not matches(payment(), {**intent, "status": "processing"})


def test_the_statement_lists_each_payment_by_its_japanese_day():
    paid_at = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 1 December in Japan
    rows = [{"paid_at": paid_at, "receipt_no": "1504-R000007", "amount_jpy": 2920,
             "refunded_jpy": 2920, "lines": [{"certificate_no": "1504-2026-000001"},
                                              {"certificate_no": "1504-2026-000002"}]}]
    lines = statement_csv(rows).splitlines()
    assert lines[0] == "date,receipt_no,certificate_numbers,amount_jpy,refunded_jpy"
    assert lines[1] == "2026-12-01,1504-R000007,1504-2026-000001 1504-2026-000002,2920,2920"
    assert lines[2] == "total,,,2920,2920" and total_jpy(rows) == 0
    start, end = month_bounds("2026-12")
    assert start <= paid_at < end
    assert month_bounds("2026-11")[1] == start


def test_the_print_window_counts_from_the_paid_day_in_japan_per_chamber():
    paid_at = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 1 December in Japan
    with nameko.config.patch({"ISSUANCE": {"print_window_days": 14,
                                           "print_window_days_by_chamber": {"1301": 7}}}):
        assert print_until("1504", paid_at).isoformat() == "2026-12-15"
        assert print_until("1301", paid_at).isoformat() == "2026-12-08"


def test_the_payments_page_offers_this_months_statement_and_the_eleven_before():
    from datetime import date

    from gateway.routes.payment_pages import recent_months

    months = recent_months(date(2027, 2, 10), 12)
    assert months[:3] == ["2027-02", "2027-01", "2026-12"] and months[-1] == "2026-03"
    assert len(set(months)) == 12
