"""The shared vocabulary of CHECKS.md, computed once per run and reused by every check.

"What exists at D", active events, persons and flags, the latest completed assessment,
the current period of supervision and its start P, MAPPA eligibility, the current
offender manager and the owner of an exception live here and nowhere else (STYLE.md
rule 3). Checks read these frames; they never re-derive them.

The context is built once (``CheckContext.build``) and its frames are materialised in
one ``collect_all``, so each check starts from small, already-filtered tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import polars as pl
from polars._typing import EngineType

from auditor.calendar import wd_expr
from checks.visibility import Stage, visible_tables
from schemas.codes import ROSH_FLAG_LEVELS

AssessmentPurpose = Literal["rosh_screening_or_full", "full_rosh_analysis"]
OPEN_END = dt.date(9999, 12, 31)
# The context's tables are in memory once built, so checks and measures collect on the
# in-memory engine: on the streaming engine, add_business_days with the ~770 bank
# holidays of wd_expr costs rows × holidays, which made the checks 2-3 times slower.
ENGINE: EngineType = "in-memory"


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may read. Frames are LazyFrames over materialised data."""

    as_of: dt.date
    offenders: pl.LazyFrame  # visible persons
    events: pl.LazyFrame  # events that exist at D, with is_active
    active_events: pl.LazyFrame
    active_persons: pl.LazyFrame  # crn of every person with an active event
    case_allocations: pl.LazyFrame  # rsr_score / allocation_decision nulled until they exist
    active_flags: pl.LazyFrame  # active registrations with their register type's columns
    reviews: pl.LazyFrame  # registration reviews that exist at D
    assessments: pl.LazyFrame  # assessments that exist at D
    latest_rosh_screening_or_full: pl.LazyFrame  # see latest_assessment
    latest_full_rosh_analysis: pl.LazyFrame
    contacts: pl.LazyFrame  # contacts recorded by D, one row per (contact, category)
    documents: pl.LazyFrame  # documents recorded by D
    offender_managers: pl.LazyFrame  # current offender manager per crn (at most one)
    offender_manager_history: pl.LazyFrame  # every visible allocation dated by D
    periods: pl.LazyFrame  # crn, period_start (P) of each active person
    mappa: pl.LazyFrame  # crn, mappa_criterion of each MAPPA-eligible active person
    staff: pl.LazyFrame  # visible staff
    teams: pl.LazyFrame  # visible teams with provider_code
    providers: pl.LazyFrame  # visible providers

    @classmethod
    def build(
        cls, tables: Mapping[str, pl.LazyFrame], as_of: dt.date, validated: bool = False
    ) -> CheckContext:
        """Derive and materialise the vocabulary from typed tables.

        The visible tables, then the frames many others start from, are materialised
        before the rest, so none is worked out twice (one ``collect_all`` of the whole
        derivation recomputes them in every plan that reads them). ``validated`` says
        the tables come from validate_extract, so every reference names a row of its
        parent: a row is then hidden only by a hidden parent, and the cascade filters
        on the few hidden keys instead of joining every row to its parent's keys.
        """
        frames = _derive(tables, as_of, _materialised, validated)
        return cls(as_of=as_of, **_materialised(frames))

    @classmethod
    def build_taking(
        cls, tables: dict[str, pl.LazyFrame], as_of: dt.date, validated: bool = False
    ) -> CheckContext:
        """``build``, taking the tables over: the dict is emptied as soon as the contacts
        any rule reads are staged, so that (when the caller holds no other reference)
        the whole contacts table, most of an extract's memory, is freed before the
        rest of the context is built."""
        frames = _derive(tables, as_of, _materialised, validated, release=tables.clear)
        return cls(as_of=as_of, **_materialised(frames))

    @classmethod
    def build_straightforward(
        cls, tables: Mapping[str, pl.LazyFrame], as_of: dt.date
    ) -> CheckContext:
        """The same context as one plain derivation, nothing staged and nothing assumed:
        the reference that ``build`` is tested against."""
        return cls(as_of=as_of, **_materialised(_derive(tables, as_of, dict, False)))

    @property
    def d(self) -> pl.Expr:
        """D as a polars literal."""
        return pl.lit(self.as_of, dtype=pl.Date)

    def wd(self, start: pl.Expr, n: int) -> pl.Expr:
        """wd(start, n): the n-th working day after start (CHECKS.md)."""
        return wd_expr(start, n)

    def overdue_events(self, n: int, events: pl.LazyFrame | None = None) -> pl.LazyFrame:
        """The active events (or ``events``, a selection of them) due within n working days
        of sentence whose time is up, D > wd(sentence_date, n), with that day as due_date."""
        frame = self.active_events if events is None else events
        return frame.with_columns(due_date=self.wd(pl.col("sentence_date"), n)).filter(
            self.d > pl.col("due_date")
        )

    def contacts_of(self, *categories: str, happened: bool = True) -> pl.LazyFrame:
        """Contacts of the given categories; by default only those with contact_date ≤ D
        (a rule looking for something that has happened)."""
        frame = self.contacts.filter(pl.col("category").is_in(categories))
        if happened:
            frame = frame.filter(pl.col("contact_date") <= self.d)
        return frame

    def flags_of_group(self, group: str) -> pl.LazyFrame:
        return self.active_flags.filter(pl.col("flag_group") == group)

    def flags_of_type(self, *codes: str) -> pl.LazyFrame:
        return self.active_flags.filter(pl.col("register_type_code").is_in(codes))

    def persons_with(self, flags: pl.LazyFrame) -> pl.LazyFrame:
        """The distinct crn of a frame of flags (or any frame with crn)."""
        return flags.select("crn").unique()

    def latest_assessment(self, purpose: AssessmentPurpose) -> pl.LazyFrame:
        """Per crn, the latest completed assessment serving ``purpose``: greatest
        assessment_date, ties to the greatest assessment_id (built once, with the rest
        of the context: five checks read it)."""
        if purpose == "rosh_screening_or_full":
            return self.latest_rosh_screening_or_full
        return self.latest_full_rosh_analysis

    @property
    def owners(self) -> pl.LazyFrame:
        """crn -> staff_code, team_code, spo_staff_code of the current offender manager."""
        return self.offender_managers.select("crn", "staff_code", "team_code", "spo_staff_code")


