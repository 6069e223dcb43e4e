"""Row selection keeps string views as views, over several chunks, sliced ones and nulls, sharing
the data buffers instead of copying strings."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from module_library.tables import keep, take


def _views() -> tuple[pa.Table, pa.Table]:
    """A table with a string view column of three chunks (one sliced), and its plain-text twin."""
    rng = random.Random(7)
    values = [None if rng.random() < 0.1 else "价" * rng.randint(0, 9) + str(rng.randint(0, 999)) for _ in range(900)]
    chunks = [
        pa.array(values[:300]).cast(pa.string_view()),
        pa.array(values[300:700]).cast(pa.string_view()).slice(50, 300),
        pa.array(values[700:]).cast(pa.string_view()),
    ]
    column = pa.chunked_array(chunks)
    numbers = pa.array(range(len(column)))
    plain = pa.chunked_array([c.cast(pa.string()) for c in chunks])
    return pa.table({"s": column, "n": numbers}), pa.table({"s": plain, "n": numbers})


def test_keep_matches_the_plain_filter_and_keeps_the_type() -> None:
    views, plain = _views()
    mask = pa.array([i % 3 != 0 for i in range(views.num_rows)])
    kept = keep(views, mask)
    kept.validate(full=True)
    assert kept.schema == views.schema
    assert kept.column("s").cast(pa.string()).to_pylist() == plain.filter(mask).column("s").to_pylist()
    assert kept.column("s").chunk(0).buffers()[2].address == views.column("s").chunk(0).buffers()[2].address


@pytest.mark.parametrize("nulls", [False, True])
def test_take_matches_the_plain_take_across_chunks(nulls: bool) -> None:
    views, plain = _views()
    rng = random.Random(3)
    indices = pa.array([None if nulls and i % 50 == 0 else rng.randrange(views.num_rows) for i in range(400)], pa.int64())
    taken = take(views, indices)
    taken.validate(full=True)
    assert taken.schema == views.schema
    assert taken.column("s").cast(pa.string()).to_pylist() == plain.take(indices).column("s").to_pylist()


def test_a_mask_that_keeps_everything_returns_the_table_itself() -> None:
    views, _ = _views()
    assert keep(views, pa.array([True] * views.num_rows)) is views
    assert keep(views, pa.array([False] * views.num_rows)).num_rows == 0
