"""The Taiwanese calendar of the fictional retailer: holidays, campaign run-ups, weekdays, hours.

Every timestamp generator samples days from these weights, so orders, GA4 sessions and the
marketing tables share one calendar. Dates are computed for each year of the history (and the
planning year): 春節 and 中秋 from the Chinese lunisolar calendar of the ``holidays`` package,
母親節 as the second Sunday of May, the sale days by their fixed dates.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from netmarketing.data import catalog

# Month factors: November is the peak (雙11 + 週年慶), then December; summer is quiet.
MONTH_FACTOR = np.array([1.05, 0.95, 0.88, 0.92, 1.02, 1.05, 0.86, 0.94, 0.96, 1.05, 1.45, 1.15])
WEEKDAY_FACTOR = np.array(catalog.WEEKDAY_FACTOR)  # Monday..Sunday
# Share of activity by local hour: lunch break, the 15-16 h lull at work and the 20-22 h evening peak
# (trends.shopline.tw/customer, undated: weak source).
HOUR_WEIGHTS = np.array(
    [
        2.2,
        1.3,
        0.7,
        0.4,
        0.3,
        0.4,
        0.8,
        1.4,
        2.2,
        3.0,
        3.5,
        3.9,
        4.9,
        4.4,
        4.3,
        4.8,
        4.7,
        4.0,
        4.1,
        4.7,
        5.9,
        6.6,
        6.2,
        4.2,
    ]
)
HOUR_WEIGHTS = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
# Orders over 除夕-初三 fall to this share of an ordinary day (families gather, carriers stop).
CNY_HOLIDAY_LEVEL = 0.45


@cache
def _lunar_dates(year: int) -> dict[str, pd.Timestamp]:
    """Return 初一 (Lunar New Year) and 中秋 of a Gregorian year, from the holidays package."""
    from holidays.countries.taiwan import Taiwan  # one country: importing all of them costs 0.3 s

    # The package's English names are stable; the first "Chinese New Year" day is 初一.
    table = Taiwan(years=year, language="en_US")
    new_year = min(
        d for d, name in table.items() if any(part.strip() == "Chinese New Year" for part in name.split(";"))
    )
    mid_autumn = min(d for d, name in table.items() if "Mid-Autumn Festival" in name)
    return {"lunar_new_year": pd.Timestamp(new_year), "mid_autumn": pd.Timestamp(mid_autumn)}


def event_date(name: str, year: int) -> pd.Timestamp:
    """Return the day of a seasonal event (``catalog.SEASONAL_EVENTS``) in a year.

    >>> event_date("母親節", 2026).date().isoformat()
    '2026-05-10'
    >>> event_date("春節", 2026).date().isoformat()
    '2026-02-17'
    """
    rule = catalog.SEASONAL_EVENTS[name]["rule"]
    if rule in ("lunar_new_year", "mid_autumn"):
        return _lunar_dates(year)[rule]
    if rule == "second_sunday_may":
        first = pd.Timestamp(year, 5, 1)
        return first + pd.Timedelta(days=(6 - first.day_of_week) % 7 + 7)
    month, day = (int(x) for x in rule.split("-"))
    return pd.Timestamp(year, month, day)


def event_calendar(years) -> pd.DataFrame:
    """Return one row per (event, year): name, English name, date, campaign start and peak day."""
    rows = []
    for year in years:
        for name, spec in catalog.SEASONAL_EVENTS.items():
            day = event_date(name, int(year))
            rows.append(
                {
                    "event": name,
                    "en": spec["en"],
                    "year": int(year),
                    "date": day,
                    "campaign_start": day - pd.Timedelta(days=spec["run_up"]),
                    "peak_day": day - pd.Timedelta(days=spec["peak_before"]),
                }
            )
    return pd.DataFrame(rows)


def history_days() -> pd.DatetimeIndex:
    """Return every local calendar day of the history (tz-naive dates, Asia/Taipei)."""
    return pd.date_range(catalog.HISTORY_START, catalog.HISTORY_END, freq="D")


def _years(days: pd.DatetimeIndex) -> range:
    return range(int(days.year.min()) - 1, int(days.year.max()) + 2)


def event_days(days: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """Return, for each seasonal event, a boolean mask of its campaign days (run-up start to the day)."""
    cal = event_calendar(_years(days))
    masks = {}
    for name in catalog.SEASONAL_EVENTS:
        mask = np.zeros(len(days), dtype=bool)
        for row in cal[cal["event"] == name].itertuples():
            mask |= (days >= row.campaign_start) & (days <= row.date)
        masks[name] = mask
    return masks


def event_uplift(days: pd.DatetimeIndex) -> np.ndarray:
    """Return the multiplicative campaign factor of each day: run-up ramps, peaks and the fall after."""
    factor = np.ones(len(days))
    cal = event_calendar(_years(days))
    offsets = days.to_numpy().astype("datetime64[D]").astype(np.int64)
    for row in cal.itertuples():
        spec = catalog.SEASONAL_EVENTS[row.event]
        day = np.datetime64(row.date.date(), "D").astype(np.int64)
        rel = offsets - day  # negative before the day
        peak_rel = -spec["peak_before"]
        up = (rel >= -spec["run_up"]) & (rel <= peak_rel)
        ramp = (rel[up] + spec["run_up"]) / max(spec["run_up"] + peak_rel, 1)
        # A convex ramp: the last days before the peak carry most of the uplift.
        factor[up] *= 1 + (spec["uplift"] - 1) * ramp**2
        if spec["peak_before"] > 0:
            # Gift days: once delivery before the day is no longer sure, orders fall away.
            down = (rel > peak_rel) & (rel <= 0)
            frac = (rel[down] - peak_rel) / spec["peak_before"]
            factor[down] *= 1 + (spec["uplift"] - 1) * (1 - frac) - 0.15 * frac
        after = (rel > 0) & (rel <= 3)
        factor[after] *= 0.88
    return factor


def cny_days(days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Return masks of the 春節 holiday (除夕-初三, few orders) and the no-delivery days (除夕-初四)."""
    holiday = np.zeros(len(days), dtype=bool)
    no_delivery = np.zeros(len(days), dtype=bool)
    lo, hi = catalog.CNY_NO_DELIVERY
    for year in _years(days):
        first = event_date("春節", year)
        holiday |= (days >= first - pd.Timedelta(days=1)) & (days <= first + pd.Timedelta(days=2))
        no_delivery |= (days >= first + pd.Timedelta(days=lo)) & (days <= first + pd.Timedelta(days=hi))
    return holiday, no_delivery


