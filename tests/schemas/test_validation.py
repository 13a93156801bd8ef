"""Row-level faults: each bad row is rejected with its reason, every other row is kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from auditor.errors import ExtractError, TooManyRejects
from auditor.sources import Extract
from schemas import TABLE_NAMES
from schemas.examples import AS_OF, example_rows, example_table, example_tables
from schemas.validation import Validated, screen_extract, validate_extract


def extract_of(tables: dict[str, pl.DataFrame]) -> Extract:
    return Extract(
        tables={n: f.lazy() for n, f in tables.items()},
        sources={n: f"{n}.parquet" for n in tables},
        origin="test",
    )


def with_rows(table: str, *rows: dict[str, Any], changes: dict[int, dict[str, Any]] | None = None):
    """The example extract with ``rows`` added to ``table`` and some of its rows changed."""
    tables = example_tables()
    base = example_rows(table) if table in _ROW_TABLES else tables[table].to_dicts()
    for index, change in (changes or {}).items():
        base[index] |= change
    tables[table] = example_table(table, [*base, *rows])
    return tables


_ROW_TABLES = {n for n in TABLE_NAMES if n not in ("register_types", "contact_types")}


def screened(tables: dict[str, pl.DataFrame], as_of: dt.date = AS_OF) -> Validated:
    validated = screen_extract(extract_of(tables), as_of)
    for count in validated.table_counts():
        assert count.read == count.kept + count.rejected
        assert validated.tables[count.table].collect().height == count.kept
    return validated


def rejects_of(validated: Validated) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in validated.rejects.iter_rows()]


ROW_FAULTS = [
    pytest.param(
        "offenders",
        {"crn": "X12", "forename": "A", "surname": "B", "date_of_birth": dt.date(1990, 1, 1)},
        [("offenders", 4, "crn=X12", "crn", "crn 'X12' is not one letter then six digits")],
        id="malformed-crn",
    ),
    pytest.param(
        "events",
        {"event_id": 9, "crn": "X000001", "event_number": 2, "sentence_date": AS_OF,
         "disposal_type_code": "ZZ", "offence_category": "OTHER", "domestic_abuse": False,
         "active": True},
        [("events", 4, "event_id=9", "disposal_type_code",
          "disposal_type_code 'ZZ' is not one of CO, SSO, SC, LIC")],
        id="unknown-code",
    ),
    pytest.param(
        "registrations",
        {"registration_id": 9, "crn": "X000001", "register_type_code": "ZZZZ",
         "registration_date": AS_OF, "deregistered": False},
        [("registrations", 3, "registration_id=9", "register_type_code",
          "register_type_code 'ZZZZ' is not a known register type")],
        id="unknown-register-type",
    ),
    pytest.param(
        "contacts",
        {"contact_id": 9, "crn": "X000001", "event_id": 7, "contact_type_code": "COAI",
         "contact_date": AS_OF, "created_datetime": dt.datetime(2026, 1, 1)},
        [("contacts", 4, "contact_id=9", "event_id", "event_id 7 refers to no row in events")],
        id="orphan-reference",
    ),
    pytest.param(
        "contacts",
        {"contact_id": 9, "crn": "X000001", "contact_type_code": "NOPE",
         "contact_date": AS_OF, "created_datetime": dt.datetime(2026, 1, 1)},
        [("contacts", 4, "contact_id=9", "contact_type_code",
          "contact_type_code 'NOPE' is not a known contact type")],
        id="unknown-contact-type",
    ),
    pytest.param(
        "documents",
        {"document_id": 1, "crn": "X000002", "document_type": "OTHER", "document_name": "b",
         "created_datetime": dt.datetime(2026, 1, 1)},
        [
            ("documents", 1, "document_id=1", "document_id",
             "duplicate key document_id=1 (also row 2)"),
            ("documents", 2, "document_id=1", "document_id",
             "duplicate key document_id=1 (also row 1)"),
        ],
        id="duplicate-key",
    ),
    pytest.param(
        "staff",
        {"staff_code": "N07A009", "forename": None, "surname": "Roe", "team_code": "N07T01"},
        [("staff", 4, "staff_code=N07A009", "forename",
          "forename is empty but the contract requires a value")],
        id="null-in-required-column",
    ),
    pytest.param(
        "case_allocations",
        {"case_allocation_id": 9, "event_id": 1, "crn": "X000001", "rsr_score": Decimal("150")},
        [("case_allocations", 4, "case_allocation_id=9", "rsr_score",
          "rsr_score 150.00 is more than 100")],
        id="out-of-range",
    ),
    pytest.param(
        "offender_managers",
        {"offender_manager_id": 9, "crn": "X000001", "staff_code": "N07A001",
         "team_code": "N07T02", "allocation_date": dt.date(2026, 6, 1)},
        [
            ("offender_managers", 1, "offender_manager_id=1", None,
             "more than one current offender manager at 2026-11-25"),
            ("offender_managers", 4, "offender_manager_id=9", None,
             "more than one current offender manager at 2026-11-25"),
        ],
        id="two-current-offender-managers",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("table", "row", "expected"), ROW_FAULTS)
def test_a_bad_row_is_rejected_with_its_reason_and_every_other_row_is_kept(
    table: str, row: dict[str, Any], expected: list[tuple[Any, ...]]
) -> None:
    validated = screened(with_rows(table, row))

    assert rejects_of(validated) == expected
    original = example_tables()
    for count in validated.table_counts():
        name = count.table
        bad = len(expected) if name == table else 0
        assert (count.read, count.rejected) == (original[name].height + (name == table), bad)


def test_a_child_of_a_rejected_parent_is_rejected_too() -> None:
    validated = screened(with_rows("offenders", changes={2: {"forename": None}}))

    by_table = validated.rejects.group_by("table").len().sort("table").rows()
    assert by_table == [
        ("assessments", 2),  # crn and event_id
        ("case_allocations", 2),
        ("contacts", 2),
        ("events", 1),
        ("offender_managers", 1),
        ("offenders", 1),
    ]
    event = validated.rejects.filter(pl.col("table") == "events").row(0, named=True)
    assert (
        event["reason"]
        == "crn 'X000003' refers to a rejected row of offenders (parent row rejected)"
    )
    assert validated.count("contacts").kept == 2


def test_soft_deleted_rows_are_kept() -> None:
    validated = screened(with_rows("events", changes={0: {"soft_deleted": True}}))

    assert validated.rejects.is_empty()
    assert validated.tables["events"].collect()["soft_deleted"].to_list() == [True, False, False]


def test_an_empty_nullable_reference_is_fine() -> None:
    validated = screened(with_rows("contacts", changes={0: {"event_id": None}}))

    assert validated.rejects.is_empty()


@pytest.mark.parametrize(
    ("allocation_date", "end_date", "rejected"),
    [
        (AS_OF, None, 2),  # allocated on the as-of date: current
        (AS_OF + dt.timedelta(days=1), None, 0),  # allocated the day after: not yet current
        (dt.date(2026, 6, 1), AS_OF, 0),  # ended on the as-of date: no longer current
        (dt.date(2026, 6, 1), AS_OF + dt.timedelta(days=1), 2),  # ends the day after: current
    ],
)
def test_current_offender_manager_boundaries(
    allocation_date: dt.date, end_date: dt.date | None, rejected: int
) -> None:
    second = {"offender_manager_id": 9, "crn": "X000001", "staff_code": "N07A001",
              "team_code": "N07T02", "allocation_date": allocation_date,
              "end_date": end_date}  # fmt: skip

    validated = screened(with_rows("offender_managers", second))

    assert validated.count("offender_managers").rejected == rejected


def test_a_soft_deleted_offender_manager_is_not_current() -> None:
    second = {"offender_manager_id": 9, "crn": "X000001", "staff_code": "N07A001",
              "team_code": "N07T02", "allocation_date": AS_OF, "soft_deleted": True}  # fmt: skip

    assert screened(with_rows("offender_managers", second)).rejects.is_empty()


def test_a_row_with_several_faults_lists_each_and_counts_once() -> None:
    bad = {"event_id": 9, "crn": "X12", "event_number": 0, "sentence_date": AS_OF,
           "disposal_type_code": "CO", "offence_category": "OTHER", "domestic_abuse": False,
           "active": True}  # fmt: skip

    validated = screened(with_rows("events", bad))

    assert sorted(validated.rejects["column"]) == ["crn", "event_number"]
    assert validated.count("events").rejected == 1
    assert validated.top_problems("events") == [
        ("crn is not one letter then six digits", 1),
        ("event_number is less than 1", 1),
    ]


CHILDLESS = {"crn": "X000004", "forename": "A", "surname": "B", "date_of_birth": AS_OF}


def test_too_many_rejects_stops_the_run_naming_table_share_threshold_and_reasons() -> None:
    tables = with_rows("offenders", CHILDLESS | {"gender": "Q"})

    with pytest.raises(TooManyRejects) as stop:
        validate_extract(extract_of(tables), AS_OF, max_reject_share=0.05)

    message = str(stop.value)
    assert "table offenders: 25.0% of rows rejected (1 of 4), over the limit of 5.0%" in message
    assert "gender is not one of M, F, N, U (1 rows)" in message
    assert "max_reject_share in the source section of config.toml" in message


def test_a_share_at_the_limit_is_allowed() -> None:
    tables = with_rows("offenders", CHILDLESS | {"gender": "Q"})

    validated = validate_extract(extract_of(tables), AS_OF, max_reject_share=0.25)

    assert validated.count("offenders").rejected == 1


def test_a_clean_extract_keeps_every_row() -> None:
    validated = validate_extract(extract_of(example_tables()), AS_OF)

    assert validated.rejects.is_empty()
    assert validated.counts.columns == ["table", "rows_read", "rows_kept", "rows_rejected"]
    assert validated.counts["table"].to_list() == list(TABLE_NAMES)
    assert validated.counts["rows_rejected"].sum() == 0
    assert validated.counts["rows_read"].to_list() == [f.height for f in example_tables().values()]


def test_given_reference_tables_replace_the_bundled_ones() -> None:
    own = example_table("register_types").filter(pl.col("register_type_code") != "MAPP")
    tables = example_tables() | {"register_types": own}

    validated = screened(tables)

    assert rejects_of(validated) == [
        ("registrations", 2, "registration_id=2", "register_type_code",
         "register_type_code 'MAPP' is not a known register type"),
    ]  # fmt: skip


def test_composite_key_of_contact_types() -> None:
    types = example_table("contact_types")
    tables = example_tables() | {"contact_types": pl.concat([types, types.slice(3, 1)])}

    validated = screened(tables)

    reasons = validated.rejects["reason"].to_list()
    assert reasons == [
        "duplicate key contact_type_code=COHV, category=FIRST_APPOINTMENT (also row 20)",
        "duplicate key contact_type_code=COHV, category=FIRST_APPOINTMENT (also row 4)",
    ]
    assert validated.count("contacts").rejected == 0  # COHV is still kept as HOME_VISIT


def test_a_frame_of_the_wrong_type_stops_the_run() -> None:
    tables = example_tables()
    tables["events"] = tables["events"].with_columns(pl.col("event_number").cast(pl.Int32))

    with pytest.raises(ExtractError, match="table events .*column event_number"):
        screened(tables)


HIDDEN_STAFF = {"staff_code": "N07A009", "forename": "Al", "surname": "Gone", "team_code": "N07T03"}
HIDDEN_TEAM = {"team_code": "N07T03", "team_name": "Islington", "provider_code": "N07"}
HIDDEN_PROVIDER = {"provider_code": "N08", "provider_name": "Kent", "provider_type": "NPS"}


def _second_manager_of_x000001(**parents: list[dict[str, Any]]) -> dict[str, pl.DataFrame]:
    """The example extract with a second current offender manager row for X000001, naming
    staff N07A009 of team N07T03, and ``parents`` added to providers, teams and staff."""
    tables = example_tables()
    for table, rows in parents.items():
        tables[table] = example_table(table, [*example_rows(table), *rows])
    second = {"offender_manager_id": 9, "crn": "X000001", "staff_code": "N07A009",
              "team_code": "N07T03", "allocation_date": dt.date(2026, 6, 1)}  # fmt: skip
    rows = [*example_rows("offender_managers"), second]
    tables["offender_managers"] = example_table("offender_managers", rows)
    return tables


@pytest.mark.parametrize(
    ("parents", "rejected"),
    [
        ({"teams": [HIDDEN_TEAM], "staff": [HIDDEN_STAFF]}, 2),  # both rows exist: both rejects
        ({"teams": [HIDDEN_TEAM], "staff": [HIDDEN_STAFF | {"soft_deleted": True}]}, 0),
        ({"teams": [HIDDEN_TEAM | {"soft_deleted": True}], "staff": [HIDDEN_STAFF]}, 0),
        (
            {
                "providers": [HIDDEN_PROVIDER | {"soft_deleted": True}],
                "teams": [HIDDEN_TEAM | {"provider_code": "N08"}],
                "staff": [HIDDEN_STAFF],
            },
            0,
        ),
    ],
    ids=["visible", "staff-deleted", "team-deleted", "provider-deleted"],
)
def test_an_offender_manager_row_hidden_by_the_cascade_is_not_current(
    parents: dict[str, list[dict[str, Any]]], rejected: int
) -> None:
    """CHECKS.md: a deleted provider hides its teams, their staff and the offender manager
    rows naming those staff; only the rows that exist at D can be two current rows."""
    validated = screened(_second_manager_of_x000001(**parents))

    assert validated.count("offender_managers").rejected == rejected


def test_an_offender_manager_row_rejected_for_its_own_fault_is_not_a_second_current_row() -> None:
    """A rejected row is set aside and the run goes on without it (DATA-CONTRACT.md, Bad
    input): the person's other current row is their offender manager."""
    validated = screened(_second_manager_of_x000001())  # staff N07A009 is in no row

    assert rejects_of(validated) == [
        ("offender_managers", 4, "offender_manager_id=9", "staff_code",
         "staff_code 'N07A009' refers to no row in staff"),
        ("offender_managers", 4, "offender_manager_id=9", "team_code",
         "team_code 'N07T03' refers to no row in teams"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("table", "column", "value", "kept"),
    [
        ("providers", "provider_code", "N08", True),
        ("providers", "provider_code", "n-8", True),  # 3 characters, whatever they are
        ("providers", "provider_code", "N8", False),
        ("providers", "provider_code", "N008", False),
        ("teams", "team_code", "N07T09", True),
        ("teams", "team_code", "n07-t9", True),
        ("teams", "team_code", "N07T9", False),
        ("teams", "team_code", "N07T009", False),
        ("staff", "staff_code", "N07A009", True),
        ("staff", "staff_code", "N07-a09", True),
        ("staff", "staff_code", "N07A09", False),
        ("staff", "staff_code", "N07A0009", False),
    ],
)
def test_codes_of_the_contract_are_so_many_characters(
    table: str, column: str, value: str, kept: bool
) -> None:
    """DATA-CONTRACT.md: provider_code is 3 characters, team_code 6, staff_code 7."""
    row = example_rows(table)[0] | {column: value}

    validated = screened(with_rows(table, row))

    assert validated.count(table).rejected == (0 if kept else 1)
    if not kept:
        length = {"providers": 3, "teams": 6, "staff": 7}[table]
        assert validated.rejects["reason"].to_list() == [
            f"{column} '{value}' is not {length} characters"
        ]