def _materialised(frames: dict[str, pl.LazyFrame]) -> dict[str, pl.LazyFrame]:
    """The frames computed (in parallel, on the in-memory engine) and held in memory."""
    collected = pl.collect_all(list(frames.values()), engine=ENGINE)
    return {name: df.lazy() for name, df in zip(frames, collected, strict=True)}


def _derive(
    tables: Mapping[str, pl.LazyFrame],
    as_of: dt.date,
    stage: Stage,
    validated: bool,
    release: Callable[[], None] = lambda: None,
) -> dict[str, pl.LazyFrame]:
    """Every frame of the context; ``stage`` is applied to the visible tables, and to
    the frames read by several others, before anything is derived from them;
    ``release`` is called once the whole contacts table is no longer needed."""
    d = pl.lit(as_of, dtype=pl.Date)
    # contacts are most of the rows: keep those any rule reads before the cascade (and
    # stage them, or the optimiser pushes the cascade's filters down onto every contact)
    contacts = stage({"contacts": _contacts(tables, d)})
    tables = {**tables, **contacts}
    release()
    visible = visible_tables(tables, stage, validated)
    events = (
        visible["events"]
        .filter(pl.col("sentence_date") <= d)
        .with_columns(
            is_active=pl.col("active")
            & (pl.col("termination_date").is_null() | (pl.col("termination_date") > d))
        )
    )
    active_events = events.filter(pl.col("is_active"))
    shared = stage(
        {
            "events": events,
            "active_events": active_events,
            "active_persons": active_events.select("crn").unique(),
            "active_flags": _active_flags(visible, d),
            "assessments": visible["assessments"].filter(pl.col("assessment_date") <= d),
        }
    )
    events, active_events, active_persons, active_flags, assessments = shared.values()
    return {
        "offenders": visible["offenders"],
        "events": events,
        "active_events": active_events,
        "active_persons": active_persons,
        "case_allocations": _case_allocations(visible["case_allocations"], d),
        "active_flags": active_flags,
        "reviews": visible["registration_reviews"].filter(pl.col("review_date") <= d),
        "assessments": assessments,
        "latest_rosh_screening_or_full": _latest_assessment(assessments, "rosh_screening_or_full"),
        "latest_full_rosh_analysis": _latest_assessment(assessments, "full_rosh_analysis"),
        "contacts": visible["contacts"].drop("soft_deleted"),
        "documents": visible["documents"].filter(_recorded_by(d)),
        "offender_managers": _current_offender_managers(visible, d),
        "offender_manager_history": _offender_manager_history(visible, d),
        "periods": _periods(events, active_persons),
        "mappa": _mappa(active_flags, active_events, active_persons),
        "staff": visible["staff"],
        "teams": visible["teams"],
        "providers": visible["providers"],
    }


