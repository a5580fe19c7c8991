"""Does the synthetic world keep its promises: reproducible, typed, consistent, cached, exported?"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netmarketing.cli import main as cli_main
from netmarketing.data import World, build_world, load_world, seed_for
from netmarketing.data.world import publish_folder

SEED = 20240611
SCALE = 0.4

# Column lists copied from the team contract (the specification, not the code).
CONTRACT_COLUMNS = {
    "products": [
        "sku",
        "name",
        "category",
        "category_zh",
        "product_type",
        "brand",
        "price",
        "unit_cost",
        "launch_date",
    ],
    "price_history": ["sku", "valid_from", "valid_to", "price", "price_type", "offer_id", "list_price"],
    "offers": ["offer_id", "name", "event", "sku", "offer_price", "start_date", "end_date"],
    "members": [
        "member_id",
        "name",
        "national_id",
        "mobile",
        "email",
        "gender",
        "birth_date",
        "age_bracket",
        "education",
        "income_bracket",
        "city",
        "join_date",
        "marketing_consent",
        "consent_purposes",
        "marketing_opt_out_date",
        "health_notes",
        "line_user_linked",
    ],
    "orders": [
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
    ],
    "order_items": ["order_id", "line_no", "sku", "quantity", "unit_price", "item_revenue", "item_cost"],
    "ga4_events": [
        "event_date",
        "event_timestamp",
        "event_name",
        "user_pseudo_id",
        "user_id",
        "ga_session_id",
        "ga_session_number",
        "page_location",
        "page_referrer",
        "engagement_time_msec",
        "device_category",
        "device_operating_system",
        "device_browser",
        "geo_region",
        "geo_city",
        "source",
        "medium",
        "campaign",
        "term",
        "transaction_id",
        "purchase_revenue",
        "item_id",
        "items",
    ],
    "ga4_demographics": ["month", "dimension", "value", "active_users", "sessions", "key_events", "revenue"],
}
LETTER_CODES = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=False))


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(SEED, scale=SCALE, marketing=False)


def clean(orders: pd.DataFrame) -> pd.DataFrame:
    return orders.drop_duplicates()[lambda o: o["member_id"].ne("TEST").fillna(True)]


def test_same_seed_gives_identical_tables_and_other_seed_differs():
    """Does one seed always give the same tables and truth, while another seed gives other numbers?"""
    a = build_world(7, scale=0.05, marketing=False)
    b = build_world(7, scale=0.05, marketing=False)
    c = build_world(8, scale=0.05, marketing=False)
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert json.dumps(a.truth, sort_keys=True) == json.dumps(b.truth, sort_keys=True)
    assert not a["orders"]["revenue"].equals(c["orders"]["revenue"])


def test_seed_for_is_a_stable_sha256_hash():
    """Is a learner's seed the sha256 of the id reduced below 2**32, stable across calls?"""
    expected = int.from_bytes(hashlib.sha256(b"alice@example.com").digest(), "big") % 2**32
    assert seed_for("alice@example.com") == expected
    assert seed_for("alice@example.com") != seed_for("bob@example.com")
    assert 0 <= seed_for("self-study") < 2**32


def test_tables_have_contract_columns_and_dtypes(world):
    """Do the core tables carry exactly the contract's columns with categorical, tz-aware and integer dtypes?"""
    for name, columns in CONTRACT_COLUMNS.items():
        assert list(world[name].columns) == columns, name
    products, orders, items = world["products"], world["orders"], world["order_items"]
    assert isinstance(products["category"].dtype, pd.CategoricalDtype)
    assert str(orders["order_ts"].dt.tz) == "Asia/Taipei"
    assert str(orders["delivered_ts"].dt.tz) == "Asia/Taipei"
    for col in ("items_revenue", "discount", "shipping_fee", "platform_fee", "cost_of_goods", "revenue"):
        assert orders[col].dtype == np.int64, col
    for col in ("quantity", "unit_price", "item_revenue", "item_cost"):
        assert items[col].dtype == np.int64, col
    for col in ("platform", "payment_method", "status", "channel", "city"):
        assert isinstance(orders[col].dtype, pd.CategoricalDtype), col
    assert world["ga4_events"]["event_timestamp"].dtype == np.int64
    assert world["ga4_events"]["purchase_revenue"].dtype == np.float64
    assert set(orders["payment_method"].cat.categories) >= {"cvs_cod", "line_pay", "credit_card"}
    assert set(orders["platform"].astype(str)) == {"website", "app", "line_store", "momo", "shopee", "pchome"}
    assert re.fullmatch(r"SKU-[A-Z]{2}-\d{4}", products["sku"].iloc[0])


