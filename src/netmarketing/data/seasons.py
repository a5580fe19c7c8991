"""Daily demand intensity of the fictional retailer: trend, Taiwanese seasonality, weekdays, hours.

Every timestamp generator samples days from these weights, so orders, GA4
sessions and marketing tables share one calendar.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netmarketing.data import catalog

# Month factors: November is the peak (雙11 + 週年慶), then December and the spring festivals.
MONTH_FACTOR = np.array([1.05, 0.92, 0.85, 0.90, 1.05, 1.08, 0.85, 0.95, 0.97, 1.10, 1.55, 1.20])
# Uplift on the event day itself and the days just before it (campaigns start early).
EVENT_UPLIFT = {"春節": 1.5, "母親節": 1.6, "618": 2.2, "父親節": 1.5, "中秋": 1.5, "週年慶": 1.6,
                "雙11": 3.2, "雙12": 2.0}
WEEKDAY_FACTOR = np.array([1.00, 0.98, 0.98, 1.00, 0.95, 0.92, 1.10])  # Monday..Sunday
# Share of activity by local hour: lunch break and the 21-23 h evening peak.
HOUR_WEIGHTS = np.array([2.0, 1.2, 0.7, 0.4, 0.3, 0.4, 0.8, 1.5, 2.5, 3.2, 3.6, 4.0,
                         5.2, 4.6, 4.0, 3.8, 3.8, 4.0, 4.3, 4.8, 5.6, 6.6, 6.8, 4.6])
HOUR_WEIGHTS = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()


def history_days() -> pd.DatetimeIndex:
    """Return every local calendar day of the history (tz-naive dates, Asia/Taipei)."""
    return pd.date_range(catalog.HISTORY_START, catalog.HISTORY_END, freq="D")


def event_days(days: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """Return, for each seasonal event, a boolean mask of its campaign days (event day and 3 days before)."""
    masks = {}
    for name, spec in catalog.SEASONAL_EVENTS.items():
        mask = np.zeros(len(days), dtype=bool)
        for date in spec["dates"].values():
            day = pd.Timestamp(date)
            mask |= (days >= day - pd.Timedelta(days=3)) & (days <= day)
        masks[name] = mask
    return masks


def seasonal_factor(days: pd.DatetimeIndex) -> np.ndarray:
    """Return the season x event x weekday factor of each day (no trend)."""
    factor = MONTH_FACTOR[days.month - 1] * WEEKDAY_FACTOR[days.day_of_week]
    for name, mask in event_days(days).items():
        factor = np.where(mask, factor * EVENT_UPLIFT[name], factor)
    return factor


def years_since_start(days: pd.DatetimeIndex) -> np.ndarray:
    """Return the time since the history start in years (float) for each day."""
    return ((days - pd.Timestamp(catalog.HISTORY_START)).days.to_numpy() / 365.25).astype(float)


def sample_local_times(day_index: np.ndarray, days: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Draw a local wall-clock time (datetime64[s], Asia/Taipei naive) within each given day.

    Parameters
    ----------
    day_index : positions into ``days``.
    days : the calendar from :func:`history_days`.
    rng : random generator.
    """
    hours = rng.choice(24, size=len(day_index), p=HOUR_WEIGHTS)
    seconds = hours * 3600 + rng.integers(0, 3600, size=len(day_index))
    base = days.to_numpy().astype("datetime64[s]")[day_index]
    return base + seconds.astype("timedelta64[s]")


def local_to_utc_seconds(local: np.ndarray) -> np.ndarray:
    """Convert naive Asia/Taipei wall-clock datetime64[s] to UTC epoch seconds (Taiwan has no DST)."""
    return local.astype("datetime64[s]").astype(np.int64) - 8 * 3600