def _case_allocations(frame: pl.LazyFrame, d: pl.Expr) -> pl.LazyFrame:
    """A score exists when rsr_assessor_date is null or ≤ D; a decision when
    decision_date is null or ≤ D (CHECKS.md, What exists at D)."""
    score_exists = pl.col("rsr_assessor_date").is_null() | (pl.col("rsr_assessor_date") <= d)
    decision_exists = pl.col("decision_date").is_null() | (pl.col("decision_date") <= d)
    return frame.with_columns(
        rsr_score=pl.when(score_exists).then(pl.col("rsr_score")),
        allocation_decision=pl.when(decision_exists).then(pl.col("allocation_decision")),
    )


def _active_flags(visible: Mapping[str, pl.LazyFrame], d: pl.Expr) -> pl.LazyFrame:
    still_registered = ~pl.col("deregistered") | (
        pl.col("deregistration_date").is_not_null() & (pl.col("deregistration_date") > d)
    )
    types = visible["register_types"].select(
        "register_type_code", "flag_group", "review_period_months", "persists_between_orders"
    )
    return (
        visible["registrations"]
        .filter((pl.col("registration_date") <= d) & still_registered)
        .join(types, on="register_type_code", how="inner")
        .with_columns(
            rosh_level=pl.col("register_type_code").replace_strict(
                ROSH_FLAG_LEVELS, default=None, return_dtype=pl.String
            )
        )
    )


def _contacts(tables: Mapping[str, pl.LazyFrame], d: pl.Expr) -> pl.LazyFrame:
    """Contacts recorded by D, one row per category of their type; the category OTHER,
    which no rule reads, is left out. (Deleted ones are still there: the cascade comes
    after, on these far fewer rows.)"""
    categories = (
        tables["contact_types"]
        .filter(pl.col("category") != "OTHER")
        .select("contact_type_code", "category")
        .unique()
        .collect(engine=ENGINE)
    )
    # Filtered on the codes before the join: a join of every contact costs 3-4 times more.
    codes = categories["contact_type_code"].unique().implode()
    return (
        tables["contacts"]
        .filter(pl.col("contact_type_code").is_in(codes) & _recorded_by(d))
        .join(categories.lazy(), on="contact_type_code", how="inner")
        .select(
            "soft_deleted",
            "contact_id",
            "crn",
            "event_id",
            "contact_type_code",
            "category",
            "contact_date",
            "outcome_code",
            "staff_code",
            "team_code",
        )
    )


def _recorded_by(d: pl.Expr) -> pl.Expr:
    """created_datetime's date part ≤ D: before midnight at the end of D (no date part
    is computed for every row)."""
    return pl.col("created_datetime") < (d + pl.duration(days=1)).cast(pl.Datetime("us"))


def _current_offender_managers(visible: Mapping[str, pl.LazyFrame], d: pl.Expr) -> pl.LazyFrame:
    """The current offender manager of each person; a person with two or more current
    rows has none (the contract makes those rows rejects)."""
    current = visible["offender_managers"].filter(
        (pl.col("allocation_date") <= d) & (pl.col("end_date").is_null() | (pl.col("end_date") > d))
    )
    single = current.filter(pl.len().over("crn") == 1)
    staff = visible["staff"].select("staff_code", staff_end_date=pl.col("end_date"))
    teams = visible["teams"].select("team_code", "spo_staff_code", "provider_code")
    return (
        single.select("crn", "staff_code", "team_code", "allocation_date")
        .join(staff, on="staff_code", how="left")
        .join(teams, on="team_code", how="left")
    )