def test_referential_integrity(world):
    """Does every item have its order and product, every GA4 purchase its order, every member id its member?"""
    orders, items = world["orders"], world["order_items"]
    assert items["order_id"].isin(orders["order_id"]).all()
    assert items["sku"].isin(world["products"]["sku"]).all()
    purchases = world["ga4_events"].query("event_name == 'purchase'")
    assert len(purchases) > 0
    assert purchases["transaction_id"].isin(orders["transaction_id"].dropna()).all()
    known = orders["member_id"].dropna()
    unknown = set(known[~known.isin(world["members"]["member_id"])])
    assert unknown <= {"TEST"}
    web = orders["platform"] == "website"
    assert orders.loc[web, "transaction_id"].notna().mean() > 0.98
    market = orders["platform"].isin(["momo", "shopee", "pchome"])
    assert orders.loc[market, "member_id"].isna().all() and orders.loc[market, "channel"].isna().all()
    joined = orders.merge(world["members"][["member_id", "join_date"]], on="member_id")
    assert (joined["order_ts"].dt.tz_localize(None) >= joined["join_date"]).all()
    own = orders["platform"].isin(["app", "line_store"])
    assert orders.loc[own, "channel"].notna().all()


def test_money_adds_up(world):
    """Do revenue = items revenue + shipping and items revenue = sum of lines - discount hold for real orders?"""
    orders = clean(world["orders"])
    assert (orders["revenue"] == orders["items_revenue"] + orders["shipping_fee"]).all()
    lines = world["order_items"].groupby("order_id")["item_revenue"].sum()
    merged = orders.set_index("order_id").join(lines.rename("lines"))
    assert (merged["items_revenue"] == merged["lines"] - merged["discount"]).all()
    items = world["order_items"]
    typo = {tuple(k) for k in world.truth["defects"].get("unit_price_typo", {}).get("keys", [])}
    clean_lines = ~pd.Series(
        [(o, int(n)) in typo for o, n in zip(items["order_id"], items["line_no"], strict=True)]
    )
    assert (items["item_revenue"] == items["unit_price"] * items["quantity"])[clean_lines.to_numpy()].all()
    assert (orders["discount"] >= 0).all() and (orders["cost_of_goods"] > 0).all()


def test_returns_within_seven_days_of_delivery(world):
    """Are returns only on returned orders and within 7 days of delivery (消保法 §19), and cancelled never delivered?"""
    orders = world["orders"]
    returned = orders[orders["status"] == "returned"]
    assert len(returned) > 0
    gap = returned["returned_ts"] - returned["delivered_ts"]
    assert (gap > pd.Timedelta(0)).all() and (gap <= pd.Timedelta(days=7)).all()
    assert orders.loc[orders["status"] != "returned", "returned_ts"].isna().all()
    assert orders.loc[orders["status"] == "cancelled", "delivered_ts"].isna().all()
    assert 0.01 < (orders["status"] == "cancelled").mean() < 0.10


def test_calibration_aov_and_november_peak(world):
    """Is the average order value a plausible NT$ amount and November the top month of 2024 and 2025?"""
    orders = clean(world["orders"])
    done = orders[orders["status"] == "completed"]
    assert 600 <= done["revenue"].mean() <= 3_500
    local = done["order_ts"].dt.tz_localize(None)
    for year in (2024, 2025):
        by_month = done[local.dt.year == year].groupby(local.dt.month)["revenue"].sum()
        assert by_month.idxmax() == 11, year
    assert local.min() >= pd.Timestamp("2023-12-31") and local.max() < pd.Timestamp("2026-11-01")


