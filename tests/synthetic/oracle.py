"""An independent reading of CHECKS.md, for testing the generator only.

It computes the identities ``(check, crn, subject)`` of every exception the eighteen
rules raise on an extract, with default parameters, in plain polars. It shares nothing
with the generator (nor with checks/, written in parallel) except the working-day
calendar. When checks.runner exists, test_ground_truth compares against it as well.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from auditor.calendar import wd_expr

from .what_exists import Extract, ids

ROSH = {"RLRH": "L", "RMRH": "M", "RHRH": "H", "RVHR": "V"}
IDENTITY = {"check": pl.String, "crn": pl.String, "subject": pl.String}


def audit(tables: dict[str, pl.DataFrame], as_of: dt.date) -> pl.DataFrame:
    """All exception identities, sorted."""
    x = Extract(tables, as_of)
    parts = [rule(x) for rule in RULES]
    frame = pl.concat([p.select(pl.col(k).cast(v) for k, v in IDENTITY.items()) for p in parts])
    return frame.unique().sort("check", "crn", "subject")


# --- flags ---------------------------------------------------------------------------


def rosh_flag_unsupported(x: Extract) -> pl.DataFrame:
    rosh = x.flags.filter(pl.col("flag_group") == "ROSH").join(
        x.active_persons, on="crn", how="semi"
    )
    rosh = rosh.with_columns(
        F=pl.col("register_type_code").replace_strict(ROSH, default=None), n=pl.len().over("crn")
    )
    cut = x.d.dt.offset_by("-12mo")
    parts = []
    for full_only, levels in ((False, ["L"]), (True, ["M", "H", "V"])):
        support = x.latest(full_only).select("crn", a_date="assessment_date", a_level="rosh_level")
        f = rosh.filter(pl.col("F").is_in(levels)).join(support, on="crn", how="left")
        bad = (
            pl.col("a_date").is_null()
            | (pl.col("a_date") < cut)
            | (pl.col("a_level").is_not_null() & (pl.col("a_level") != pl.col("F")))
            | (pl.col("n") > 1)
        )
        parts.append(f.filter(bad))
    return ids(pl.concat(parts), "rosh_flag_unsupported", "registration_id")


def rosh_flag_missing(x: Extract) -> pl.DataFrame:
    latest = (
        x.latest(False)
        .filter(pl.col("rosh_level").is_not_null())
        .join(x.active_persons, on="crn", how="semi")
    )
    return ids(
        latest.join(x.persons_with(pl.col("flag_group") == "ROSH"), on="crn", how="anti"),
        "rosh_flag_missing",
        None,
    )


def flag_review_overdue(x: Extract) -> pl.DataFrame:
    f = x.flags.join(x.active_persons, on="crn", how="semi").filter(
        pl.col("review_period_months") > 0
    )
    return ids(
        f.filter(pl.col("next_review_date").is_null() | (x.d > pl.col("next_review_date"))),
        "flag_review_overdue",
        "registration_id",
    )


def flag_from_previous_order(x: Extract) -> pl.DataFrame:
    f = x.flags.filter(~pl.col("persists_between_orders"))
    inactive = f.join(x.active_persons, on="crn", how="anti")
    earlier = f.join(x.period_start(), on="crn").filter(pl.col("registration_date") < pl.col("P"))
    reviewed = (
        earlier.join(x.reviews.filter(pl.col("completed")), on="registration_id")
        .filter(pl.col("review_date") >= pl.col("P"))
        .select("registration_id")
    )
    stale = earlier.join(reviewed, on="registration_id", how="anti")
    return ids(
        pl.concat(
            [inactive.select("crn", "registration_id"), stale.select("crn", "registration_id")]
        ),
        "flag_from_previous_order",
        "registration_id",
    )


def mappa_flag_missing(x: Extract) -> pl.DataFrame:
    missing = x.mappa_eligible().join(
        x.persons_with(pl.col("register_type_code") == "MAPP"), on="crn", how="anti"
    )
    return ids(missing, "mappa_flag_missing", None)


def mappa_flag_incomplete(x: Extract) -> pl.DataFrame:
    f = x.flags.filter(pl.col("register_type_code") == "MAPP").join(
        x.active_persons, on="crn", how="semi"
    )
    bad = ~pl.col("register_level_code").is_in(["M1", "M2", "M3"]).fill_null(False) | ~pl.col(
        "register_category_code"
    ).is_in(["M1", "M2", "M3", "M4"]).fill_null(False)
    return ids(f.filter(bad), "mappa_flag_incomplete", "registration_id")


def child_protection_flag_missing(x: Extract) -> pl.DataFrame:
    concern = (pl.col("child_protection_concern") == "YES") | pl.col("rosh_children").is_in(
        ["M", "H", "V"]
    )
    latest = (
        x.latest(False)
        .filter(concern.fill_null(False))
        .join(x.active_persons, on="crn", how="semi")
    )
    missing = latest.join(
        x.persons_with(pl.col("flag_group") == "SAFEGUARDING"), on="crn", how="anti"
    )
    return ids(missing, "child_protection_flag_missing", None)


# --- RSR and allocation ----------------------------------------------------------------

SINCE_2014 = pl.col("sentence_date") >= dt.date(2014, 6, 1)


def _events_without(x: Extract, column: str, check: str) -> pl.DataFrame:
    due = x.active_events.filter(SINCE_2014 & x.overdue(1))
    having = x.allocations.filter(pl.col(column).is_not_null()).select("event_id")
    return ids(due.join(having, on="event_id", how="anti"), check, "event_id")


def rsr_missing(x: Extract) -> pl.DataFrame:
    return _events_without(x, "rsr_score", "rsr_missing")


def allocation_unrecorded(x: Extract) -> pl.DataFrame:
    return _events_without(x, "allocation_decision", "allocation_unrecorded")


def allocation_mismatch(x: Extract) -> pl.DataFrame:
    decided = (
        x.allocations.filter(pl.col("allocation_decision").is_not_null())
        .sort("event_id", pl.col("decision_date").fill_null(dt.date(1, 1, 1)), "case_allocation_id")
        .group_by("event_id", maintain_order=True)
        .last()
        .select("event_id", "allocation_decision", "rsr_score")
    )
    high = x.persons_with(pl.col("register_type_code").is_in(["RHRH", "RVHR"])).with_columns(
        high=pl.lit(True)
    )
    mapp = pl.concat(
        [x.persons_with(pl.col("register_type_code") == "MAPP"), x.mappa_eligible()]
    ).unique()
    dep = (
        x.offenders.filter(pl.col("deportation_eligible").fill_null(False))
        .select("crn")
        .with_columns(dep=pl.lit(True))
    )
    e = (
        x.active_events.join(decided, on="event_id")
        .filter(pl.col("allocation_decision") == "CRC")
        .join(high, on="crn", how="left")
        .join(mapp.with_columns(mappa=pl.lit(True)), on="crn", how="left")
        .join(dep, on="crn", how="left")
    )
    bad = (pl.col("rsr_score").cast(pl.Float64) > 6.89).fill_null(False) | pl.col("high").fill_null(
        False
    )
    bad = bad | pl.col("mappa").fill_null(False) | pl.col("dep").fill_null(False)
    return ids(e.filter(bad), "allocation_mismatch", "event_id")


# --- first appointments and assignment -----------------------------------------------------

START = pl.col("disposal_type_code").is_in(["CO", "SSO", "LIC"])


def first_appointment_unrecorded(x: Extract) -> pl.DataFrame:
    due = x.active_events.filter(START & x.overdue(1))
    fa = x.contacts.filter(pl.col("category") == "FIRST_APPOINTMENT").select(
        "crn", fa_event="event_id", fa_date="contact_date"
    )
    covered = (
        due.join(fa, on="crn")
        .filter(
            (pl.col("fa_date") >= pl.col("sentence_date"))
            & (pl.col("fa_event").is_null() | (pl.col("fa_event") == pl.col("event_id")))
        )
        .select("event_id")
    )
    return ids(
        due.join(covered, on="event_id", how="anti"), "first_appointment_unrecorded", "event_id"
    )


def assignment_missing(x: Extract) -> pl.DataFrame:
    due = x.active_events.filter(x.overdue(5)).join(
        x.manager.select("crn", "staff_code", "staff_end"), on="crn", how="left"
    )
    bad = (
        pl.col("staff_code").is_null()
        | pl.col("staff_code").str.ends_with("U")
        | (pl.col("staff_end") <= x.d).fill_null(False)
    )
    return ids(due.filter(bad), "assignment_missing", "event_id")


def documents_missing(x: Extract) -> pl.DataFrame:
    due = x.active_events.filter(SINCE_2014 & x.overdue(5))
    scored = x.allocations.filter(pl.col("rsr_score").is_not_null()).select("event_id").unique()
    report = pl.col("court_report_type")
    needs = pl.concat(
        [
            due.with_columns(document_type=pl.lit("CASE_ALLOCATION")),
            due.filter(report.is_in(["CJF", "CJS"]).fill_null(False)).with_columns(
                document_type=pl.lit("COURT_REPORT")
            ),
            due.filter((report == "CJO").fill_null(False)).with_columns(
                document_type=pl.lit("ORAL_REPORT_NOTES")
            ),
            due.join(scored, on="event_id", how="semi").with_columns(
                document_type=pl.lit("RSR_CALCULATION")
            ),
        ]
    ).select("event_id", "crn", "sentence_date", "document_type")
    docs = x.documents.select(
        "crn", "document_type", d_event="event_id", d_day=pl.col("created_datetime").dt.date()
    )
    met = (
        needs.join(docs, on=["crn", "document_type"])
        .filter(
            (pl.col("d_event") == pl.col("event_id")).fill_null(False)
            | (pl.col("d_event").is_null() & (pl.col("d_day") >= pl.col("sentence_date")))
        )
        .select("event_id", "document_type")
        .unique()
    )
    return ids(
        needs.join(met, on=["event_id", "document_type"], how="anti")
        .select("crn", "event_id")
        .unique(),
        "documents_missing",
        "event_id",
    )


# --- police and children's services checks -------------------------------------------------


def _latest_concern(x: Extract) -> pl.DataFrame:
    return x.latest(False).filter(pl.col("child_protection_concern") == "YES").select("crn")


def safeguarding_checks_unlogged(x: Extract) -> pl.DataFrame:
    due = x.active_events.filter(x.overdue(5))
    da = x.persons_with(pl.col("flag_group") == "DOMESTIC_ABUSE").with_columns(da=pl.lit(True))
    sg = (
        pl.concat([x.persons_with(pl.col("flag_group") == "SAFEGUARDING"), _latest_concern(x)])
        .unique()
        .with_columns(sg=pl.lit(True))
    )
    e = (
        due.join(da, on="crn", how="left")
        .join(sg, on="crn", how="left")
        .with_columns(police=pl.col("domestic_abuse") | pl.col("da").fill_null(False))
        .with_columns(children=pl.col("police") | pl.col("sg").fill_null(False))
    )
    raised = []
    for kind, category in (
        ("police", "POLICE_CHECK_REQUEST"),
        ("children", "CHILDREN_CHECK_REQUEST"),
    ):
        req = x.happened(category).select("crn", r_date="contact_date")
        logged = (
            e.join(req, on="crn")
            .filter(pl.col("r_date") >= pl.col("sentence_date") - pl.duration(days=90))
            .select("event_id")
        )
        raised.append(
            e.filter(pl.col(kind)).join(logged, on="event_id", how="anti").select("crn", "event_id")
        )
    return ids(pl.concat(raised).unique(), "safeguarding_checks_unlogged", "event_id")


def safeguarding_response_overdue(x: Extract) -> pl.DataFrame:
    raised = []
    for kind in ("POLICE", "CHILDREN"):
        req = x.happened(f"{kind}_CHECK_REQUEST").join(x.active_persons, on="crn", how="semi")
        req = req.filter(pl.col("contact_date") >= x.d - pl.duration(days=365)).select(
            "crn", "contact_id", r="contact_date"
        )
        chases = x.happened(f"{kind}_CHECK_CHASED").select("crn", c="contact_date")
        responses = x.happened(f"{kind}_CHECK_RESPONSE").select("crn", a="contact_date")
        t = (
            req.join(chases, on="crn", how="left")
            .with_columns(c=pl.when(pl.col("c") >= pl.col("r")).then(pl.col("c")))
            .group_by("crn", "contact_id", "r")
            .agg(T=pl.max_horizontal(pl.col("r").first(), pl.col("c").max()))
        )
        answered = (
            req.join(responses, on="crn").filter(pl.col("a") >= pl.col("r")).select("contact_id")
        )
        late = t.join(answered, on="contact_id", how="anti").filter(x.d > wd_expr(pl.col("T"), 10))
        raised.append(late.select("crn", "contact_id"))
    return ids(pl.concat(raised), "safeguarding_response_overdue", "contact_id")


# --- start of order -----------------------------------------------------------------------


def oasys_overdue(x: Extract) -> pl.DataFrame:
    due = x.active_events.filter(START & x.overdue(20))
    done = x.assessments.filter(
        (pl.col("status") == "COMPLETE") & pl.col("assessment_type").is_in(["LAYER1", "LAYER3"])
    )
    met = due.join(done.select("crn", "assessment_date"), on="crn").filter(
        pl.col("assessment_date") >= pl.col("sentence_date")
    )
    return ids(
        due.join(met.select("event_id"), on="event_id", how="anti"), "oasys_overdue", "event_id"
    )


def home_visit_missing(x: Extract) -> pl.DataFrame:
    due = x.active_events.filter(START & x.overdue(20))
    person = (
        pl.concat(
            [
                x.persons_with(pl.col("flag_group") == "SAFEGUARDING"),
                x.persons_with(pl.col("register_type_code").is_in(["RHRH", "RVHR"])),
            ]
        )
        .unique()
        .with_columns(flagged=pl.lit(True))
    )
    e = due.join(person, on="crn", how="left").filter(
        pl.col("domestic_abuse")
        | (pl.col("offence_category") == "SEXUAL")
        | pl.col("flagged").fill_null(False)
    )
    visits = x.happened("HOME_VISIT").filter(
        pl.col("outcome_code").is_null()
        | ~pl.col("outcome_code").is_in(["AFTA", "UAAB", "APPW", "RSSR"])
    )
    met = e.join(visits.select("crn", v="contact_date"), on="crn").filter(
        pl.col("v") >= pl.col("sentence_date")
    )
    return ids(
        e.join(met.select("event_id"), on="event_id", how="anti"), "home_visit_missing", "event_id"
    )


def management_oversight_overdue(x: Extract) -> pl.DataFrame:
    months = {"RVHR": 1, "RHRH": 4, "RCPR": 4}
    f = x.flags.filter(pl.col("register_type_code").is_in(list(months))).join(
        x.active_persons, on="crn", how="semi"
    )
    f = f.with_columns(k=pl.col("register_type_code").replace_strict(months, return_dtype=pl.Int64))
    f = f.filter(pl.col("k") == pl.col("k").min().over("crn"))
    person = f.group_by("crn").agg(k=pl.col("k").first(), since=pl.col("registration_date").min())
    mo = x.happened("MANAGEMENT_OVERSIGHT").group_by("crn").agg(last=pl.col("contact_date").max())
    p = person.join(mo, on="crn", how="left").with_columns(B=pl.max_horizontal("since", "last"))
    late = p.filter(x.d > pl.col("B").dt.offset_by(pl.format("{}mo", pl.col("k"))))
    return ids(late, "management_oversight_overdue", None)


RULES = [
    rosh_flag_unsupported,
    rosh_flag_missing,
    flag_review_overdue,
    flag_from_previous_order,
    mappa_flag_missing,
    mappa_flag_incomplete,
    child_protection_flag_missing,
    rsr_missing,
    allocation_unrecorded,
    allocation_mismatch,
    first_appointment_unrecorded,
    assignment_missing,
    documents_missing,
    safeguarding_checks_unlogged,
    safeguarding_response_overdue,
    oasys_overdue,
    home_visit_missing,
    management_oversight_overdue,
]
