"""From work frames to the contract's tables: CRNs for person indexes, dates for day
numbers, staff on the records, exactly the columns and dtypes of ``table_spec``, rows in
key order."""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.caseload import Caseload
from auditor.synthetic.dates import DAY_US
from auditor.synthetic.documents import LABELS
from auditor.synthetic.facts import NO_DAY
from schemas import TABLE_NAMES, table_spec
from schemas.codes import bundled_contact_types, bundled_register_types


def day(column: str) -> pl.Expr:
    """A work day-number column as a contract date (null for NO_DAY)."""
    return pl.when(pl.col(column) != NO_DAY).then(pl.col(column)).cast(pl.Int32).cast(pl.Date)


def moment(day_column: str, seconds_column: str) -> pl.Expr:
    micros = (
        pl.col(day_column).cast(pl.Int64) * DAY_US
        + pl.col(seconds_column).cast(pl.Int64) * 1_000_000
    )
    return micros.cast(pl.Datetime("us"))


def contract_tables(caseload: Caseload) -> dict[str, pl.DataFrame]:
    crn = caseload.facts.select("pid", "crn")
    home = _home_staff(caseload)
    tables = {
        "providers": caseload.organisation.providers,
        "teams": caseload.organisation.teams,
        "staff": caseload.organisation.staff,
        "offenders": caseload.facts,
        "register_types": bundled_register_types(),
        "contact_types": bundled_contact_types(),
        "offender_managers": _offender_managers(caseload),
        "events": caseload.events.with_columns(sentence_date=day("s")),
        "case_allocations": _case_allocations(caseload),
        "registrations": _registrations(caseload, home),
        "registration_reviews": _reviews(caseload, home),
        "assessments": caseload.assessments.with_columns(assessment_date=day("on")),
        "contacts": _contacts(caseload, home),
        "documents": _documents(caseload),
    }
    return {name: conform(name, _with_crn(tables[name], crn)) for name in TABLE_NAMES}


def conform(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Exactly the contract's columns and dtypes, sorted by the table's key."""
    spec = table_spec(name)
    columns = [pl.col(c.name).cast(c.dtype) for c in spec.columns]
    return frame.select(columns).sort(list(spec.key), maintain_order=True)


def _with_crn(frame: pl.DataFrame, crn: pl.DataFrame) -> pl.DataFrame:
    if "pid" not in frame.columns or "crn" in frame.columns:
        return frame
    return frame.join(crn, on="pid", how="left", maintain_order="left")


def _home_staff(caseload: Caseload) -> pl.DataFrame:
    """Per person, the officer and team who hold (or last held) the case at D."""
    rows = caseload.offender_managers.filter(~pl.col("soft_deleted"))
    started = rows.with_columns(
        rank=pl.when(pl.col("start") <= caseload.world.d)
        .then(pl.col("start"))
        .otherwise(-pl.col("start"))
    )
    home = (
        started.sort("pid", "rank", "offender_manager_id", maintain_order=True)
        .group_by("pid", maintain_order=True)
        .last()
    )
    spo = caseload.organisation.teams.select("team_code", "spo_staff_code")
    return home.select("pid", "staff_code", "team_code").join(
        spo, on="team_code", how="left", maintain_order="left"
    )


def _offender_managers(caseload: Caseload) -> pl.DataFrame:
    return caseload.offender_managers.with_columns(
        allocation_date=day("start"), end_date=day("end")
    )


def _case_allocations(caseload: Caseload) -> pl.DataFrame:
    rsr = pl.col("rsr").cast(pl.String).str.zfill(3)
    return caseload.case_allocations.with_columns(
        rsr_score=(rsr.str.head(-2) + "." + rsr.str.tail(2)).cast(pl.Decimal(5, 2)),
        rsr_assessor_date=day("assessed"),
        allocation_decision=pl.col("decision"),
        decision_date=day("decided"),
        decision_staff_code=pl.col("staff"),
    )


def _registrations(caseload: Caseload, home: pl.DataFrame) -> pl.DataFrame:
    return caseload.flags.join(home, on="pid", how="left", maintain_order="left").with_columns(
        registration_date=day("reg"),
        next_review_date=day("next_review"),
        registering_staff_code=pl.col("staff_code"),
        registering_team_code=pl.col("team_code"),
        deregistration_date=pl.when(pl.col("undated")).then(None).otherwise(day("dereg")),
    )


def _reviews(caseload: Caseload, home: pl.DataFrame) -> pl.DataFrame:
    pid = caseload.flags.select("registration_id", "pid")
    return (
        caseload.reviews.join(pid, on="registration_id", how="left", maintain_order="left")
        .join(home, on="pid", how="left", maintain_order="left")
        .with_row_index("review_id", offset=1)
        .with_columns(
            review_date=day("on"),
            review_date_due=day("due"),
            reviewing_staff_code=pl.when(pl.col("completed")).then(pl.col("staff_code")),
        )
    )


def _contacts(caseload: Caseload, home: pl.DataFrame) -> pl.DataFrame:
    frame = caseload.contacts.join(home, on="pid", how="left", maintain_order="left")
    oversight = pl.col("kind") == "oversight"
    return frame.with_columns(
        contact_date=day("on"),
        created_datetime=moment("created", "at"),
        staff_code=pl.when(oversight)
        .then(pl.col("spo_staff_code"))
        .otherwise(pl.col("staff_code")),
    )


def _documents(caseload: Caseload) -> pl.DataFrame:
    frame = caseload.documents
    seconds = np.random.default_rng([caseload.world.seed, 7]).integers(
        8 * 3600, 18 * 3600, frame.height
    )
    label = pl.col("document_type").replace_strict(LABELS, return_dtype=pl.String)
    return frame.with_columns(at=pl.Series(seconds)).with_columns(
        created_datetime=moment("created", "at"),
        document_name=label + " " + day("created").dt.strftime("%Y-%m-%d") + ".pdf",
    )