def seasonal_factor(days: pd.DatetimeIndex) -> np.ndarray:
    """Return the month x campaign x weekday factor of each day (no trend)."""
    factor = MONTH_FACTOR[days.month - 1] * WEEKDAY_FACTOR[days.day_of_week] * event_uplift(days)
    holiday, _ = cny_days(days)
    return np.where(holiday, factor * CNY_HOLIDAY_LEVEL, factor)


def next_delivery_day(local: np.ndarray) -> np.ndarray:
    """Move delivery times that fall on a no-delivery day (除夕-初四) to the next working morning.

    Parameters
    ----------
    local : datetime64 array of naive Asia/Taipei delivery times.
    """
    local = np.asarray(local).astype("datetime64[s]")
    day = local.astype("datetime64[D]")
    out = local.copy()
    lo, hi = catalog.CNY_NO_DELIVERY
    years = np.unique(day.astype("datetime64[Y]").astype(int) + 1970)
    for year in range(int(years.min()) - 1, int(years.max()) + 2) if len(years) else []:
        first = np.datetime64(event_date("春節", year).date(), "D")
        start, end = first + lo, first + hi
        hit = (day >= start) & (day <= end)
        # Deliveries resume on 初五 from 9 h, spread over the first working days.
        spread = (np.arange(int(hit.sum())) % 3).astype("timedelta64[D]")
        out[hit] = (
            (end + 1 + spread).astype("datetime64[s]")
            + np.timedelta64(9 * 3600, "s")
            + (local[hit] - local[hit].astype("datetime64[D]").astype("datetime64[s]")) // 3
        )
    return out


def years_since_start(days: pd.DatetimeIndex) -> np.ndarray:
    """Return the time since the history start in years (float) for each day."""
    return ((days - pd.Timestamp(catalog.HISTORY_START)).days.to_numpy() / 365.25).astype(float)


def sample_local_times(
    day_index: np.ndarray,
    days: pd.DatetimeIndex,
    rng: np.random.Generator,
    hour_weights: np.ndarray | None = None,
) -> np.ndarray:
    """Draw a local wall-clock time (datetime64[s], Asia/Taipei naive) within each given day.

    Parameters
    ----------
    day_index : positions into ``days``.
    days : the calendar from :func:`history_days`.
    rng : random generator.
    hour_weights : optional 24 weights (default :data:`HOUR_WEIGHTS`).
    """
    weights = HOUR_WEIGHTS if hour_weights is None else np.asarray(hour_weights) / np.sum(hour_weights)
    hours = rng.choice(24, size=len(day_index), p=weights)
    seconds = hours * 3600 + rng.integers(0, 3600, size=len(day_index))
    base = days.to_numpy().astype("datetime64[s]")[day_index]
    return base + seconds.astype("timedelta64[s]")


def local_to_utc_seconds(local: np.ndarray) -> np.ndarray:
    """Convert naive Asia/Taipei wall-clock datetime64[s] to UTC epoch seconds (Taiwan has no DST)."""
    return local.astype("datetime64[s]").astype(np.int64) - 8 * 3600
