"""The synthetic world: build every table from one seed, plant truths, inject defects, cache.

``build_world(seed)`` is deterministic: numpy generators are spawned from one
``SeedSequence`` per table, so the same seed gives identical tables on every
machine. Planted effects and data-quality defects are recorded in
``World.truth`` (grading only).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from netmarketing.data import catalog, seasons
from netmarketing.data import orders as orders_mod
from netmarketing.data.channels import CHANNEL_DTYPE, default_channel_group
from netmarketing.data.defects import choose_defects, inject_defects
from netmarketing.data.ga4 import make_demographics, make_ga4
from netmarketing.data.members import city_weights, make_members
from netmarketing.data.orders import APP_SOURCES, LINE_SOURCE, finalize_orders, make_orders
from netmarketing.data.pricing import make_price_history
from netmarketing.data.products import make_products
from netmarketing.data.survey import CONTENT_TYPES

DATA_VERSION = "2"
CORE_TABLES = [
    "products",
    "price_history",
    "offers",
    "members",
    "orders",
    "order_items",
    "ga4_events",
    "ga4_demographics",
]
BASE_MEMBERS = 9_000
# Target segment candidates: mid-sized gender x age cells (never the biggest revenue cells, so the
# top-revenue segment is not the answer; the segment that leans most to the strength category is).
TARGET_SEGMENTS = [
    ("female", "45-54"),
    ("female", "18-24"),
    ("male", "25-34"),
    ("male", "35-44"),
    ("female", "55-64"),
    ("male", "45-54"),
]
FUNNEL_BREAK_SEGMENTS = [("mobile", "Android"), ("mobile", "iOS"), ("desktop", "Windows")]
FUNNEL_PREVIOUS = {"add_payment_info": "begin_checkout", "purchase": "add_payment_info"}
VIRAL_SOURCES = ["ptt.cc", "dcard.tw", "mobile01.com"]
PLATFORM_GROWTH = {
    "website": (-0.03, 0.03),
    "app": (0.0, 0.06),
    "line_store": (0.0, 0.08),
    "momo": (-0.02, 0.04),
    "shopee": (0.0, 0.06),
    "pchome": (-0.07, -0.01),
}
STREAMS = [
    "plan",
    "products",
    "members",
    "orders",
    "ga4",
    "demographics",
    "defects",
    "marketing",
    "channels",
    "prices",
]


@dataclass
class World:
    """One variant of the fictional retailer: its tables and the truth manifest behind them."""

    tables: Mapping[str, pd.DataFrame]
    truth: dict = field(repr=False)
    seed: int = 0
    scale: float = 1.0

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(v):,}" for k, v in self.tables.items())
        return f"World(seed={self.seed}, scale={self.scale}, {sizes})"


def seed_for(learner_id: str) -> int:
    """Return a stable seed (< 2**32) for a learner id: sha256 of its UTF-8 text."""
    return int(hashlib.sha256(str(learner_id).encode("utf-8")).hexdigest(), 16) % 2**32


def _rngs(seed: int) -> dict[str, np.random.Generator]:
    """Spawn one independent generator per stream from the world seed."""
    children = np.random.SeedSequence(int(seed)).spawn(len(STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=False)}


def make_plan(rng: np.random.Generator) -> dict:
    """Draw the planted effects of one world (sizes and answers vary with the seed)."""
    cats = list(catalog.CATEGORIES)
    perm = rng.permutation(len(cats))
    strength, weakness = (cats[i] for i in perm[:2])
    # Category trends stay within about +-20 % a year: the strength category grows some 10 points
    # faster than the rest, the weakness category shrinks.
    trend = {c: float(rng.uniform(-0.02, 0.02)) for c in cats}
    trend[strength] = float(rng.uniform(0.14, 0.18))
    trend[weakness] = float(rng.uniform(-0.17, -0.12))
    base_margin = {c: spec["margin"] for c, spec in catalog.CATEGORIES.items()}
    others = [base_margin[c] for c in cats if c not in (strength, weakness)]
    margins = dict(base_margin)
    margins[strength] = max(others) + float(rng.uniform(0.03, 0.05))
    margins[weakness] = min(others) - float(rng.uniform(0.03, 0.05))
    gender, age = TARGET_SEGMENTS[rng.integers(len(TARGET_SEGMENTS))]
    own = [p for p, v in catalog.PLATFORMS.items() if v["own"]]
    target = {
        "gender": gender,
        "age_bracket": age,
        "preferred_category": strength,
        "affinity": float(rng.uniform(1.3, 1.8)),
        "preferred_channel": str(rng.choice(own)),
        "price_band": str(rng.choice(orders_mod.PRICE_BANDS)),
        "peak_hours": str(rng.choice(list(orders_mod.HOUR_BANDS))),
        "preferred_content": str(rng.choice(CONTENT_TYPES)),
    }
    device, os_ = FUNNEL_BREAK_SEGMENTS[rng.integers(len(FUNNEL_BREAK_SEGMENTS))]
    fb_start = pd.Timestamp("2025-02-01") + pd.Timedelta(days=int(rng.integers(0, 520)))
    fb_end = fb_start + pd.Timedelta(days=int(rng.integers(60, 90)))
    step = ["add_payment_info", "purchase"][rng.integers(2)]
    days = seasons.history_days()
    event_mask = np.zeros(len(days), dtype=bool)
    for mask in seasons.event_days(days).values():
        event_mask |= mask
    holiday, _ = seasons.cny_days(days)
    quiet = ~event_mask & ~holiday & (days >= "2025-01-01") & (days <= "2026-09-30")
    bot_day = days[int(rng.choice(np.flatnonzero(quiet)))]
    viral_day = days[int(rng.choice(np.flatnonzero(quiet & (days != bot_day))))]
    lapse = pd.Timestamp("2025-08-01") + pd.Timedelta(days=int(rng.integers(0, 150)))
    defects = choose_defects(rng)
    return {
        "strength": strength,
        "weakness": weakness,
        "category_trend": trend,
        "margins": margins,
        "margin_gap": (float(rng.uniform(0.03, 0.05)), float(rng.uniform(0.03, 0.05))),
        "growth": float(rng.uniform(0.01, 0.04)),
        "platform_growth": {p: float(rng.uniform(*r)) for p, r in PLATFORM_GROWTH.items()},
        "size": float(rng.uniform(0.85, 1.2)),
        "city_p": city_weights(rng),
        "target_segment": target,
        "funnel_break": {
            "device": device,
            "os": os_,
            "step": step,
            "previous_step": FUNNEL_PREVIOUS[step],
            "start": str(fb_start.date()),
            "end": str(fb_end.date()),
            "strength": float(rng.uniform(0.85, 0.95)),
        },
        # A bot day carries 2-3x the sessions of a normal day, from mixed devices, at ordinary hours.
        "bot_spike": {
            "date": str(bot_day.date()),
            "source": str(rng.choice(catalog.BOT_SOURCES)),
            "day_factor": float(rng.uniform(2.0, 3.0)),
        },
        "viral_source": str(rng.choice(VIRAL_SOURCES)),
        "viral_date": str(viral_day.date()),
        "lapse_date": str(lapse.date()),
        "conversion_rate": float(rng.uniform(0.019, 0.027)),
        "untracked_share": float(rng.uniform(0.02, 0.05)),
        "defects": defects,
        "duplicate_event_rate": defects.get("duplicate_events", {}).get("rate", 0.0),
    }


def _plant_margins(products: pd.DataFrame, plan: dict) -> pd.DataFrame:
    """Set the strength (weakness) category's gross margin a few points above (below) every other one.

    The house-brand mix moves a category's margin, so the plant is made on the finished catalogue:
    unit costs of the two categories are rescaled to hit their target margin (price-weighted).
    """
    cat = products["category"].astype(str)
    margin = 1 - products.groupby(cat)["unit_cost"].sum() / products.groupby(cat)["price"].sum()
    others = margin.drop([plan["strength"], plan["weakness"]])
    target = {
        plan["strength"]: others.max() + plan["margin_gap"][0],
        plan["weakness"]: others.min() - plan["margin_gap"][1],
    }
    products = products.copy()
    for code, goal in target.items():
        sel = (cat == code).to_numpy()
        products.loc[sel, "unit_cost"] = np.round(
            products.loc[sel, "unit_cost"] * (1 - goal) / (1 - margin[code])
        ).astype(np.int64)
    return products


def _sources_for(triples: list[tuple], choice: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(triples, columns=["source", "medium", "campaign"])
    return frame.iloc[choice].reset_index(drop=True)


def _attach_channels(orders: pd.DataFrame, ga4: dict, rng: np.random.Generator) -> pd.DataFrame:
    """Fill channel, campaign and transaction_id of own-platform orders from their sessions."""
    n = len(orders)
    platform = orders["platform"].to_numpy()
    source = np.full(n, None, dtype=object)
    medium = np.full(n, None, dtype=object)
    campaign_src = np.full(n, None, dtype=object)
    sess = ga4["sessions"]
    bought = sess[(sess["kind"] == 2)]
    pos = bought["order_ref"].to_numpy()
    source[pos] = bought["source"].to_numpy()
    medium[pos] = bought["medium"].to_numpy()
    campaign_src[pos] = bought["campaign"].to_numpy()
    app = np.flatnonzero(platform == "app")
    triples = [t for t, _ in APP_SOURCES]
    pick = rng.choice(len(triples), size=len(app), p=[w for _, w in APP_SOURCES])
    app_src = _sources_for(triples, pick)
    source[app], medium[app], campaign_src[app] = (
        app_src[c].to_numpy(dtype=object) for c in ("source", "medium", "campaign")
    )
    line = np.flatnonzero(platform == "line_store")
    source[line], medium[line], campaign_src[line] = LINE_SOURCE
    has = pd.notna(source)
    channel = np.full(n, None, dtype=object)
    channel[has] = (
        default_channel_group(pd.Series(source[has]), pd.Series(medium[has]), pd.Series(campaign_src[has]))
        .astype(object)
        .to_numpy()
    )
    orders = orders.copy()
    orders["channel"] = pd.Categorical(channel, dtype=CHANNEL_DTYPE)
    campaign = orders["campaign"].to_numpy(dtype=object)
    own_campaign = has & pd.notna(campaign_src)
    campaign[own_campaign] = campaign_src[own_campaign]
    orders["campaign"] = pd.Series(campaign, dtype="str")
    tx = np.full(n, None, dtype=object)
    web = platform == "website"
    tx[web] = ga4["transaction_ids"][web]
    orders["transaction_id"] = pd.Series(tx, dtype="str")
    return orders


def _to_us(frame: pd.DataFrame) -> pd.DataFrame:
    """Store every datetime column in microseconds (Parquet keeps us exactly; s and ns do not round-trip)."""
    for col in frame.columns:
        dtype = frame[col].dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].astype(f"datetime64[us, {dtype.tz}]")
        elif np.issubdtype(dtype, np.datetime64) if isinstance(dtype, np.dtype) else False:
            frame[col] = frame[col].astype("datetime64[us]")
    return frame


def _category_revenue(orders: pd.DataFrame, items: pd.DataFrame, products: pd.DataFrame) -> dict:
    """Return completed item revenue by category and year: {category: {year: NT$}}."""
    done = orders.loc[orders["status"] == "completed", ["order_id", "order_ts"]]
    lines = items.merge(done, on="order_id").merge(products[["sku", "category"]], on="sku")
    year = lines["order_ts"].dt.year
    table = lines.groupby([lines["category"].astype(str), year])["item_revenue"].sum()
    out: dict = {}
    for (cat, yr), value in table.items():
        out.setdefault(cat, {})[str(yr)] = int(value)
    return out


ORDER_COLUMNS = [
    "order_id",
    "platform",
    "member_id",
    "order_ts",
    "city",
    "payment_method",
    "coupon_code",
    "campaign",
    "channel",
    "transaction_id",
    "items_revenue",
    "discount",
    "shipping_fee",
    "platform_fee",
    "cost_of_goods",
    "revenue",
    "status",
    "returned_ts",
    "delivered_ts",
]


def build_world(
    seed: int, *, scale: float = 1.0, progress: Callable[[str], None] | None = None, marketing: bool = True
) -> World:
    """Build the whole synthetic world for a seed.

    Parameters
    ----------
    seed : any non-negative integer; the same seed gives identical tables.
    scale : multiplies members, orders and GA4 sessions (products stay fixed); must be > 0.
    progress : optional callback receiving short progress messages.
    marketing : also build the marketing tables (``netmarketing.data.marketing``) when available.

    Returns
    -------
    World with ``tables`` and the grading-only ``truth`` manifest.
    """
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    seed = int(seed)
    say = progress or (lambda _msg: None)
    rngs = _rngs(seed)
    plan = make_plan(rngs["plan"])

    say("products")
    products = _plant_margins(make_products(40, margins=plan["margins"], rng=rngs["products"]), plan)
    price_history, offers, daily_price = make_price_history(products, rng=rngs["prices"])
    say("members")
    n_members = max(round(BASE_MEMBERS * scale), 50)
    members, hidden = make_members(
        n_members, target_segment=plan["target_segment"], city_p=plan["city_p"], rng=rngs["members"]
    )
    say("orders")
    orders, items = make_orders(
        products, members, hidden, plan=plan, daily_price=daily_price, scale=scale, rng=rngs["orders"]
    )
    say("ga4_events")
    ga4 = make_ga4(orders, items, products, members, hidden, plan=plan, scale=scale, rng=rngs["ga4"])
    orders = _attach_channels(orders, ga4, rngs["channels"])

    # Keep sessions of one user apart: move the few clashing orders (by minutes: deliveries stay), then
    # drop the broken ones.
    orders["order_ts"] = orders["order_ts"] + pd.to_timedelta(ga4["order_shift_s"], unit="s")
    keep = np.ones(len(orders), dtype=bool)
    keep[ga4["dropped_orders"]] = False
    tracked = np.zeros(len(orders), dtype=bool)
    tracked[ga4["tracked_orders"]] = True
    orders = orders.drop(columns=["_device", "_os", "_cat"])
    new_pos = np.cumsum(keep) - 1
    items = items[keep[items["_order_pos"].to_numpy()]].copy()
    items["_order_pos"] = new_pos[items["_order_pos"].to_numpy()]
    orders = orders[keep].reset_index(drop=True)
    tracked = tracked[keep]
    orders["_tracked"] = tracked
    orders, items = finalize_orders(orders, items)
    untracked_ids = orders.loc[(orders["platform"] == "website") & ~orders["_tracked"], "order_id"].tolist()
    orders = orders.drop(columns="_tracked")[ORDER_COLUMNS]

    say("ga4_demographics")
    demographics = make_demographics(ga4["sessions"], members, hidden, rng=rngs["demographics"], scale=scale)
    events = ga4["events"]
    tables = {
        "products": products,
        "price_history": price_history,
        "offers": offers,
        "members": members,
        "orders": orders,
        "order_items": items,
        "ga4_events": events,
        "ga4_demographics": demographics,
    }
    for frame in tables.values():
        _to_us(frame)

    truth = _truth(plan, tables, ga4, hidden, members, seed, scale)
    truth["website_orders_untracked"] = untracked_ids
    say("defects")
    tables, truth["defects"] = inject_defects(tables, plan["defects"], rng=rngs["defects"])
    if ga4["duplicate_events"]["count"]:
        truth["defects"]["duplicate_events"] = ga4["duplicate_events"]
    for frame in tables.values():
        _to_us(frame)

    if marketing:
        try:
            from netmarketing.data.marketing import make_marketing_tables
        except ImportError:
            make_marketing_tables = None
        if make_marketing_tables is not None:
            say("marketing")
            extra, fragment = make_marketing_tables(dict(tables), rng=rngs["marketing"], truth=truth)
            tables.update(extra)
            truth.update(fragment)
    return World(tables=tables, truth=_jsonable(truth), seed=seed, scale=float(scale))


def _truth(
    plan: dict, tables: dict, ga4: dict, hidden: pd.DataFrame, members: pd.DataFrame, seed: int, scale: float
) -> dict:
    """Record the planted effects, their realised sizes (on the clean tables) and how each is found."""
    orders, items, products = tables["orders"], tables["order_items"], tables["products"]
    done = orders[orders["status"] == "completed"]
    by_year = done.groupby(done["order_ts"].dt.year)["revenue"].sum()
    sess = ga4["sessions"]
    sources = sess[["source", "medium"]].drop_duplicates()
    untagged = sorted(
        s
        for s in sources.loc[sources["medium"] == "referral", "source"]
        if s in catalog.TW_FORUMS_MARKETPLACES
    )
    bot = sess[sess["kind"] == 3]
    lapsing_ids = members.loc[hidden["lapsing"].to_numpy(), "member_id"]
    has_orders = set(orders["member_id"].dropna())
    lapsing_ids = sorted(m for m in lapsing_ids if m in has_orders)
    cats = list(catalog.CATEGORIES)
    lines = items.merge(products[["sku", "category"]], on="sku")
    margin = lines.groupby(lines["category"].astype(str))[["item_revenue", "item_cost"]].sum()
    realised_margin = (1 - margin["item_cost"] / margin["item_revenue"]).to_dict()
    web_sessions = int((sess["kind"] != 3).sum())
    target = {k: v for k, v in plan["target_segment"].items() if k != "affinity"}
    target["how"] = (
        "among gender x age segments of members with completed orders, the one whose share of "
        "spending in the strength category is highest (the top-revenue segment is another one); "
        "its preferred_channel shows as the own platform with the highest share of its orders "
        "relative to all members, price_band as its most bought third (平價/中價/高價 by list price "
        "within the category) of strength-category SKUs, peak_hours as the hour band where its "
        "order share most exceeds the members' share, preferred_content as its most chosen "
        "survey_responses.preferred_content"
    )
    bot_devices = sess.loc[sess["kind"] == 3, "device"].value_counts()
    bot_os = sess.loc[sess["kind"] == 3, "os"].value_counts()
    return {
        "version": DATA_VERSION,
        "seed": seed,
        "scale": scale,
        "strength_category": plan["strength"],
        "weakness_category": plan["weakness"],
        "category_trend": plan["category_trend"],
        "category_margin": {c: round(float(realised_margin[c]), 4) for c in cats},
        "category_revenue": _category_revenue(orders, items, products),
        "category_how": (
            "completed order lines, growth 2025 vs 2024 and gross margin (1 - cost / revenue) by "
            "category: the strength category leads both, the weakness category trails both; "
            "the biggest category by revenue is not the answer"
        ),
        "yoy_growth": {
            "planned": plan["growth"],
            "realised_2025_vs_2024": float(by_year.get(2025, 0) / by_year.get(2024, 1) - 1),
            "definition": "completed orders' revenue (all platforms), calendar 2025 vs 2024, before defects",
        },
        "company_size": plan["size"],
        "funnel_break": {
            **plan["funnel_break"],
            "how": "step-to-step rate by device, OS and month: the step's rate falls far below "
            "the segment's usual rate during start..end",
        },
        "bot_spike": {
            "date": plan["bot_spike"]["date"],
            "source": plan["bot_spike"]["source"],
            "medium": "referral",
            "sessions": len(bot),
            "device": str(bot_devices.index[0]) if len(bot_devices) else "desktop",
            "os": str(bot_os.index[0]) if len(bot_os) else "Windows",
            "day_factor": plan["bot_spike"]["day_factor"],
            "how": "sessions by source: one referrer sends hundreds of sessions on a single day with "
            "an engagement rate near 0 (single page, 0 s); the busiest day overall is a "
            "sale day, not the bot day",
        },
        "referral_untagged_sources": untagged,
        "referral_viral_source": plan["viral_source"],
        "referral_viral_date": plan["viral_date"],
        "referral_viral_how": (
            "daily sessions per forum source: the viral forum's busiest day is many times "
            "its median day (a post went viral), with ordinary engagement"
        ),
        "lapsing_segment": {
            "lapse_date": plan["lapse_date"],
            "n_members": len(lapsing_ids),
            "member_ids": lapsing_ids,
            "definition": "high-activity members whose orders stop at lapse_date",
        },
        "target_segment": target,
        "conversion_rate": {
            "planned": plan["conversion_rate"],
            "realised": float((sess["depth"] == 5).sum() / max(web_sessions, 1)),
            "definition": "GA4 purchase sessions / non-bot sessions",
        },
    }


def _jsonable(value):
    """Convert numpy scalars and containers to plain JSON types."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


