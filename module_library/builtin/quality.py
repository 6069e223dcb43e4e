"""Quality modules: drop outliers, check rows against rules."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library.checks import require_columns, require_numeric
from module_library.expressions import evaluate_condition, referenced_columns
from module_library.fields import SqlCondition
from module_library.sdk import ModuleParams, module

BROKEN_RULES = "broken_rules"


class DropOutliersParams(ModuleParams):
    columns: list[str] = Field(min_length=1, description="Numeric columns to check; an outlier in any drops the row.")
    method: Literal["iqr", "zscore"] = Field("iqr", description="iqr: outside the quartiles ± factor × IQR; zscore.")
    factor: float = Field(1.5, gt=0, description="For iqr: how many interquartile ranges beyond the quartiles.")
    threshold: float = Field(3.0, gt=0, description="For zscore: how many standard deviations from the mean.")


@module(category="quality", params=DropOutliersParams, passthrough=True, reads=lambda p: p.columns)
def drop_outliers(data: pd.DataFrame, params: DropOutliersParams) -> pd.DataFrame:
    """Drop rows whose value in a listed column is an outlier (IQR fences or z-score); nulls are kept."""
    require_columns(data, params.columns, field="columns")
    require_numeric(data, params.columns, field="columns")
    outlier = pd.Series(False, index=data.index)
    for column in params.columns:
        values = data[column].astype("float64")
        if params.method == "iqr":
            q1, q3 = values.quantile(0.25), values.quantile(0.75)
            low, high = q1 - params.factor * (q3 - q1), q3 + params.factor * (q3 - q1)
            outlier |= (values < low) | (values > high)
        else:
            spread = values.std(ddof=0)
            if spread:
                outlier |= ((values - values.mean()).abs() / spread) > params.threshold
    return data[~outlier].reset_index(drop=True)


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
)
def validate_rows(data: pd.DataFrame, params: ValidateRowsParams) -> dict[str, pd.DataFrame]:
    """Route rows by rules: valid ones, and invalid ones with a broken_rules column naming what they broke."""
    broken = pd.DataFrame(
        {
            r.name: ~evaluate_condition(data, r.condition, field=f"rules[{i}].condition")
            for i, r in enumerate(params.rules)
        },
        index=data.index,
    )
    invalid = broken.any(axis=1)
    if params.fail_if_invalid and invalid.any():
        counts = ", ".join(f"{name} ({_rows(n)})" for name, n in broken.sum().items() if n)
        raise ModuleError(
            f"{_rows(invalid.sum())} of {len(data):,} break rules: {counts}; "
            "fix the data, or set fail_if_invalid: false to route them to 'invalid'",
            Where(field="rules"),
        )
    reasons = pd.Series("", index=data.index, dtype="str")
    for name in broken.columns:
        reasons = reasons + broken[name].map({True: f"{name}, ", False: ""})
    reasons = reasons[invalid].str.removesuffix(", ")
    return {
        "valid": data[~invalid].reset_index(drop=True),
        "invalid": data[invalid].assign(**{BROKEN_RULES: reasons}).reset_index(drop=True),
    }


def _rows(count: int) -> str:
    return f"{int(count):,} row{'' if count == 1 else 's'}"
