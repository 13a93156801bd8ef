"""Audits built from a few rows, to drive the pipeline without an extract.

``fake_audit(as_of, found=[finding(...)], examined={"rsr_missing": [("X1", "")]})``
returns an auditor.audit.Audit whose check run found those exceptions and examined
those records (plus the found ones); every check named is "ok" unless ``outcomes`` says
otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from auditor.audit import Audit
from checks.base import EXCEPTION_SCHEMA
from checks.runner import CheckOutcome

CHECK = "rsr_missing"
TABLES = pl.DataFrame(
    {"table": ["offenders"], "rows_read": [3], "rows_kept": [2], "rows_rejected": [1]}
)
REJECTS = pl.DataFrame(
    [("offenders", 3, "X9", "crn", "not a CRN")],
    schema=["table", "row_number", "key", "column", "reason"],
    orient="row",
)
MEASURES = pl.DataFrame(
    [
        (
            "rsr",
            "RSR score recorded",
            "national",
            None,
            None,
            None,
            1,
            2,
            50.0,
            "about 50 %",
            "2.28",
            dt.date(2025, 11, 9),
            dt.date(2025, 12, 6),
        )
    ],  # fmt: skip
    schema={
        "measure": pl.String,
        "title": pl.String,
        "level": pl.String,
        "provider_code": pl.String,
        "team_code": pl.String,
        "provider_type": pl.String,
        "met": pl.Int64,
        "eligible": pl.Int64,
        "percent": pl.Float64,
        "inspection_figure": pl.String,
        "inspection_paragraph": pl.String,
        "window_from": pl.Date,
        "window_to": pl.Date,
    },  # fmt: skip
    orient="row",
)


def finding(crn: str = "X000001", subject: str = "", check: str = CHECK, **details: Any) -> dict:
    row = {
        "check": check,
        "crn": crn,
        "subject": subject,
        "severity": "high",
        "reason": f"{check} for {crn}",
        "due_date": None,
        "staff_code": "N07A001",
        "team_code": "N07T01",
        "spo_staff_code": "N07S001",
    }
    return row | details


@dataclass(frozen=True)
class FakeCheckRun:
    """What the pipeline reads of checks.runner.CheckRun."""

    as_of: dt.date
    exceptions: pl.DataFrame
    outcomes: dict[str, CheckOutcome]
    scopes: dict[str, pl.DataFrame] = field(repr=False)
    context: None = None  # no audited tables: an email notifier reads the extract instead

    def scope(self, name: str) -> pl.LazyFrame:
        return self.scopes[name].lazy()


def fake_audit(
    as_of: dt.date,
    found: Sequence[Mapping[str, Any]] = (),
    examined: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    outcomes: Mapping[str, str] | None = None,
) -> Audit:
    exceptions = pl.DataFrame(list(found), schema=EXCEPTION_SCHEMA, orient="row")
    records: dict[str, set[tuple[str, str]]] = {CHECK: set()}
    for row in found:
        records.setdefault(row["check"], set()).add((row["crn"], row["subject"]))
    for name, extra in (examined or {}).items():
        records.setdefault(name, set()).update(extra)
    statuses = {name: "ok" for name in records} | dict(outcomes or {})
    counts = exceptions.group_by("check").len()
    found_by_check = dict(zip(counts["check"], counts["len"], strict=True))
    check_run = FakeCheckRun(
        as_of,
        exceptions.sort("check", "crn", "subject"),
        {n: CheckOutcome(n, s, found_by_check.get(n, 0)) for n, s in statuses.items()},  # type: ignore[arg-type]
        {
            n: pl.DataFrame(sorted(r), schema=["crn", "subject"], orient="row")
            for n, r in records.items()
        },
    )
    return Audit(as_of, "tests/extract", TABLES, REJECTS, check_run, MEASURES)  # type: ignore[arg-type]