# --- Cache ---------------------------------------------------------------------------------------


def cache_root() -> Path:
    """Return the cache folder: $NETMARKETING_CACHE or ~/.cache/netmarketing."""
    env = os.environ.get("NETMARKETING_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "netmarketing"


def _cache_name(seed: int, scale: float) -> str:
    return f"world-v{DATA_VERSION}-s{int(seed)}-x{float(scale):g}"


def write_world(
    world: World,
    folder: Path,
    *,
    tables: list[str] | None = None,
    fmt: str = "parquet",
    truth_name: str = "truth.json",
) -> None:
    """Write tables (Parquet and/or CSV UTF-8 with BOM), the truth manifest and manifest.json into a folder."""
    names = tables or list(world.tables)
    for name in names:
        frame = world.tables[name]
        if fmt in ("parquet", "both"):
            frame.to_parquet(folder / f"{name}.parquet", index=False)
        if fmt in ("csv", "both"):
            frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")
    (folder / truth_name).write_text(json.dumps(world.truth, ensure_ascii=False, indent=1), encoding="utf-8")
    meta = {
        "seed": world.seed,
        "scale": world.scale,
        "version": DATA_VERSION,
        "tables": names,
        "format": fmt,
        "truth_file": truth_name,
        "truth_note": "grading only: never give this file to learners",
    }
    (folder / "manifest.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


class ParquetTables(Mapping):
    """The tables of a cached world, each read from its Parquet file on first use.

    A notebook uses three or four of the 18 tables: reading only those saves about half a
    second and most of the memory of every kernel (and every graded notebook).
    """

    def __init__(self, folder: Path, names: list[str]) -> None:
        missing = [n for n in names if not (folder / f"{n}.parquet").is_file()]
        if missing:
            raise FileNotFoundError(f"world cache {folder} lacks {', '.join(missing)}")
        self._folder, self._names, self._read = folder, list(names), {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._read:
            if name not in self._names:
                raise KeyError(name)
            self._read[name] = pd.read_parquet(self._folder / f"{name}.parquet")
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def read_world(folder: Path) -> World:
    """Read a world written by :func:`write_world` in Parquet (tables are read when first used)."""
    meta = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    tables = ParquetTables(folder, list(meta["tables"]))
    truth = json.loads((folder / meta.get("truth_file", "truth.json")).read_text(encoding="utf-8"))
    return World(tables=tables, truth=truth, seed=int(meta["seed"]), scale=float(meta["scale"]))


def publish_folder(build: Callable[[Path], None], final: Path) -> bool:
    """Fill a temporary sibling folder with ``build`` and rename it to ``final`` atomically.

    Returns False (and discards the work) when another process published ``final`` first.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; published folders get normal permissions
    try:
        build(tmp)
        try:
            os.rename(tmp, final)
        except OSError:
            if final.exists():
                return False
            raise
        return True
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def load_world(seed: int, *, scale: float = 1.0, cache_dir: str | os.PathLike | None = None) -> World:
    """Return the world for a seed from the Parquet cache, building and caching it on a miss.

    Parameters
    ----------
    seed, scale : as in :func:`build_world`.
    cache_dir : cache root; default $NETMARKETING_CACHE or ~/.cache/netmarketing.
    """
    root = Path(cache_dir) if cache_dir is not None else cache_root()
    final = root / _cache_name(seed, scale)
    if (final / "manifest.json").exists():
        try:
            return read_world(final)
        except Exception:
            shutil.rmtree(final, ignore_errors=True)
    world = build_world(seed, scale=scale)
    try:
        publish_folder(lambda tmp: write_world(world, tmp), final)
    except OSError:
        # A read-only cache must not stop a learner: the world is still usable in memory.
        return world
    return read_world(final) if (final / "manifest.json").exists() else world
