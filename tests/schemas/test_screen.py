"""The one-pass screen says "clean" exactly when pandera finds no fault in a table.

Every column of every model is broken in each way its declaration forbids (an empty
value where one is required, a value off its code list, out of its range, or not in
its format), one value at a time, and in random combinations; the screen must send
each broken table to pandera, and pass each clean one.
"""

from __future__ import annotations

import random
from typing import Any

import pandera.errors
import polars as pl
import pytest
from pandera.config import ValidationDepth, config_context

from schemas import TABLE_NAMES, table_spec
from schemas.examples import example_tables
from schemas.screen import FAULTS, breaks_no_row_rule
from schemas.tables import MODELS

BAD_TEXT = ("ZZZ", "x", "", "X12345", "X1234567", "12345678", "ab cd ef")


def _pandera_finds_nothing(table: str, frame: pl.DataFrame) -> bool:
    try:
        with config_context(
            validation_enabled=True, validation_depth=ValidationDepth.SCHEMA_AND_DATA
        ):
            MODELS[table].validate(frame, lazy=True)
    except pandera.errors.SchemaErrors:
        return False
    return True


def _bad_values(table: str, column: str) -> list[Any]:
    """Values the model forbids in ``column`` (and a few it allows, for contrast)."""
    spec = MODELS[table].to_schema().columns[column]
    values: list[Any] = [] if spec.nullable else [None]
    for check in spec.checks:
        if check.name in ("str_matches", "isin"):
            values += BAD_TEXT
        elif "min_value" in check.statistics:
            values += [-1, 0, check.statistics["min_value"]]
        elif "max_value" in check.statistics:
            values += [check.statistics["max_value"], 101, 1000]
    return values


def _with_value(frame: pl.DataFrame, column: str, row: int, value: Any) -> pl.DataFrame:
    dtype = frame.schema[column]
    values = frame[column].to_list()
    values[row] = value
    return frame.with_columns(pl.Series(column, values, dtype=dtype, strict=False))


CASES = [
    (table, column, value)
    for table in TABLE_NAMES
    for column in MODELS[table].to_schema().columns
    for value in _bad_values(table, column)
]


def test_every_check_of_the_models_is_one_the_screen_knows() -> None:
    names = {
        c.name
        for m in MODELS.values()
        for col in m.to_schema().columns.values()
        for c in col.checks
    }
    assert names <= set(FAULTS)


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_the_example_tables_are_clean_to_both(table: str) -> None:
    frame = example_tables()[table]
    assert breaks_no_row_rule(table, frame) and _pandera_finds_nothing(table, frame)


@pytest.mark.parametrize(("table", "column", "value"), CASES)
def test_one_value_changed(table: str, column: str, value: Any) -> None:
    frame = _with_value(example_tables()[table], column, 0, value)
    assert breaks_no_row_rule(table, frame) == _pandera_finds_nothing(table, frame)


@pytest.mark.parametrize("seed", range(20))
def test_random_values_changed(seed: int) -> None:
    chosen = random.Random(seed)
    tables = example_tables()
    for _ in range(3):
        table, column, value = chosen.choice(CASES)
        frame = tables[table]
        tables[table] = _with_value(frame, column, chosen.randrange(frame.height), value)
    for table, frame in tables.items():
        assert breaks_no_row_rule(table, frame) == _pandera_finds_nothing(table, frame)


def test_a_column_of_another_type_is_left_to_pandera() -> None:
    frame = example_tables()["events"].with_columns(pl.col("event_number").cast(pl.Int32))
    assert not breaks_no_row_rule("events", frame)


def _references(table: str) -> dict[str, tuple[str, str]]:
    return {c.name: c.references for c in table_spec(table).columns if c.references}


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_a_repeated_key_is_left_to_the_key_rule(table: str) -> None:
    frame = example_tables()[table]
    key = table_spec(table).key
    assert breaks_no_row_rule(table, frame, key=key)
    assert not breaks_no_row_rule(table, pl.concat([frame, frame.head(1)]), key=key)


@pytest.mark.parametrize("table", [t for t in TABLE_NAMES if _references(t)])
def test_a_reference_to_no_kept_parent_row_is_left_to_the_reference_rule(table: str) -> None:
    tables = example_tables()
    frame = tables[table]
    parents = {c: tables[p][k] for c, (p, k) in _references(table).items()}
    assert breaks_no_row_rule(table, frame, parents)
    for column, keys in parents.items():
        used = frame[column].drop_nulls()
        if used.len():
            fewer = {**parents, column: keys.filter(keys != used[0])}
            assert not breaks_no_row_rule(table, frame, fewer)
