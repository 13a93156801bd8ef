"""The generated extract follows the contract and looks like a probation caseload."""

from __future__ import annotations

import polars as pl
import pytest

from auditor.synthetic import Synthetic
from auditor.synthetic.faults.rates import FAULT_RATES
from schemas import TABLE_NAMES, table_spec
from schemas.codes import CRN_PATTERN

from .conftest import AS_OF


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_every_table_has_exactly_the_contract_columns_and_dtypes(
    faulty: Synthetic, name: str
) -> None:
    assert faulty.tables[name].schema == pl.Schema(table_spec(name).polars_schema)


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_keys_are_unique(faulty: Synthetic, name: str) -> None:
    key = list(table_spec(name).key)
    assert faulty.tables[name].select(key).is_duplicated().sum() == 0


def test_crns_are_unique_and_well_formed(faulty: Synthetic) -> None:
    crn = faulty.tables["offenders"]["crn"]
    assert crn.n_unique() == len(crn) == 2000
    assert crn.str.contains(CRN_PATTERN).all()


@pytest.mark.parametrize(
    ("name", "column", "parent", "key"),
    [
        (name, c.name, *c.references)
        for name in TABLE_NAMES
        for c in table_spec(name).columns
        if c.references is not None
    ],
)
def test_every_reference_resolves(
    faulty: Synthetic, name: str, column: str, parent: str, key: str
) -> None:
    values = faulty.tables[name][column].drop_nulls()
    assert values.is_in(faulty.tables[parent][key].implode()).all()


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [
        ("events", 1.4, 1.9),
        ("registrations", 2.3, 3.6),
        ("contacts", 32, 52),
        ("documents", 2.5, 4.5),
        ("assessments", 1.8, 3.2),
    ],
)
def test_volumes_per_person_are_roughly_as_specified(
    faulty: Synthetic, name: str, low: float, high: float
) -> None:
    assert low <= faulty.tables[name].height / 2000 <= high


def test_teams_have_an_spo_officers_and_one_unallocated_placeholder(faulty: Synthetic) -> None:
    staff = faulty.tables["staff"].filter(~pl.col("soft_deleted"))
    per_team = staff.group_by("team_code").agg(
        placeholders=pl.col("staff_code").str.ends_with("U").sum(),
        officers=pl.col("grade_code").is_in(["PSQ", "PSP", "PSM"]).sum(),
    )
    assert (per_team["placeholders"] == 1).all()
    assert per_team["officers"].min() >= 8  # type: ignore[operator]
    spo = faulty.tables["teams"].join(staff, left_on="spo_staff_code", right_on="staff_code")
    assert (spo["grade_code"] == "PSC").all()
    assert staff["end_date"].is_not_null().any() and staff["email"].is_null().any()


def test_providers_are_nps_divisions_and_crcs(faulty: Synthetic) -> None:
    providers = faulty.tables["providers"]
    assert (
        providers.filter(pl.col("provider_code") == "N07")["provider_name"].item() == "NPS London"
    )
    assert providers.filter(pl.col("provider_type") == "CRC").height == 21


def test_records_after_the_as_of_date_and_soft_deleted_rows_exist(faulty: Synthetic) -> None:
    tables = faulty.tables
    assert (tables["events"]["sentence_date"] > AS_OF).any()
    assert (tables["contacts"]["created_datetime"].dt.date() > AS_OF).any()
    assert (tables["registrations"]["registration_date"] > AS_OF).any()
    for name in (
        "offenders",
        "events",
        "registrations",
        "contacts",
        "documents",
        "offender_managers",
    ):
        assert tables[name]["soft_deleted"].any(), name


def test_a_clean_extract_has_an_empty_ground_truth(clean: Synthetic) -> None:
    assert clean.ground_truth.height == 0


def test_every_fault_kind_is_present_at_the_default_rates(faulty: Synthetic) -> None:
    assert set(faulty.ground_truth["check"]) == {row.check for row in FAULT_RATES}


def test_ground_truth_subjects_name_the_right_records(faulty: Synthetic) -> None:
    truth = faulty.ground_truth
    person = [
        "rosh_flag_missing",
        "mappa_flag_missing",
        "child_protection_flag_missing",
        "management_oversight_overdue",
    ]
    assert (truth.filter(pl.col("check").is_in(person))["subject"] == "").all()
    flags = truth.filter(pl.col("check").str.contains("flag_") & ~pl.col("check").is_in(person))
    assert (
        flags["subject"]
        .cast(pl.Int64)
        .is_in(faulty.tables["registrations"]["registration_id"].implode())
        .all()
    )
    requests = truth.filter(pl.col("check") == "safeguarding_response_overdue")
    assert (
        requests["subject"]
        .cast(pl.Int64)
        .is_in(faulty.tables["contacts"]["contact_id"].implode())
        .all()
    )
    assert truth.select("check", "crn", "subject").is_duplicated().sum() == 0
