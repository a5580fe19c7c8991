"""Product catalogue generator (table ``products``): prices come from the product type."""

from __future__ import annotations

import numpy as np
import pandas as pd

from netmarketing.data import catalog

CATEGORY_DTYPE = pd.CategoricalDtype(list(catalog.CATEGORIES))
BRAND_PRICE_SPREAD = 0.10  # third-party brands price a product type within about +-10 % of its base


def round_price(raw: np.ndarray) -> np.ndarray:
    """Round prices the Taiwanese retail way: ...9 below 1,000, ...80/...90 above."""
    raw = np.asarray(raw, dtype=float)
    small = (np.floor(raw / 10) * 10 + 9).astype(np.int64)
    big = (np.round(raw / 100) * 100 - np.where(raw > 1500, 10, 20)).astype(np.int64)
    return np.where(raw < 1000, small, big)


def make_products(
    n_per_category: int = 40,
    *,
    margins: dict[str, float] | None = None,
    rng: np.random.Generator | int | None = None,
) -> pd.DataFrame:
    """Generate the product catalogue: SKU, zh-TW name, category, type, brand, price, unit cost, launch date.

    Each SKU is one variant of a product type (``catalog.PRODUCT_TYPES``) from one brand. Its list
    price is the type's base price times the variant's multiplier (a size, a pack) times a small
    brand factor; house-brand SKUs sell a little cheaper at a clearly higher gross margin.

    Parameters
    ----------
    n_per_category : number of SKUs per category.
    margins : gross margin of third-party SKUs per category code (defaults to ``catalog.CATEGORIES``).
    rng : seed or generator.
    """
    rng = np.random.default_rng(rng)
    margins = margins or {c: spec["margin"] for c, spec in catalog.CATEGORIES.items()}
    frames = []
    for code, spec in catalog.CATEGORIES.items():
        types = catalog.PRODUCT_TYPES[code]
        brands = catalog.BRANDS[code]
        combos = [
            (stem, variant, mult, base, brand)
            for stem, (base, variants) in types.items()
            for variant, mult in variants
            for brand in brands
        ]
        n = min(n_per_category, len(combos))
        # The house brand covers about a third of the range.
        weight = np.array([2.0 if c[4] == catalog.HOUSE_BRAND else 1.0 for c in combos])
        pick = rng.choice(len(combos), size=n, replace=False, p=weight / weight.sum())
        chosen = [combos[i] for i in pick]
        stem = np.array([c[0] for c in chosen], dtype=object)
        variant = np.array([c[1] for c in chosen], dtype=object)
        mult = np.array([c[2] for c in chosen])
        base = np.array([c[3] for c in chosen], dtype=float)
        brand = np.array([c[4] for c in chosen], dtype=object)
        house = brand == catalog.HOUSE_BRAND
        # One price level per (type, brand), shared by its variants.
        level_key = pd.factorize(pd.Series(stem) + "|" + pd.Series(brand))[0]
        level = rng.uniform(1 - BRAND_PRICE_SPREAD, 1 + BRAND_PRICE_SPREAD, level_key.max() + 1)[level_key]
        level = np.where(house, rng.uniform(*catalog.HOUSE_BRAND_PRICE_FACTOR, n), level)
        price = round_price(base * mult * level)
        margin = margins[code] + rng.normal(0, 0.025, size=n)
        margin = np.where(house, margin + rng.uniform(*catalog.HOUSE_BRAND_MARGIN_PREMIUM, n), margin)
        unit_cost = np.round(price * (1 - np.clip(margin, 0.1, 0.85))).astype(np.int64)
        name = brand + " " + stem + " " + variant
        # Most SKUs predate the history; about a tenth launch during it.
        launch_days = np.where(
            rng.random(n) < 0.9, rng.integers(0, 5 * 365, size=n) - 5 * 365, rng.integers(0, 30 * 30, size=n)
        )
        launch = pd.Timestamp(catalog.HISTORY_START) + pd.to_timedelta(launch_days, unit="D")
        frames.append(
            pd.DataFrame(
                {
                    "name": name.astype(str),
                    "category": code,
                    "category_zh": spec["zh"],
                    "product_type": stem.astype(str),
                    "brand": brand.astype(str),
                    "price": price,
                    "unit_cost": unit_cost,
                    "launch_date": launch.astype("datetime64[s]"),
                }
            ).sort_values(["product_type", "name"], kind="stable")
        )
    products = pd.concat(frames, ignore_index=True)
    prefix = products["category"].map(catalog.SKU_PREFIX)
    number = products.groupby("category", sort=False).cumcount() + 1
    products.insert(0, "sku", ("SKU-" + prefix + "-" + number.astype(str).str.zfill(4)).astype(str))
    products["category"] = products["category"].astype(CATEGORY_DTYPE)
    products["brand"] = products["brand"].astype("category")
    return products
