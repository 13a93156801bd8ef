"""Hostile rows, generated: a valid extract (the contract's examples) with one to three
row faults — a reference to a missing parent (an orphan), a duplicate key, a
soft-deleted parent, a second current offender manager — written as CSV or Parquet.

The outcome is asserted exactly, against a small model of the contract written here in
plain Python (apart from schemas/): which rows are rejected, with which reason, at which
row number; that rows read = kept + rejected; and that what the checks see (What exists
at D, CHECKS.md) is the kept rows less the soft-deleted ones and everything below them,
which are hidden, not rejected. A failure prints the case and the blob that reproduces
it; run longer with HYPOTHESIS_PROFILE=long.
"""

from __future__ import annotations

import datetime as dt
import shutil
import string
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from auditor.sources import load_extract, write_extract
from checks.visibility import visible_tables
from schemas import TABLE_NAMES, table_spec
from schemas.codes import CRN_PATTERN
from schemas.examples import example_tables
from schemas.validation import Validated, screen_extract

AS_OF = dt.date(2026, 11, 25)
Rows = dict[str, list[dict[str, Any]]]
Reject = tuple[str, int, str | None, str]  # table, row number (1-based), column, reason
NOUNS = {"register_types": "register type", "contact_types": "contact type"}
REFERENCES = [
    (table, column.name, *column.references)
    for table in TABLE_NAMES
    for column in table_spec(table).columns
    if column.references is not None
]
CODE = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class Case:
    fmt: str
    faults: tuple[str, ...]  # what was done, for the printed case
    rows: Rows  # the extract as written


# --- the faults ---------------------------------------------------------------------------


def fresh_value(rows: Rows, parent: str, key: str, draw: st.DrawFn) -> Any:
    """A value of the parent's key that no row of the parent has, in the key's format."""
    taken = {row[key] for row in rows[parent]}
    if table_spec(parent).polars_schema[key] == pl.Int64:
        values: st.SearchStrategy[Any] = st.integers(-(2**63), 2**63 - 1)
    elif key == "crn":
        values = st.from_regex(CRN_PATTERN, fullmatch=True)
    else:
        size = {"provider_code": 3, "team_code": 6, "staff_code": 7}.get(key)
        values = st.text(CODE, min_size=size or 1, max_size=size or 8)
    return draw(values.filter(lambda v: v not in taken))


def orphan(rows: Rows, draw: st.DrawFn) -> str:
    table, column, parent, key = draw(st.sampled_from(REFERENCES))
    if not rows[table]:
        return "no orphan (no rows)"
    index = draw(st.integers(0, len(rows[table]) - 1))
    rows[table][index][column] = fresh_value(rows, parent, key, draw)
    return f"orphan: {table} row {index + 1} {column}={rows[table][index][column]!r}"


def duplicate(rows: Rows, draw: st.DrawFn) -> str:
    table = draw(st.sampled_from([t for t in TABLE_NAMES if rows[t]]))
    copied = dict(draw(st.sampled_from(rows[table])))
    at = draw(st.integers(0, len(rows[table])))
    rows[table].insert(at, copied)
    return f"duplicate key: {table} row {at + 1} copies a row"


def soft_deleted_parent(rows: Rows, draw: st.DrawFn) -> str:
    table = draw(st.sampled_from([t for t in TABLE_NAMES if rows[t] and not spec_of(t).reference]))
    index = draw(st.integers(0, len(rows[table]) - 1))
    rows[table][index]["soft_deleted"] = True
    return f"soft-deleted: {table} row {index + 1}"


