"""TPC-H in idiomatic polars: lazy scans of the Parquet files, collected once per query.

    python bench/tpch/scripts/polars_tpch.py QUERY DATA_FOLDER OUTPUT.parquet

Money is read as Float64, like the pandas script: polars 2.1 keeps the scale of a DECIMAL(15,2)
product at 2 (`l_extendedprice * (1 - l_discount)` is rounded to cents row by row), so its
decimal sums miss SQL's exact answer by up to a cent per row.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import polars as pl
import polars.selectors as cs

DATA = Path(".")


def scan(table: str) -> pl.LazyFrame:
    return pl.scan_parquet(DATA / f"{table}.parquet").with_columns(cs.decimal().cast(pl.Float64))


def volume() -> pl.Expr:
    return pl.col("l_extendedprice") * (1 - pl.col("l_discount"))


def q1() -> pl.LazyFrame:
    return (
        scan("lineitem")
        .filter(pl.col("l_shipdate") <= date(1998, 9, 2))
        .group_by("l_returnflag", "l_linestatus")
        .agg(
            sum_qty=pl.col("l_quantity").sum(),
            sum_base_price=pl.col("l_extendedprice").sum(),
            sum_disc_price=volume().sum(),
            sum_charge=(volume() * (1 + pl.col("l_tax"))).sum(),
            avg_qty=pl.col("l_quantity").mean(),
            avg_price=pl.col("l_extendedprice").mean(),
            avg_disc=pl.col("l_discount").mean(),
            count_order=pl.len(),
        )
        .sort("l_returnflag", "l_linestatus")
    )


def q3() -> pl.LazyFrame:
    customer = scan("customer").filter(pl.col("c_mktsegment") == "BUILDING")
    orders = scan("orders").filter(pl.col("o_orderdate") < date(1995, 3, 15))
    lineitem = scan("lineitem").filter(pl.col("l_shipdate") > date(1995, 3, 15))
    return (
        customer.join(orders, left_on="c_custkey", right_on="o_custkey")
        .join(lineitem, left_on="o_orderkey", right_on="l_orderkey")
        .group_by(pl.col("o_orderkey").alias("l_orderkey"), "o_orderdate", "o_shippriority")
        .agg(revenue=volume().sum())
        .sort(["revenue", "o_orderdate"], descending=[True, False])
        .head(10)
        .select("l_orderkey", "revenue", "o_orderdate", "o_shippriority")
    )


def q5() -> pl.LazyFrame:
    region = scan("region").filter(pl.col("r_name") == "ASIA")
    orders = scan("orders").filter(pl.col("o_orderdate").is_between(date(1994, 1, 1), date(1995, 1, 1), closed="left"))
    return (
        region.join(scan("nation"), left_on="r_regionkey", right_on="n_regionkey")
        .join(scan("customer"), left_on="n_nationkey", right_on="c_nationkey")
        .join(orders, left_on="c_custkey", right_on="o_custkey")
        .join(scan("lineitem"), left_on="o_orderkey", right_on="l_orderkey")
        .join(scan("supplier"), left_on=["l_suppkey", "n_nationkey"], right_on=["s_suppkey", "s_nationkey"])
        .group_by("n_name")
        .agg(revenue=volume().sum())
        .sort("revenue", descending=True)
    )


def q6() -> pl.LazyFrame:
    return (
        scan("lineitem")
        .filter(
            pl.col("l_shipdate").is_between(date(1994, 1, 1), date(1995, 1, 1), closed="left"),
            pl.col("l_discount").is_between(0.05, 0.07),
            pl.col("l_quantity") < 24,
        )
        .select(revenue=(pl.col("l_extendedprice") * pl.col("l_discount")).sum())
    )


def q10() -> pl.LazyFrame:
    orders = scan("orders").filter(
        pl.col("o_orderdate").is_between(date(1993, 10, 1), date(1994, 1, 1), closed="left")
    )
    return (
        scan("customer")
        .join(orders, left_on="c_custkey", right_on="o_custkey")
        .join(scan("lineitem").filter(pl.col("l_returnflag") == "R"), left_on="o_orderkey", right_on="l_orderkey")
        .join(scan("nation"), left_on="c_nationkey", right_on="n_nationkey")
        .group_by("c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address", "c_comment")
        .agg(revenue=volume().sum())
        .sort("revenue", descending=True)
        .head(20)
        .select("c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone", "c_comment")
    )


def q12() -> pl.LazyFrame:
    lineitem = scan("lineitem").filter(
        pl.col("l_shipmode").is_in(["MAIL", "SHIP"]),
        pl.col("l_commitdate") < pl.col("l_receiptdate"),
        pl.col("l_shipdate") < pl.col("l_commitdate"),
        pl.col("l_receiptdate").is_between(date(1994, 1, 1), date(1995, 1, 1), closed="left"),
    )
    high = pl.col("o_orderpriority").is_in(["1-URGENT", "2-HIGH"])
    return (
        scan("orders")
        .join(lineitem, left_on="o_orderkey", right_on="l_orderkey")
        .group_by("l_shipmode")
        .agg(high_line_count=high.cast(pl.Int64).sum(), low_line_count=(~high).cast(pl.Int64).sum())
        .sort("l_shipmode")
    )


QUERIES = {1: q1, 3: q3, 5: q5, 6: q6, 10: q10, 12: q12}

if __name__ == "__main__":
    query, DATA, output = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    QUERIES[query]().collect().write_parquet(output)