def _valid_national_id(text: str) -> bool:
    if not re.fullmatch(r"[A-Z][12]\d{8}", text):
        return False
    code = LETTER_CODES[text[0]]
    weights = [8, 7, 6, 5, 4, 3, 2, 1, 1]
    total = code // 10 + (code % 10) * 9 + sum(int(d) * w for d, w in zip(text[1:], weights, strict=False))
    return total % 10 == 0


def test_personal_data_looks_real_yet_synthetic(world):
    """Are national IDs checksum-valid with the synthetic marker, mobiles 09xx-xxx-xxx and e-mails on example domains?"""
    members = world["members"]
    defects = world.truth["defects"]
    planted = set(defects.get("mobile_format", {}).get("ids", [])) | set(
        defects.get("email_format", {}).get("ids", [])
    )
    members = members[~members["member_id"].isin(planted)]
    assert all(_valid_national_id(x) for x in members["national_id"])
    assert members["national_id"].str.slice(2, 5).eq("999").all()
    assert not _valid_national_id("A123456788")  # a wrong check digit must fail the reference check
    sex = members["national_id"].str.slice(1, 2)
    assert (sex[members["gender"] == "male"] == "1").all() and (
        sex[members["gender"] == "female"] == "2"
    ).all()
    assert members["mobile"].str.fullmatch(r"09\d{2}-\d{3}-\d{3}").all()
    assert members["email"].str.fullmatch(r"[a-z0-9._]+@(example\.(com|net|org)|mail\.example\.tw)").all()
    assert members["email"].is_unique and members["member_id"].is_unique
    assert 0 < members["health_notes"].notna().mean() < 0.05
    opted = members["marketing_opt_out_date"].notna()
    assert opted.any() and not members.loc[opted, "marketing_consent"].any()
    assert members["consent_purposes"].str.contains("訂單處理").all()


def _defect_rows(world, name: str, spec: dict) -> set:
    """Return the ids (or keys) where a defect shows in the tables, found without the manifest."""
    orders, members, products, items = (
        world["orders"],
        world["members"],
        world["products"],
        world["order_items"],
    )
    if name == "test_orders":
        return set(orders.loc[orders["member_id"] == "TEST", "order_id"])
    if name == "duplicate_orders":
        return set(orders.loc[orders.duplicated(keep="first"), "order_id"])
    if name == "missing_order_city":
        return set(orders.loc[orders["city"].isna(), "order_id"])
    if name == "city_name_variants":
        return set(orders.loc[orders["city"].astype(str).str.startswith("台"), "order_id"])
    if name == "delivered_before_order":
        return set(orders.loc[orders["delivered_ts"] < orders["order_ts"], "order_id"])
    if name == "missing_member_birth_date":
        return set(members.loc[members["birth_date"].isna(), "member_id"])
    if name == "mobile_format":
        return set(members.loc[~members["mobile"].str.fullmatch(r"09\d{2}-\d{3}-\d{3}"), "member_id"])
    if name == "email_format":
        return set(members.loc[members["email"] != members["email"].str.strip().str.lower(), "member_id"])
    if name == "unit_cost_in_cents":
        return set(products.loc[products["unit_cost"] > products["price"], "sku"])
    if name == "unit_price_typo":
        bad = items[items["unit_price"] * items["quantity"] != items["item_revenue"]]
        return {(o, int(n)) for o, n in zip(bad["order_id"], bad["line_no"], strict=True)}
    if name == "sku_format":
        bad = items[~items["sku"].isin(products["sku"])]
        return {(o, int(n)) for o, n in zip(bad["order_id"], bad["line_no"], strict=True)}
    if name == "duplicate_events":
        ev = world["ga4_events"]
        dup = ev[ev.duplicated(["user_pseudo_id", "event_timestamp", "event_name"], keep="first")]
        return {
            (u, int(t), str(e))
            for u, t, e in zip(dup["user_pseudo_id"], dup["event_timestamp"], dup["event_name"], strict=True)
        }
    if name == "timezone_shift":
        return set(spec["ids"])  # checked below through the delivery times
    raise AssertionError(f"no finder for defect {name}")


