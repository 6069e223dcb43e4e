"""The example flowchart data_quality_tour, run end to end by `dataops run` against a pandas reference."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from tests.support.cli import dataops

PROJECT = Path(__file__).resolve().parents[2]
FLOWCHART = PROJECT / "flowcharts" / "data_quality_tour.yaml"


@pytest.fixture
def tour(workspace: Path) -> Path:
    """The flowchart run once in the workspace; returns the output folder."""
    shutil.copy(FLOWCHART, workspace / "flowcharts" / FLOWCHART.name)
    validated = dataops("validate", f"flowcharts/{FLOWCHART.name}", cwd=workspace)
    assert validated.returncode == 0, validated.stderr
    ran = dataops("run", f"flowcharts/{FLOWCHART.name}", cwd=workspace)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.splitlines()[-1].startswith("✓ data_quality_tour succeeded")
    assert ran.stdout.count("  ✓ ") == 21
    return workspace / "data" / "out"


def reference(workspace: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(invalid rows, final orders) computed with plain pandas from the same GBK file."""
    source = pd.read_csv(workspace / "data" / "sales.csv", encoding="gbk")
    source = source.drop_duplicates(subset=["订单号"])
    year = pd.to_datetime(source["日期"]).dt.year
    valid = source["价格"].notna() & (source["数量"] > 0) & (year == 2026)
    q1, q3 = source.loc[valid, "价格"].quantile([0.25, 0.75])
    kept = source[valid]
    kept = kept[kept["价格"].between(q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1))].copy()
    kept["金额"] = kept["价格"] * kept["数量"]
    big = kept["金额"] >= 1000
    orders = pd.concat([kept[big].assign(规模="大单"), kept[~big].assign(规模="小单")], ignore_index=True)
    return source[~valid], orders


def test_outputs_match_the_pandas_reference(tour: Path, workspace: Path) -> None:
    invalid, orders = reference(workspace)

    written_invalid = pd.read_csv(tour / "tour_invalid.csv")
    assert written_invalid["订单号"].tolist() == invalid["订单号"].tolist()
    assert set(written_invalid["broken_rules"]) <= {"price_present", "quantity_positive", "in_2026"}
    assert (written_invalid.loc[written_invalid["价格"].isna(), "broken_rules"] == "price_present").all()

    written = pd.read_csv(tour / "tour_orders.csv")
    assert list(written.columns) == ["订单号", "城市", "产品", "价格", "数量", "日期", "客户", "金额", "规模", "价格档"]
    assert written["订单号"].tolist() == orders["订单号"].tolist()
    np.testing.assert_allclose(written["金额"], orders["金额"])
    bands = pd.cut(orders["价格"], [0, 50, 100, 150, 200], labels=["低", "中", "高", "很高"], include_lowest=True)
    assert written["价格档"].tolist() == bands.astype(str).tolist()

    pivot = pd.read_csv(tour / "tour_city_by_size.csv")
    expected = orders.pivot_table(index="城市", columns="规模", values="金额", aggfunc="sum").reset_index()
    expected.columns.name = None
    assert_frame_equal(pivot, expected, check_exact=False)

    top = pd.read_csv(tour / "tour_top_cities.csv")
    expected_top = expected.sort_values("大单", ascending=False).head(3)
    assert top["城市"].tolist() == expected_top["城市"].tolist()
    np.testing.assert_allclose(top["销售额"], expected_top["大单"])

    profile = pd.read_csv(tour / "tour_profile.csv")
    assert profile["column"].tolist() == list(written.columns)
    assert profile.set_index("column").loc["金额", "count"] == len(orders)
    assert profile.set_index("column").loc["价格", "max"] == pytest.approx(orders["价格"].max())
