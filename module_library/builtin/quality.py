"""Quality modules: drop outliers, check rows against rules."""

from __future__ import annotations

import functools
from typing import Annotated, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library import ModuleParams, module
from module_library.checks import require_columns, require_numeric
from module_library.expressions import condition_mask, referenced_columns
from module_library.fields import SqlCondition
from module_library.params import enum_descriptions
from module_library.tables import as_float, keep, with_column

BROKEN_RULES = "broken_rules"


class DropOutliersParams(ModuleParams):
    columns: list[str] = Field(min_length=1, description="Numeric columns to check; an outlier in any drops the row.")
    method: Annotated[
        Literal["iqr", "zscore"],
        enum_descriptions(
            {
                "iqr": "more than factor × IQR below the first or above the third quartile",
                "zscore": "more than threshold standard deviations (population) from the mean",
            }
        ),
    ] = Field("iqr", description="iqr: outside the quartiles ± factor × IQR; zscore.")
    factor: float = Field(1.5, gt=0, description="For iqr: how many interquartile ranges beyond the quartiles.")
    threshold: float = Field(3.0, gt=0, description="For zscore: how many standard deviations from the mean.")


@module(category="quality", params=DropOutliersParams, passthrough=True, reads=lambda p: p.columns, engine="arrow")
def drop_outliers(data: pa.Table, params: DropOutliersParams) -> pa.Table:
    """Drop rows whose value in a listed column is an outlier (IQR fences or z-score); nulls are kept."""
    require_columns(data, params.columns, field="columns")
    require_numeric(data, params.columns, field="columns")
    outlier = pa.chunked_array([pa.repeat(False, data.num_rows)], pa.bool_())
    for column in params.columns:
        values = as_float(data.column(column))
        values = pc.if_else(pc.is_nan(values), None, values)  # NaN is missing, as a null is
        if params.method == "iqr":
            q1, q3 = pc.quantile(values, q=[0.25, 0.75], interpolation="linear").to_pylist()
            if q1 is None:
                continue
            low, high = q1 - params.factor * (q3 - q1), q3 + params.factor * (q3 - q1)
            outside = pc.or_(pc.less(values, low), pc.greater(values, high))
        else:
            spread = pc.stddev(values, ddof=0).as_py()
            if not spread:
                continue
            distance = pc.divide(pc.abs(pc.subtract(values, pc.mean(values))), spread)
            outside = pc.greater(distance, params.threshold)
        outlier = pc.or_(outlier, pc.fill_null(outside, False))
    return keep(data, pc.invert(outlier))


class Rule(ModuleParams):
    name: str = Field(min_length=1, description="Short name reported for the rows that break the rule.")
    condition: SqlCondition = Field(description="SQL boolean expression every valid row satisfies (null breaks it).")


class ValidateRowsParams(ModuleParams):
    rules: list[Rule] = Field(min_length=1, description="Rules every valid row satisfies.")
    fail_if_invalid: bool = Field(False, description="Fail the run when any row breaks a rule, instead of routing it.")

    @model_validator(mode="after")
    def _unique_names(self) -> ValidateRowsParams:
        names = [r.name for r in self.rules]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"rule names repeat: {', '.join(repeated)}")
        return self


def _rule_reads(params: ValidateRowsParams) -> list[str]:
    return [column for rule in params.rules for column in referenced_columns(rule.condition)]


@module(
    category="quality",
    params=ValidateRowsParams,
    outputs=("valid", "invalid"),
    passthrough=True,
    reads=_rule_reads,
    produces=lambda _p: [BROKEN_RULES],
    engine="arrow",
)
def validate_rows(data: pa.Table, params: ValidateRowsParams) -> dict[str, pa.Table]:
    """Route rows by rules: valid ones, and invalid ones with a broken_rules column naming what they broke."""
    broken = {
        r.name: pc.invert(condition_mask(data, r.condition, field=f"rules[{i}].condition"))
        for i, r in enumerate(params.rules)
    }
    invalid = functools.reduce(pc.or_, broken.values())
    if params.fail_if_invalid and pc.any(invalid).as_py():
        counts = ", ".join(f"{name} ({_rows(n)})" for name, mask in broken.items() if (n := _true(mask)))
        raise ModuleError(
            f"{_rows(_true(invalid))} of {data.num_rows:,} break rules: {counts}; "
            "fix the data, or set fail_if_invalid: false to route them to 'invalid'",
            Where(field="rules"),
        )
    # "a, b, " cut by two: binary_join_element_wise's null_handling="skip" loses rows (pyarrow 26)
    names = [pc.if_else(mask, f"{name}, ", "") for name, mask in broken.items()]
    reasons = pc.utf8_slice_codeunits(pc.binary_join_element_wise(*names, ""), 0, -2)
    return {
        "valid": keep(data, pc.invert(invalid)),
        "invalid": keep(with_column(data, BROKEN_RULES, reasons), invalid),
    }


def _true(mask: pa.ChunkedArray) -> int:
    return int(pc.sum(mask.cast(pa.int64())).as_py() or 0)


def _rows(count: int) -> str:
    return f"{int(count):,} row{'' if count == 1 else 's'}"