def test_defects_in_manifest_match_the_data(world):
    """Does every defect listed in the truth manifest show in the tables exactly where it says, with a how?"""
    defects = world.truth["defects"]
    assert 5 <= len(defects) <= 8
    for name, spec in defects.items():
        assert spec.get("how"), name
        listed = spec.get("ids", spec.get("keys"))
        listed = {tuple(x) if isinstance(x, list) else x for x in listed}
        assert listed and _defect_rows(world, name, spec) == listed, name
    if "timezone_shift" in defects:
        orders = world["orders"].dropna(subset=["delivered_ts"])
        shifted = orders["order_id"].isin(defects["timezone_shift"]["ids"])
        lag = orders["delivered_ts"] - orders["order_ts"]
        assert lag[shifted].median() - lag[
            ~shifted & (orders["platform"] == defects["timezone_shift"]["platform"])
        ].median() > pd.Timedelta(hours=6)


def test_defects_vary_with_the_seed():
    """Do different seeds plant different sets of defect kinds, so a copied audit names the wrong problems?"""
    from netmarketing.data.defects import choose_defects

    kinds = {tuple(choose_defects(np.random.default_rng(seed))) for seed in range(20)}
    assert len(kinds) >= 15


def test_truth_is_json_and_names_its_keys(world):
    """Is the truth manifest plain JSON with the documented planted-truth keys?"""
    text = json.dumps(world.truth)
    truth = json.loads(text)
    for key in (
        "strength_category",
        "weakness_category",
        "funnel_break",
        "bot_spike",
        "referral_untagged_sources",
        "lapsing_segment",
        "target_segment",
        "yoy_growth",
        "defects",
    ):
        assert key in truth, key
    assert truth["strength_category"] != truth["weakness_category"]


def test_load_world_caches_and_reads_back_identical(tmp_path):
    """Does load_world build once, then read the same tables from its Parquet cache?"""
    first = load_world(11, scale=0.05, cache_dir=tmp_path)
    folders = list(tmp_path.iterdir())
    assert len(folders) == 1 and (folders[0] / "manifest.json").exists()
    again = load_world(11, scale=0.05, cache_dir=tmp_path)
    for name in first.tables:
        pd.testing.assert_frame_equal(first[name], again[name])
    fresh = build_world(11, scale=0.05)
    for name in fresh.tables:
        pd.testing.assert_frame_equal(fresh[name], again[name], check_categorical=False)
    assert again.truth == json.loads(json.dumps(fresh.truth))


def test_concurrent_publishers_never_corrupt_the_cache(tmp_path):
    """When two builders publish the same folder, does the first win whole and the second leave no trace?"""
    final = tmp_path / "world"

    def writer(text):
        def build(folder: Path) -> None:
            (folder / "a.txt").write_text(text)
            (folder / "b.txt").write_text(text)

        return build

    assert publish_folder(writer("one"), final) is True
    assert publish_folder(writer("two"), final) is False
    assert (final / "a.txt").read_text() == (final / "b.txt").read_text() == "one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["world"]


