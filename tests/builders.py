"""Tiny inline extracts for tests: give only the columns a test is about.

``tables(offenders=[{"crn": "X000001"}], events=[{...}])`` returns every contract table
as a LazyFrame with the contract's dtypes; omitted columns take the defaults below
(keys count up from 1), omitted tables are empty, reference tables default to the
bundled ones. ``context(as_of, **rows)`` builds the CheckContext directly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl

from checks.context import CheckContext
from schemas import TABLE_NAMES, table_spec
from schemas.codes import BUNDLED_REFERENCE_TABLES

CRN = "X000001"
OLD = dt.date(2020, 1, 6)

DEFAULTS: dict[str, dict[str, Any]] = {
    "providers": {"provider_code": "N07", "provider_name": "NPS London", "provider_type": "NPS"},
    "teams": {
        "team_code": "N07T01",
        "team_name": "Team 1",
        "provider_code": "N07",
        "spo_staff_code": "N07S001",
    },
    "staff": {
        "staff_code": "N07A001",
        "forename": "Ann",
        "surname": "Officer",
        "grade_code": "PSM",
        "team_code": "N07T01",
    },
    "offenders": {
        "crn": CRN,
        "forename": "Sam",
        "surname": "Person",
        "date_of_birth": dt.date(1990, 1, 1),
    },
    "offender_managers": {
        "crn": CRN,
        "staff_code": "N07A001",
        "team_code": "N07T01",
        "allocation_date": OLD,
    },
    "events": {
        "crn": CRN,
        "event_number": 1,
        "sentence_date": OLD,
        "disposal_type_code": "CO",
        "offence_category": "ACQUISITIVE",
        "domestic_abuse": False,
        "active": True,
    },
    "case_allocations": {"event_id": 1, "crn": CRN},
    "registrations": {
        "crn": CRN,
        "register_type_code": "AV2S",
        "registration_date": OLD,
        "deregistered": False,
    },
    "registration_reviews": {"registration_id": 1, "completed": True},
    "assessments": {
        "crn": CRN,
        "assessment_type": "LAYER3",
        "status": "COMPLETE",
        "assessment_date": OLD,
        "rosh_screening_done": True,
        "full_rosh_analysis_done": True,
    },
    "contacts": {
        "crn": CRN,
        "contact_type_code": "COAP",
        "contact_date": OLD,
        "created_datetime": dt.datetime(2020, 1, 6, 9, 0),
    },
    "documents": {
        "crn": CRN,
        "document_type": "OTHER",
        "document_name": "doc",
        "created_datetime": dt.datetime(2020, 1, 6, 9, 0),
    },
    "register_types": {},
    "contact_types": {},
}


def _complete(name: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    spec = table_spec(name)
    key = spec.key[0]
    filled = []
    for number, row in enumerate(rows, start=1):
        values: dict[str, Any] = {c.name: None for c in spec.columns}
        values.update(soft_deleted=False, **DEFAULTS[name])
        if key not in DEFAULTS[name]:
            values[key] = number
        values.update(row)
        if values.get("rsr_score") is not None:
            values["rsr_score"] = Decimal(str(values["rsr_score"]))
        filled.append(values)
    return pl.DataFrame(filled, schema=spec.polars_schema, orient="row")


def tables(**rows: list[dict[str, Any]]) -> dict[str, pl.LazyFrame]:
    """Every contract table, typed, from a few rows per table."""
    unknown = set(rows) - set(TABLE_NAMES)
    if unknown:
        raise ValueError(f"unknown tables {unknown}")
    result = {}
    for name in TABLE_NAMES:
        if name in BUNDLED_REFERENCE_TABLES and name not in rows:
            result[name] = BUNDLED_REFERENCE_TABLES[name]().lazy()
            continue
        default_org: dict[str, list[dict[str, Any]]] = {
            "providers": [{}],
            "teams": [{}],
            "staff": [{}],
        }
        table_rows = rows.get(name, default_org.get(name, []))
        result[name] = _complete(name, table_rows).lazy()
    return result


def context(as_of: dt.date, **rows: list[dict[str, Any]]) -> CheckContext:
    return CheckContext.build(tables(**rows), as_of)


def collect(frame: pl.LazyFrame) -> list[dict[str, Any]]:
    """A check's findings as a list of dicts, sorted by (crn, subject)."""
    return frame.sort("crn", "subject").collect().to_dicts()