def _offender_manager_history(visible: Mapping[str, pl.LazyFrame], d: pl.Expr) -> pl.LazyFrame:
    """Every allocation made by D, less the current rows of a person with two or more
    (those are rejects under the contract)."""
    rows = visible["offender_managers"].filter(pl.col("allocation_date") <= d)
    current = pl.col("end_date").is_null() | (pl.col("end_date") > d)
    return rows.filter(~(current & (current.sum().over("crn") > 1)))


def _latest_assessment(assessments: pl.LazyFrame, purpose: AssessmentPurpose) -> pl.LazyFrame:
    serves = pl.col("full_rosh_analysis_done")
    if purpose == "rosh_screening_or_full":
        serves = serves | pl.col("rosh_screening_done")
    # the greatest date, then among those the greatest id: two window maxima, no sort
    return (
        assessments.filter((pl.col("status") == "COMPLETE") & serves)
        .filter(pl.col("assessment_date") == pl.col("assessment_date").max().over("crn"))
        .filter(pl.col("assessment_id") == pl.col("assessment_id").max().over("crn"))
    )


def _periods(events: pl.LazyFrame, active_persons: pl.LazyFrame) -> pl.LazyFrame:
    """P, the start of the current period of supervision of each active person.

    Spans are [sentence_date, end]: end is the termination_date; open while the event is
    active with no termination date; sentence_date for an inactive event with none.
    Spans merge when one starts on or before the day after the running end.
    """
    end = (
        pl.when(pl.col("termination_date").is_not_null())
        .then(pl.col("termination_date"))
        .when(pl.col("active"))
        .then(pl.lit(OPEN_END))
        .otherwise(pl.col("sentence_date"))
    )
    spans = (
        events.join(active_persons, on="crn", how="semi")
        .select("crn", start=pl.col("sentence_date"), end=end)
        .sort("crn", "start", "end")
    )
    # The spans are in order, so a period starts at a person's first span and wherever
    # a span starts after the day after the running end of the spans before it. The
    # current period is the last one: an active event's span runs to D or beyond and
    # swallows every span that starts after it; and it holds the person's latest end.
    running_end = pl.col("end").cum_max().over("crn")
    first = pl.col("crn").ne_missing(pl.col("crn").shift(1))
    starts = first | (pl.col("start") > running_end.shift(1) + pl.duration(days=1))
    return (
        spans.with_columns(starts=starts)
        .group_by("crn")
        .agg(period_start=pl.col("start").filter("starts").last(), period_end=pl.col("end").max())
    )


def _mappa(
    active_flags: pl.LazyFrame, active_events: pl.LazyFrame, active_persons: pl.LazyFrame
) -> pl.LazyFrame:
    """MAPPA-eligible active persons and the criterion that makes them so (para 2.12):
    an active ARSO flag (category 1), or an active VIOLENCE/SEXUAL event with disposal
    SSO, SC or LIC and custodial_months ≥ 12 (category 2; null never qualifies)."""
    category_1 = active_flags.filter(pl.col("register_type_code") == "ARSO").select(
        "crn",
        criterion=pl.format(
            "registered sex offender (ARSO flag {} from {})",
            pl.col("registration_id"),
            pl.col("registration_date").dt.strftime("%Y-%m-%d"),
        ),
    )
    category_2 = active_events.filter(
        pl.col("offence_category").is_in(["VIOLENCE", "SEXUAL"])
        & pl.col("disposal_type_code").is_in(["SSO", "SC", "LIC"])
        & (pl.col("custodial_months") >= 12)
    ).select(
        "crn",
        criterion=pl.format(
            "event {} ({} {}, {} months custodial)",
            pl.col("event_number"),
            pl.col("offence_category"),
            pl.col("disposal_type_code"),
            pl.col("custodial_months"),
        ),
    )
    return (
        pl.concat([category_1, category_2])
        .join(active_persons, on="crn", how="semi")
        .sort("crn", "criterion")
        .group_by("crn", maintain_order=True)
        .agg(mappa_criterion=pl.col("criterion").str.join("; "))
    )