def test_cli_builds_parquet_and_bom_csv(tmp_path, capsys):
    """Does `netmarketing data build` write the chosen tables as Parquet and UTF-8-BOM CSV, plus a grader-only truth?"""
    out = tmp_path / "w"
    rc = cli_main(
        [
            "data",
            "build",
            "--seed",
            "5",
            "--scale",
            "0.05",
            "--out",
            str(out),
            "--tables",
            "orders,products",
            "--format",
            "both",
        ]
    )
    assert rc == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "manifest.json",
        "orders.csv",
        "orders.parquet",
        "products.csv",
        "products.parquet",
        "truth.GRADER-ONLY.json",
    ]
    raw = (out / "products.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    csv = pd.read_csv(out / "orders.csv", encoding="utf-8-sig")
    assert len(csv) == len(pd.read_parquet(out / "orders.parquet"))
    assert "產生" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--scale", "-1"], "scale"),
        (["--tables", "orders,nope"], "nope"),
    ],
)
def test_cli_rejects_bad_arguments_without_output(tmp_path, capsys, args, fragment):
    """Do a negative scale or an unknown table fail with a zh-TW + English message and no output folder?"""
    out = tmp_path / "w"
    rc = cli_main(["data", "build", "--seed", "1", "--out", str(out), *args])
    err = capsys.readouterr().err
    assert rc == 2 and fragment in err
    assert re.search(r"[\u4e00-\u9fff]", err) and re.search(r"\(.*[a-z]{3,}.*\)", err)
    assert not out.exists()


def test_cli_rejects_unwritable_folder(tmp_path, capsys):
    """Does an output folder that cannot be created fail clearly and leave nothing behind?"""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    rc = cli_main(["data", "build", "--seed", "1", "--scale", "0.05", "--out", str(blocker / "w")])
    assert rc == 2 and "cannot write" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_cli_entry_point_runs_as_a_program(tmp_path):
    """Does the installed `netmarketing` command reach the data room (help lists `build`)?"""
    done = subprocess.run(
        [sys.executable, "-m", "netmarketing.cli", "data", "build", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "--scale" in done.stdout


def test_holidays_are_computed_per_year():
    """Are 春節 and 中秋 the lunar dates of each year and 母親節 the second Sunday of May (行政院人事行政總處 calendars)?"""
    from netmarketing.data.seasons import event_date

    expected = {
        ("春節", 2024): "2024-02-10",
        ("春節", 2025): "2025-01-29",
        ("春節", 2026): "2026-02-17",
        ("春節", 2027): "2027-02-06",
        ("中秋", 2024): "2024-09-17",
        ("中秋", 2025): "2025-10-06",
        ("中秋", 2026): "2026-09-25",
        ("母親節", 2024): "2024-05-12",
        ("母親節", 2025): "2025-05-11",
        ("母親節", 2026): "2026-05-10",
        ("雙11", 2025): "2025-11-11",
    }
    for (name, year), day in expected.items():
        assert event_date(name, year).date().isoformat() == day, (name, year)


def test_order_prices_follow_price_history(world):
    """Is every order line's unit price the price price_history gives for its SKU on the order day?"""
    history = world["price_history"]
    items = world["order_items"].merge(
        world["orders"].drop_duplicates("order_id")[["order_id", "order_ts"]], on="order_id"
    )
    typo = {tuple(k) for k in world.truth["defects"].get("unit_price_typo", {}).get("keys", [])}
    shifted = set(world.truth["defects"].get("timezone_shift", {}).get("ids", []))
    items = items[
        [
            (o, int(n)) not in typo and o not in shifted
            for o, n in zip(items["order_id"], items["line_no"], strict=True)
        ]
    ]
    items = items[items["unit_price"] > 1].sample(3_000, random_state=1)  # test orders sell at NT$1
    day = items["order_ts"].dt.tz_localize(None).dt.normalize()
    merged = items.assign(day=day).merge(history, on="sku")
    end = merged["valid_to"].fillna(pd.Timestamp("2100-01-01"))
    merged = merged[(merged["valid_from"] <= merged["day"]) & (merged["day"] <= end)]
    assert len(merged) == len(items)
    assert (merged["unit_price"] == merged["price"]).all()
    periods = history.sort_values(["sku", "valid_from"])
    gap = periods.groupby("sku")["valid_from"].shift(-1) - periods["valid_to"]
    assert (gap.dropna() == pd.Timedelta(days=1)).all()  # periods tile the history without overlap