def second_offender_manager(rows: Rows, draw: st.DrawFn) -> str:
    """Another allocation of a person, current or not, maybe hidden (deleted, or its
    staff or team deleted)."""
    crn = draw(st.sampled_from([row["crn"] for row in rows["offenders"]]))
    staff = draw(st.sampled_from(rows["staff"]))
    allocated = draw(st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    ended = draw(st.none() | st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    new_id = max([0, *(row["offender_manager_id"] for row in rows["offender_managers"])]) + 1
    rows["offender_managers"].append(
        {
            "offender_manager_id": new_id,
            "crn": crn,
            "staff_code": staff["staff_code"],
            "team_code": staff["team_code"],
            "allocation_date": allocated,
            "end_date": ended,
            "soft_deleted": draw(st.booleans()),
        }
    )
    return f"offender manager {new_id}: {crn}, {staff['staff_code']}, {allocated} to {ended}"


FAULTS = (orphan, duplicate, soft_deleted_parent, second_offender_manager)


@st.composite
def hostile_rows(draw: st.DrawFn) -> Case:
    rows = {name: frame.to_dicts() for name, frame in example_tables().items()}
    done = [draw(st.sampled_from(FAULTS))(rows, draw) for _ in range(draw(st.integers(1, 3)))]
    return Case(draw(st.sampled_from(["csv", "parquet"])), tuple(done), rows)


# --- the model: what the contract says of these rows -----------------------------------------


def spec_of(table: str) -> Any:
    return table_spec(table)


def shown(table: str, column: str, value: Any) -> str:
    return f"'{value}'" if spec_of(table).polars_schema[column] == pl.String else str(value)


def key_of(table: str, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[k] for k in spec_of(table).key)


def expected_rejects(rows: Rows) -> tuple[set[Reject], Rows]:
    """Every reject the contract calls for, and the kept rows (tables in order)."""
    rejects: set[Reject] = set()
    kept: Rows = {}
    for table in TABLE_NAMES:
        found = _duplicates(table, rows[table])
        for number, row in enumerate(rows[table], 1):
            if number not in {n for _, n, _, _ in found}:
                found |= _orphans(table, number, row, rows, kept)
        found |= _offender_managers(table, rows[table], found, kept)
        rejected = {n for _, n, _, _ in found}
        kept[table] = [r for n, r in enumerate(rows[table], 1) if n not in rejected]
        rejects |= found
    return rejects, kept


def _duplicates(table: str, rows: list[dict[str, Any]]) -> set[Reject]:
    keys = [key_of(table, row) for row in rows]
    counts = Counter(keys)
    found: set[Reject] = set()
    names = spec_of(table).key
    for number, key in enumerate(keys, 1):
        if counts[key] > 1:
            others = [str(n) for n, k in enumerate(keys, 1) if k == key and n != number]
            text = ", ".join(f"{k}={v}" for k, v in zip(names, key, strict=True))
            also = f"{'rows' if len(others) > 1 else 'row'} {', '.join(others)}"
            found.add((table, number, ", ".join(names), f"duplicate key {text} (also {also})"))
    return found


def _orphans(table: str, number: int, row: dict[str, Any], rows: Rows, kept: Rows) -> set[Reject]:
    found: set[Reject] = set()
    for child, column, parent, key in REFERENCES:
        value = row[column] if child == table else None
        if value is None or value in {r[key] for r in kept[parent]}:
            continue
        was_read = value in {r[key] for r in rows[parent]}
        said = shown(table, column, value)
        if parent in NOUNS:
            tail = f" (its row in {parent} was rejected)" if was_read else ""
            reason = f"{column} {said} is not a known {NOUNS[parent]}{tail}"
        elif was_read:
            reason = f"{column} {said} refers to a rejected row of {parent} (parent row rejected)"
        else:
            reason = f"{column} {said} refers to no row in {parent}"
        found.add((table, number, column, reason))
    return found


def _offender_managers(
    table: str, rows: list[dict[str, Any]], found: set[Reject], kept: Rows
) -> set[Reject]:
    if table != "offender_managers":
        return set()
    rejected = {n for _, n, _, _ in found}

    def current(row: dict[str, Any]) -> bool:
        ended = row["end_date"]
        return row["allocation_date"] <= AS_OF and (ended is None or ended > AS_OF)

    counted = [
        (n, row)
        for n, row in enumerate(rows, 1)
        if n not in rejected and current(row) and exists(table, row, kept)
    ]
    per_person = Counter(row["crn"] for _, row in counted)
    reason = f"more than one current offender manager at {AS_OF}"
    return {(table, n, None, reason) for n, row in counted if per_person[row["crn"]] > 1}


def exists(table: str, row: dict[str, Any], kept: Rows) -> bool:
    """What exists at D: not soft-deleted, and every parent it names exists."""
    if row.get("soft_deleted"):
        return False
    for child, column, parent, key in REFERENCES:
        if child != table or row[column] is None:
            continue
        parents = [r for r in kept[parent] if r[key] == row[column]]
        if not any(exists(parent, r, kept) for r in parents):
            return False
    return True


# --- the test ---------------------------------------------------------------------------


def written(case: Case) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="hostile-rows-"))
    tables = {
        name: pl.DataFrame(rows, schema=spec_of(name).polars_schema, orient="row")
        for name, rows in case.rows.items()
    }
    write_extract(tables, folder, case.fmt)  # type: ignore[arg-type]
    return folder


def rejects_of(validated: Validated) -> set[Reject]:
    frame = validated.rejects.select("table", "row_number", "column", "reason")
    return set(frame.iter_rows())


def visible_keys(validated: Validated) -> dict[str, set[tuple[Any, ...]]]:
    visible = visible_tables(validated.tables, lambda frames: frames, validated=True)
    return {
        name: {key_of(name, row) for row in frame.collect().to_dicts()}
        for name, frame in visible.items()
    }


@given(hostile_rows())
def test_orphans_duplicates_and_deleted_parents_are_rejected_or_hidden_exactly(case: Case) -> None:
    folder = written(case)
    try:
        validated = screen_extract(load_extract(folder), AS_OF)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rejects, kept = expected_rejects(case.rows)

    assert rejects_of(validated) == rejects, case.faults
    for name in TABLE_NAMES:
        count = validated.count(name)
        assert (count.read, count.kept) == (len(case.rows[name]), len(kept[name])), name
        assert count.read == count.kept + count.rejected
    expected_visible = {
        name: {key_of(name, row) for row in kept[name] if exists(name, row, kept)}
        for name in TABLE_NAMES
    }
    assert visible_keys(validated) == expected_visible, case.faults


def test_the_model_agrees_with_a_hand_counted_case() -> None:
    """The model above, checked by hand once: team N07T01 deleted hides its staff and
    the offender managers naming them, and rejects nothing; a copied event is two
    rejects and its children name a rejected parent."""
    rows = {name: frame.to_dicts() for name, frame in example_tables().items()}
    rows["teams"][0]["soft_deleted"] = True
    rows["events"].append(dict(rows["events"][0]))
    rejects, kept = expected_rejects(rows)

    parent_rejected = "event_id 1 refers to a rejected row of events (parent row rejected)"
    assert rejects == {
        ("events", 1, "event_id", "duplicate key event_id=1 (also row 4)"),
        ("events", 4, "event_id", "duplicate key event_id=1 (also row 1)"),
        ("case_allocations", 1, "event_id", parent_rejected),
        ("assessments", 1, "event_id", parent_rejected),
        ("contacts", 1, "event_id", parent_rejected),
    }
    assert not any(exists("staff", row, kept) for row in kept["staff"])
    assert not any(exists("offender_managers", row, kept) for row in kept["offender_managers"])
