"""Product catalogue generator (table ``products``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from netmarketing.data import catalog

CATEGORY_DTYPE = pd.CategoricalDtype(list(catalog.CATEGORIES))


def _round_price(raw: np.ndarray) -> np.ndarray:
    """Round prices the Taiwanese retail way: ...9 below 1,000, ...80/...90 above."""
    small = (np.floor(raw / 10) * 10 + 9).astype(np.int64)
    big = (np.round(raw / 100) * 100 - np.where(raw > 1500, 10, 20)).astype(np.int64)
    return np.where(raw < 1000, small, big)


def make_products(n_per_category: int = 40, *, margins: dict[str, float] | None = None,
                  rng: np.random.Generator | int | None = None) -> pd.DataFrame:
    """Generate the product catalogue: SKU, zh-TW name, category, brand, price, unit cost, launch date.

    Parameters
    ----------
    n_per_category : number of SKUs per category.
    margins : gross margin per category code (defaults to ``catalog.CATEGORIES``).
    rng : seed or generator.
    """
    rng = np.random.default_rng(rng)
    margins = margins or {c: spec["margin"] for c, spec in catalog.CATEGORIES.items()}
    frames = []
    for code, spec in catalog.CATEGORIES.items():
        n = n_per_category
        stems = np.array(catalog.PRODUCT_STEMS[code])
        variants = np.array(catalog.PRODUCT_VARIANTS[code])
        brands = np.array(catalog.BRANDS[code])
        # Every (stem, variant) pair at most once so names stay unique within a category.
        pairs = rng.choice(len(stems) * len(variants), size=n, replace=False)
        brand = brands[rng.choice(len(brands), size=n, p=[0.4, 0.2, 0.2, 0.2])]
        name = np.char.add(np.char.add(np.char.add(brand, " "), stems[pairs // len(variants)]),
                           np.char.add(" ", variants[pairs % len(variants)]))
        low, high = spec["price"]
        price = _round_price(np.exp(rng.uniform(np.log(low), np.log(high), size=n)))
        margin = np.clip(margins[code] + rng.normal(0, 0.04, size=n), 0.08, 0.85)
        unit_cost = np.round(price * (1 - margin)).astype(np.int64)
        # Most SKUs predate the history; about a quarter launch during it.
        launch_days = np.where(
            rng.random(n) < 0.75,
            rng.integers(0, 5 * 365, size=n) - 5 * 365,
            rng.integers(0, 32 * 30, size=n),
        )
        launch = pd.Timestamp(catalog.HISTORY_START) + pd.to_timedelta(launch_days, unit="D")
        frames.append(pd.DataFrame({
            "sku": [f"SKU-{catalog.SKU_PREFIX[code]}-{i + 1:04d}" for i in range(n)],
            "name": name.astype(str),
            "category": code,
            "category_zh": spec["zh"],
            "brand": brand.astype(str),
            "price": price,
            "unit_cost": unit_cost,
            "launch_date": launch.astype("datetime64[s]"),
        }))
    products = pd.concat(frames, ignore_index=True)
    products["category"] = products["category"].astype(CATEGORY_DTYPE)
    products["brand"] = products["brand"].astype("category")
    return products
