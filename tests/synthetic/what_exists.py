"""What exists at D (CHECKS.md, Terms), for the test oracle: visible rows, active
events, persons and flags, the latest completed assessment, P and MAPPA eligibility."""

from __future__ import annotations

import datetime as dt

import polars as pl

from auditor.calendar import wd_expr
from schemas import TABLE_NAMES, table_spec


class Extract:
    """What exists at D (CHECKS.md, Terms)."""

    def __init__(self, tables: dict[str, pl.DataFrame], as_of: dt.date) -> None:
        self.as_of = as_of
        self.d = pl.lit(as_of, dtype=pl.Date)
        v = _visible(tables)
        d = self.d
        self.events = v["events"].filter(pl.col("sentence_date") <= d)
        self.active_events = self.events.filter(
            pl.col("active")
            & (pl.col("termination_date").is_null() | (pl.col("termination_date") > d))
        )
        self.active_persons = self.active_events.select("crn").unique()
        regs = v["registrations"].filter(pl.col("registration_date") <= d)
        still = ~pl.col("deregistered") | (
            pl.col("deregistration_date").is_not_null() & (pl.col("deregistration_date") > d)
        )
        self.flags = regs.filter(still).join(v["register_types"], on="register_type_code")
        self.reviews = v["registration_reviews"].filter(pl.col("review_date") <= d)
        self.assessments = v["assessments"].filter(pl.col("assessment_date") <= d)
        self.contacts = (
            v["contacts"]
            .filter(pl.col("created_datetime").dt.date() <= d)
            .join(
                v["contact_types"].select("contact_type_code", "category"), on="contact_type_code"
            )
        )
        self.documents = v["documents"].filter(pl.col("created_datetime").dt.date() <= d)
        alloc = v["case_allocations"]
        self.allocations = alloc.with_columns(
            rsr_score=pl.when(
                pl.col("rsr_assessor_date").is_null() | (pl.col("rsr_assessor_date") <= d)
            ).then(pl.col("rsr_score")),
            allocation_decision=pl.when(
                pl.col("decision_date").is_null() | (pl.col("decision_date") <= d)
            ).then(pl.col("allocation_decision")),
        )
        om = v["offender_managers"].filter(
            (pl.col("allocation_date") <= d)
            & (pl.col("end_date").is_null() | (pl.col("end_date") > d))
        )
        self.manager = om.filter(pl.len().over("crn") == 1).join(
            v["staff"].select("staff_code", staff_end=pl.col("end_date")),
            on="staff_code",
            how="left",
        )
        self.offenders = v["offenders"]

    def happened(self, *categories: str) -> pl.DataFrame:
        return self.contacts.filter(
            pl.col("category").is_in(categories) & (pl.col("contact_date") <= self.d)
        )

    def flags_where(self, expr: pl.Expr) -> pl.DataFrame:
        return self.flags.filter(expr)

    def persons_with(self, expr: pl.Expr) -> pl.DataFrame:
        return self.flags.filter(expr).select("crn").unique()

    def latest(self, full_only: bool) -> pl.DataFrame:
        serves = (
            pl.col("full_rosh_analysis_done")
            if full_only
            else (pl.col("rosh_screening_done") | pl.col("full_rosh_analysis_done"))
        )
        return (
            self.assessments.filter((pl.col("status") == "COMPLETE") & serves)
            .sort("crn", "assessment_date", "assessment_id")
            .group_by("crn", maintain_order=True)
            .last()
        )

    def overdue(self, n: int) -> pl.Expr:
        return self.d > wd_expr(pl.col("sentence_date"), n)

    def period_start(self) -> pl.DataFrame:
        end = (
            pl.when(pl.col("termination_date").is_not_null())
            .then(pl.col("termination_date"))
            .when(pl.col("active"))
            .then(pl.lit(dt.date(9999, 12, 31)))
            .otherwise(pl.col("sentence_date"))
        )
        spans = (
            self.events.join(self.active_persons, on="crn", how="semi")
            .select("crn", start=pl.col("sentence_date"), end=end)
            .sort("crn", "start")
        )
        rows: dict[str, tuple[dt.date, dt.date]] = {}
        for crn, start, stop in spans.iter_rows():
            if crn in rows and (start - dt.timedelta(days=1)) <= rows[crn][1]:
                rows[crn] = (rows[crn][0], max(rows[crn][1], stop))
            elif crn not in rows or rows[crn][1] < self.as_of:
                rows[crn] = (start, stop)
        return pl.DataFrame(
            {"crn": list(rows), "P": [r[0] for r in rows.values()]},
            schema={"crn": pl.String, "P": pl.Date},
        )

    def mappa_eligible(self) -> pl.DataFrame:
        by_flag = self.persons_with(pl.col("register_type_code") == "ARSO")
        by_event = self.active_events.filter(
            pl.col("offence_category").is_in(["VIOLENCE", "SEXUAL"])
            & pl.col("disposal_type_code").is_in(["SSO", "SC", "LIC"])
            & (pl.col("custodial_months") >= 12)
        ).select("crn")
        return (
            pl.concat([by_flag, by_event]).unique().join(self.active_persons, on="crn", how="semi")
        )


def _visible(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    out: dict[str, pl.DataFrame] = {}
    for name in TABLE_NAMES:
        spec = table_spec(name)
        frame = tables[name]
        if not spec.reference:
            frame = frame.filter(~pl.col("soft_deleted"))
        for col in spec.columns:
            if col.references:
                parent, key = col.references
                keys = out[parent].select(pl.col(key).alias(col.name)).unique()
                frame = frame.filter(
                    pl.col(col.name).is_null() | pl.col(col.name).is_in(keys[col.name].implode())
                )
        out[name] = frame
    return out


def ids(frame: pl.DataFrame, check: str, subject: str | None) -> pl.DataFrame:
    subj = pl.lit("") if subject is None else pl.col(subject).cast(pl.String)
    return frame.select(check=pl.lit(check), crn="crn", subject=subj)
