"""A tiny extract that follows the contract: the contract by example.

Tests start from it and break one value at a time; demos and benchmarks can grow it.
Every row is valid at AS_OF, and every reference points at a row that exists.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl

from schemas import TABLE_NAMES, table_spec
from schemas.codes import BUNDLED_REFERENCE_TABLES

AS_OF = dt.date(2026, 11, 25)
D = dt.date
T = dt.datetime

_ROWS: dict[str, list[dict[str, Any]]] = {
    "providers": [{"provider_code": "N07", "provider_name": "London", "provider_type": "NPS"}],
    "teams": [
        {"team_code": "N07T01", "team_name": "Camden", "provider_code": "N07"},
        {"team_code": "N07T02", "team_name": "Hackney", "provider_code": "N07"},
    ],
    "staff": [
        {"staff_code": "N07A001", "forename": "Ann", "surname": "Lee", "team_code": "N07T01"},
        {
            "staff_code": "N07S001",
            "forename": "Sam",
            "surname": "Roe",
            "grade_code": "PSC",
            "email": "sam.roe@example.org",
            "team_code": "N07T01",
        },
        {
            "staff_code": "N07T01U",
            "forename": "Unallocated",
            "surname": "Staff",
            "team_code": "N07T01",
        },
    ],
    "offenders": [
        {
            "crn": f"X00000{i}",
            "forename": f"F{i}",
            "surname": f"S{i}",
            "date_of_birth": D(1990, 1, i),
            "gender": "M",
            "deportation_eligible": False,
        }
        for i in (1, 2, 3)
    ],
    "offender_managers": [
        {
            "offender_manager_id": i,
            "crn": f"X00000{i}",
            "staff_code": "N07A001",
            "team_code": "N07T01",
            "allocation_date": D(2026, 1, i),
        }
        for i in (1, 2, 3)
    ],
    "events": [
        {
            "event_id": i,
            "crn": f"X00000{i}",
            "event_number": 1,
            "sentence_date": D(2026, 1, i),
            "court_name": "Camden MC",
            "disposal_type_code": "CO",
            "length_months": 12,
            "offence_category": "VIOLENCE",
            "domestic_abuse": i == 2,
            "court_report_type": "CJF",
            "active": True,
        }
        for i in (1, 2, 3)
    ],
    "case_allocations": [
        {
            "case_allocation_id": i,
            "event_id": i,
            "crn": f"X00000{i}",
            "rsr_score": Decimal("3.25") * i,
            "rsr_assessor_date": D(2026, 1, i),
            "allocation_decision": "NPS",
            "decision_date": D(2026, 1, i),
        }
        for i in (1, 2, 3)
    ],
    "registrations": [
        {
            "registration_id": 1,
            "crn": "X000001",
            "register_type_code": "RHRH",
            "registration_date": D(2026, 2, 1),
            "next_review_date": D(2026, 8, 1),
            "deregistered": False,
        },
        {
            "registration_id": 2,
            "crn": "X000002",
            "register_type_code": "MAPP",
            "register_level_code": "M2",
            "register_category_code": "M1",
            "registration_date": D(2026, 2, 2),
            "deregistered": True,
            "deregistration_date": D(2026, 5, 1),
        },
    ],
    "registration_reviews": [
        {
            "review_id": 1,
            "registration_id": 1,
            "review_date": D(2026, 8, 1),
            "review_date_due": D(2026, 8, 1),
            "completed": True,
        },
    ],
    "assessments": [
        {
            "assessment_id": i,
            "crn": f"X00000{i}",
            "event_id": i,
            "assessment_type": "LAYER3",
            "status": "COMPLETE",
            "assessment_date": D(2026, 2, i),
            "rosh_screening_done": True,
            "full_rosh_analysis_done": False,
            "rosh_level": "M",
        }
        for i in (1, 2, 3)
    ],
    "contacts": [
        {
            "contact_id": i,
            "crn": f"X00000{i}",
            "event_id": i,
            "contact_type_code": code,
            "contact_date": D(2026, 3, i),
            "outcome_code": "ATTC",
            "staff_code": "N07A001",
            "created_datetime": T(2026, 3, i, 9, 30, 0, 250000 * i),
        }
        for i, code in ((1, "COAI"), (2, "COHV"), (3, "C369"))
    ],
    "documents": [
        {
            "document_id": 1,
            "crn": "X000001",
            "event_id": None,
            "document_type": "CPS_PACK",
            "document_name": "cps.pdf",
            "created_datetime": T(2026, 1, 2, 10, 0),
        },
    ],
}


def example_table(name: str, rows: list[dict[str, Any]] | None = None) -> pl.DataFrame:
    """Rows of one table in the contract's types; columns a row leaves out are null
    (``soft_deleted``: false)."""
    if rows is None and name in BUNDLED_REFERENCE_TABLES:
        return BUNDLED_REFERENCE_TABLES[name]()
    schema = table_spec(name).polars_schema
    defaults: dict[str, Any] = dict.fromkeys(schema)
    if "soft_deleted" in schema:
        defaults["soft_deleted"] = False
    full = [defaults | row for row in (_ROWS[name] if rows is None else rows)]
    return pl.DataFrame(full, schema=schema, orient="row")


def example_tables() -> dict[str, pl.DataFrame]:
    """The whole example extract, reference tables included."""
    return {name: example_table(name) for name in TABLE_NAMES}


def example_rows(name: str) -> list[dict[str, Any]]:
    """The example rows of a table, as dicts (copies: change them freely)."""
    return [dict(row) for row in _ROWS[name]]
