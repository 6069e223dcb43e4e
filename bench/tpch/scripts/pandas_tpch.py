"""TPC-H in hand-written pandas, reading only the columns each query needs.

    python bench/tpch/scripts/pandas_tpch.py QUERY DATA_FOLDER OUTPUT.parquet

Dtypes: pandas' numpy ones, as most pandas code holds this data — money as float64, dates as
datetime64, text as pandas' `str`. `pd.read_parquet` alone would give DECIMAL columns as Python
`Decimal` objects (20 s for Q1's seven lineitem columns at SF 1, longer than the whole query
below), and `dtype_backend="pyarrow"` stops at the first boolean filter (`string_view` has no
`take` kernel in pyarrow). So `read` casts the money columns to float64 in Arrow before the
hand-over to pandas: the fastest way pandas has to this data, and what users end up writing.
Sums of money are therefore float, checked against DuckDB's exact answers with a tolerance.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DATA = Path(".")


def read(table: str, columns: list[str]) -> pd.DataFrame:
    """`columns` of one TPC-H table: DECIMAL as float64, DATE as datetime64."""
    arrow = pq.read_table(DATA / f"{table}.parquet", columns=columns)
    floats = pa.schema([f.with_type(pa.float64()) if pa.types.is_decimal(f.type) else f for f in arrow.schema])
    return arrow.cast(floats).to_pandas(date_as_object=False)


def q1() -> pd.DataFrame:
    lineitem = read(
        "lineitem",
        ["l_returnflag", "l_linestatus", "l_quantity", "l_extendedprice", "l_discount", "l_tax", "l_shipdate"],
    )
    lines = lineitem[lineitem["l_shipdate"] <= pd.Timestamp("1998-12-01") - pd.Timedelta(days=90)]
    lines = lines.assign(disc_price=lines["l_extendedprice"] * (1 - lines["l_discount"]))
    lines = lines.assign(charge=lines["disc_price"] * (1 + lines["l_tax"]))
    return (
        lines.groupby(["l_returnflag", "l_linestatus"], as_index=False)
        .agg(
            sum_qty=("l_quantity", "sum"),
            sum_base_price=("l_extendedprice", "sum"),
            sum_disc_price=("disc_price", "sum"),
            sum_charge=("charge", "sum"),
            avg_qty=("l_quantity", "mean"),
            avg_price=("l_extendedprice", "mean"),
            avg_disc=("l_discount", "mean"),
            count_order=("l_quantity", "size"),
        )
        .sort_values(["l_returnflag", "l_linestatus"])
    )


def q3() -> pd.DataFrame:
    customer = read("customer", ["c_custkey", "c_mktsegment"])
    orders = read("orders", ["o_orderkey", "o_custkey", "o_orderdate", "o_shippriority"])
    lineitem = read("lineitem", ["l_orderkey", "l_extendedprice", "l_discount", "l_shipdate"])
    customer = customer[customer["c_mktsegment"] == "BUILDING"]
    orders = orders[orders["o_orderdate"] < "1995-03-15"]
    lineitem = lineitem[lineitem["l_shipdate"] > "1995-03-15"]
    joined = customer.merge(orders, left_on="c_custkey", right_on="o_custkey").merge(
        lineitem, left_on="o_orderkey", right_on="l_orderkey"
    )
    joined["revenue"] = joined["l_extendedprice"] * (1 - joined["l_discount"])
    result = joined.groupby(["l_orderkey", "o_orderdate", "o_shippriority"], as_index=False).agg(
        revenue=("revenue", "sum")
    )
    result = result.sort_values(["revenue", "o_orderdate"], ascending=[False, True]).head(10)
    return result[["l_orderkey", "revenue", "o_orderdate", "o_shippriority"]]


def q5() -> pd.DataFrame:
    region = read("region", ["r_regionkey", "r_name"])
    nation = read("nation", ["n_nationkey", "n_name", "n_regionkey"])
    supplier = read("supplier", ["s_suppkey", "s_nationkey"])
    customer = read("customer", ["c_custkey", "c_nationkey"])
    orders = read("orders", ["o_orderkey", "o_custkey", "o_orderdate"])
    lineitem = read("lineitem", ["l_orderkey", "l_suppkey", "l_extendedprice", "l_discount"])
    region = region[region["r_name"] == "ASIA"]
    orders = orders[(orders["o_orderdate"] >= "1994-01-01") & (orders["o_orderdate"] < "1995-01-01")]
    joined = (
        region.merge(nation, left_on="r_regionkey", right_on="n_regionkey")
        .merge(customer, left_on="n_nationkey", right_on="c_nationkey")
        .merge(orders, left_on="c_custkey", right_on="o_custkey")
        .merge(lineitem, left_on="o_orderkey", right_on="l_orderkey")
        .merge(supplier, left_on=["l_suppkey", "n_nationkey"], right_on=["s_suppkey", "s_nationkey"])
    )
    joined["revenue"] = joined["l_extendedprice"] * (1 - joined["l_discount"])
    result = joined.groupby("n_name", as_index=False).agg(revenue=("revenue", "sum"))
    return result.sort_values("revenue", ascending=False)


def q6() -> pd.DataFrame:
    lineitem = read("lineitem", ["l_quantity", "l_extendedprice", "l_discount", "l_shipdate"])
    lines = lineitem[
        (lineitem["l_shipdate"] >= "1994-01-01")
        & (lineitem["l_shipdate"] < "1995-01-01")
        & lineitem["l_discount"].between(0.05, 0.07)
        & (lineitem["l_quantity"] < 24)
    ]
    return pd.DataFrame({"revenue": [(lines["l_extendedprice"] * lines["l_discount"]).sum()]})


def q10() -> pd.DataFrame:
    customer = read(
        "customer", ["c_custkey", "c_name", "c_address", "c_nationkey", "c_phone", "c_acctbal", "c_comment"]
    )
    orders = read("orders", ["o_orderkey", "o_custkey", "o_orderdate"])
    lineitem = read("lineitem", ["l_orderkey", "l_extendedprice", "l_discount", "l_returnflag"])
    nation = read("nation", ["n_nationkey", "n_name"])
    orders = orders[(orders["o_orderdate"] >= "1993-10-01") & (orders["o_orderdate"] < "1994-01-01")]
    lineitem = lineitem[lineitem["l_returnflag"] == "R"]
    joined = (
        customer.merge(orders, left_on="c_custkey", right_on="o_custkey")
        .merge(lineitem, left_on="o_orderkey", right_on="l_orderkey")
        .merge(nation, left_on="c_nationkey", right_on="n_nationkey")
    )
    joined["revenue"] = joined["l_extendedprice"] * (1 - joined["l_discount"])
    keys = ["c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address", "c_comment"]
    result = joined.groupby(keys, as_index=False).agg(revenue=("revenue", "sum"))
    result = result.sort_values("revenue", ascending=False).head(20)
    return result[["c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone", "c_comment"]]


def q12() -> pd.DataFrame:
    orders = read("orders", ["o_orderkey", "o_orderpriority"])
    lineitem = read("lineitem", ["l_orderkey", "l_shipmode", "l_shipdate", "l_commitdate", "l_receiptdate"])
    lines = lineitem[
        lineitem["l_shipmode"].isin(["MAIL", "SHIP"])
        & (lineitem["l_commitdate"] < lineitem["l_receiptdate"])
        & (lineitem["l_shipdate"] < lineitem["l_commitdate"])
        & (lineitem["l_receiptdate"] >= "1994-01-01")
        & (lineitem["l_receiptdate"] < "1995-01-01")
    ]
    joined = orders.merge(lines, left_on="o_orderkey", right_on="l_orderkey")
    high = joined["o_orderpriority"].isin(["1-URGENT", "2-HIGH"])
    joined["high_line_count"] = high.astype("int64")
    joined["low_line_count"] = (~high).astype("int64")
    result = joined.groupby("l_shipmode", as_index=False)[["high_line_count", "low_line_count"]].sum()
    return result.sort_values("l_shipmode")


QUERIES = {1: q1, 3: q3, 5: q5, 6: q6, 10: q10, 12: q12}

if __name__ == "__main__":
    query, DATA, output = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    QUERIES[query]().to_parquet(output, index=False)
