import datetime as dt

import numpy as np

from sim.model.calendar import SimCalendar


def test_steps_and_dates_round_trip():
    cal = SimCalendar.from_strings("2020-01-01", "2026-12-31")
    assert cal.n_days == 2557
    assert cal.step_of("2020-01-01") == 0
    assert cal.date_of(cal.step_of("2025-10-11")) == dt.date(2025, 10, 11)
    assert cal.contains("2026-12-31") and not cal.contains("2027-01-01")


def test_months_and_month_starts():
    cal = SimCalendar.from_strings("2020-01-15", "2020-03-02")
    assert cal.months == ["2020-01", "2020-02", "2020-03"]
    assert list(cal.month_starts) == [0, 17, 46]
    assert np.bincount(cal.month_index).tolist() == [17, 29, 2]  # 2020 is a leap year
