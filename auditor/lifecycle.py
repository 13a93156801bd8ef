"""The lifecycle of an exception: reconcile what a run found with what the store knows.

A pure function of frames (no clock, no database): ``reconcile`` takes the exceptions
the store knows, the exceptions this run found, how each check fared and which records
each check examined, and returns only the real changes: rows to insert, rows to update,
history rows and the run's counts. A rerun of the same as-of date over the same
extract therefore changes nothing.

An exception's identity is (check, crn, subject) (CHECKS.md). It has two states.

**Status**, set by runs (only successful runs reconcile; a failed run changes nothing)::

    (new identity) ──found──▶ open
    open / record_missing / unconfirmed ──found──▶ open     ("returned"; not a reopen)
    resolved ──found──▶ open                              ("reopened"; reopen_count + 1)
    open / record_missing / unconfirmed ──not found, check ok, record examined──▶ resolved
    open / record_missing ──not found, check ok, record NOT examined──▶ record_missing
    open / record_missing ──check disabled, errored or gone──▶ unconfirmed
    resolved ──not found──▶ resolved                      (whatever the check did)

- ``open``: failing on the latest run that ran its check.
- ``resolved``: its check ran, examined the record (``CheckRun.scope``), and the
  record passed: the fix is confirmed. Only this resolves.
- ``record_missing``: its check ran but did not examine the record: the record was
  rejected, deleted or is out of the check's scope. Missing data is never a fix.
- ``unconfirmed``: its check did not run successfully on the latest run (disabled,
  errored, or no longer in the registry): nothing is known either way.

``last_seen`` is the latest as-of date the exception was found failing; ``resolved_on``
the date its fix was confirmed. Details (severity, reason, due date, owner) follow the
latest finding. An open exception was found by the run, so its last_seen is the run's
as-of date: an exception still failing as it was is not among the updates at all (the
store reads an open one's last_seen from its latest run: repository.last_seen), and
``known`` must give the open ones' last_seen as of the run before this one.

**Triage**, set by people and persisting across runs: ``none``, ``acknowledged``,
``snoozed`` (until ``snoozed_until``), ``disputed`` (with ``dispute_reason``) or
``done`` (an administrator fixed it in nDelius; awaiting confirmation). Runs change it in
three ways only:

- a snooze whose ``snoozed_until`` is before the as-of date expires: triage ``none``,
  and the exception shows again (history ``snooze_expired``);
- ``done`` and the exception resolves: triage ``none`` (``done_confirmed``);
- ``done`` and the exception still fails: triage ``none``, still open
  (``done_still_failing``). While the record is missing or unconfirmed, ``done`` waits.

Every change is one history row: ``what`` (opened, reopened, returned, resolved,
record_missing, unconfirmed, updated, snooze_expired, done_confirmed,
done_still_failing; people's: acknowledged, snoozed, disputed, done, triage_cleared),
from and to status, a comment; the store adds when and which run or person. A run
finding an exception still failing with the same details writes nothing for it (the
advance of ``last_seen`` is not a history event).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

IDENTITY = ("check", "crn", "subject")
DETAILS = ("severity", "reason", "due_date", "staff_code", "team_code", "spo_staff_code")
MUTABLE = (
    *DETAILS,
    "status",
    "last_seen",
    "resolved_on",
    "reopen_count",
    "triage",
    "snoozed_until",
)

_TEXT = pl.String()
_DATE = pl.Date()
DETAIL_SCHEMA: dict[str, pl.DataType] = {
    "severity": _TEXT,
    "reason": _TEXT,
    "due_date": _DATE,
    "staff_code": _TEXT,
    "team_code": _TEXT,
    "spo_staff_code": _TEXT,
}
# What reconcile needs of each stored exception.
KNOWN_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    **dict.fromkeys(IDENTITY, _TEXT),
    **DETAIL_SCHEMA,
    "status": _TEXT,
    "first_seen": _DATE,
    "last_seen": _DATE,
    "resolved_on": _DATE,
    "reopen_count": pl.Int64(),
    "triage": _TEXT,
    "snoozed_until": _DATE,
    "triage_by": _TEXT,
}
INSERT_COLUMNS = ("id", *IDENTITY, *DETAILS, "first_seen", *MUTABLE[len(DETAILS) :])
HISTORY_SCHEMA: dict[str, pl.DataType] = {
    "exception_id": pl.Int64(),
    "what": _TEXT,
    "from_status": _TEXT,
    "to_status": _TEXT,
    "comment": _TEXT,
}
COUNT_COLUMNS = (
    "open",
    "new",
    "still_open",
    "reopened",
    "resolved",
    "record_missing",
    "unconfirmed",
)
COUNT_SCHEMA: dict[str, pl.DataType] = {
    "check": _TEXT,
    "team_code": _TEXT,
    **dict.fromkeys(COUNT_COLUMNS, pl.Int64()),
}

RESOLVED_COMMENT = "no longer fails on a run that examined the record: fix confirmed"
RECORD_MISSING_COMMENT = (
    "not examined on this run: the record is absent from the extract (rejected or "
    "deleted) or outside the check's scope"
)


@dataclass(frozen=True)
class Reconciliation:
    """The changes one run makes to the store: nothing else is written."""

    inserts: pl.DataFrame  # INSERT_COLUMNS: exceptions seen for the first time
    updates: pl.DataFrame  # id and MUTABLE: only exceptions that changed
    history: pl.DataFrame  # HISTORY_SCHEMA: one row per change
    counts: pl.DataFrame  # COUNT_SCHEMA: per check and team, after the run


def reconcile(
    known: pl.DataFrame,
    found: pl.DataFrame,
    outcomes: Mapping[str, str],
    examined: pl.LazyFrame,
    as_of: dt.date,
    next_id: int,
) -> Reconciliation:
    """Reconcile a successful run with the store.

    ``known``: every stored exception (KNOWN_SCHEMA). ``found``: this run's exceptions
    (identity and details). ``outcomes``: check name → ok / disabled / error (a check
    not listed did not run). ``examined``: check, crn, subject of the records each
    check that ran examined. New exceptions are numbered from ``next_id``.
    """
    state = _next_state(_joined(known, found, outcomes, examined, next_id), as_of)
    return Reconciliation(
        inserts=state.filter(pl.col("is_new")).select(INSERT_COLUMNS),
        updates=_updates(state),
        history=_history(state),
        counts=_counts(state),
    )


def _joined(
    known: pl.DataFrame,
    found: pl.DataFrame,
    outcomes: Mapping[str, str],
    examined: pl.LazyFrame,
    next_id: int,
) -> pl.DataFrame:
    """One row per identity: the stored state as was_*, the finding as found_*."""
    was = known.select(
        "id", *IDENTITY, "first_seen", "triage_by", *[pl.col(c).alias(f"was_{c}") for c in MUTABLE]
    )
    now = found.select(*IDENTITY, *[pl.col(c).alias(f"found_{c}") for c in DETAILS])
    ran = pl.LazyFrame(
        {"check": list(outcomes), "outcome": list(outcomes.values())},
        schema={"check": _TEXT, "outcome": _TEXT},
    )
    joined = (
        was.lazy()
        .join(now.lazy().with_columns(found=pl.lit(True)), on=IDENTITY, how="full", coalesce=True)
        .join(ran, on="check", how="left")
        .with_columns(
            found=pl.col("found").fill_null(False),
            outcome=pl.col("outcome").fill_null("not run"),
            is_new=pl.col("id").is_null(),
        )
        .collect()
    )
    return _numbered(_with_examined(joined, examined), next_id)


def _with_examined(joined: pl.DataFrame, examined: pl.LazyFrame) -> pl.DataFrame:
    """Flag the stored, unresolved exceptions not found whose record its check examined."""
    undecided = joined.lazy().filter(
        ~pl.col("found") & (pl.col("outcome") == "ok") & (pl.col("was_status") != "resolved")
    )
    hits = (
        examined.select(*[pl.col(c).cast(_TEXT) for c in IDENTITY])
        .join(undecided.select(IDENTITY), on=IDENTITY, how="semi")
        .unique()
        .with_columns(examined=pl.lit(True))
    )
    return (
        joined.lazy()
        .join(hits, on=IDENTITY, how="left")
        .with_columns(pl.col("examined").fill_null(False))
        .collect()
    )


def _numbered(joined: pl.DataFrame, next_id: int) -> pl.DataFrame:
    """New exceptions get ids from next_id, in identity order (deterministic)."""
    ordered = joined.sort(IDENTITY)
    counter = pl.col("is_new").cast(pl.Int64).cum_sum() - 1 + next_id
    return ordered.with_columns(id=pl.when(pl.col("is_new")).then(counter).otherwise(pl.col("id")))


def _next_state(joined: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    day = pl.lit(as_of, dtype=_DATE)
    found = pl.col("found")
    with_status = joined.with_columns(status=_next_status()).with_columns(
        status_event=_status_event()
    )
    return with_status.with_columns(
        *[
            pl.when(found).then(pl.col(f"found_{c}")).otherwise(pl.col(f"was_{c}")).alias(c)
            for c in DETAILS
        ],
        first_seen=pl.when(pl.col("is_new")).then(day).otherwise(pl.col("first_seen")),
        last_seen=pl.when(found).then(day).otherwise(pl.col("was_last_seen")),
        resolved_on=_resolved_on(day),
        reopen_count=pl.col("was_reopen_count").fill_null(0)
        + (pl.col("status_event") == "reopened").fill_null(False).cast(pl.Int64),
        details_changed=_details_changed(),
        triage_event=_triage_event(day),
    ).with_columns(
        triage=pl.when(pl.col("triage_event").is_not_null())
        .then(pl.lit("none"))
        .otherwise(pl.col("was_triage").fill_null("none")),
        snoozed_until=pl.when(pl.col("triage_event") == "snooze_expired")
        .then(pl.lit(None, dtype=_DATE))
        .otherwise(pl.col("was_snoozed_until")),
    )


def _next_status() -> pl.Expr:
    was = pl.col("was_status")
    return (
        pl.when(pl.col("found"))
        .then(pl.lit("open"))
        .when(was == "resolved")
        .then(pl.lit("resolved"))
        .when(pl.col("outcome") != "ok")
        .then(pl.lit("unconfirmed"))
        .when(pl.col("examined"))
        .then(pl.lit("resolved"))
        .otherwise(pl.lit("record_missing"))
    )


def _status_event() -> pl.Expr:
    was, status = pl.col("was_status"), pl.col("status")
    return (
        pl.when(pl.col("is_new"))
        .then(pl.lit("opened"))
        .when(status == was)
        .then(pl.lit(None, dtype=_TEXT))
        .when(was == "resolved")
        .then(pl.lit("reopened"))
        .when(status == "open")
        .then(pl.lit("returned"))
        .otherwise(status)
    )


def _resolved_on(day: pl.Expr) -> pl.Expr:
    event = pl.col("status_event")
    return (
        pl.when(event == "resolved")
        .then(day)
        .when(event == "reopened")
        .then(pl.lit(None, dtype=_DATE))
        .otherwise(pl.col("was_resolved_on"))
    )


def _details_changed() -> pl.Expr:
    differs = [pl.col(f"found_{c}").ne_missing(pl.col(f"was_{c}")) for c in DETAILS]
    return pl.col("found") & ~pl.col("is_new") & pl.any_horizontal(differs)


def _triage_event(day: pl.Expr) -> pl.Expr:
    triage = pl.col("was_triage")
    done = triage == "done"
    return (
        pl.when((triage == "snoozed") & (pl.col("was_snoozed_until") < day))
        .then(pl.lit("snooze_expired"))
        .when(done & (pl.col("status_event") == "resolved"))
        .then(pl.lit("done_confirmed"))
        .when(done & pl.col("found"))
        .then(pl.lit("done_still_failing"))
        .otherwise(pl.lit(None, dtype=_TEXT))
    )


def _updates(state: pl.DataFrame) -> pl.DataFrame:
    """The exceptions that changed, last_seen aside (an open one's is its run's)."""
    changed = [pl.col(c).ne_missing(pl.col(f"was_{c}")) for c in MUTABLE if c != "last_seen"]
    return state.filter(~pl.col("is_new") & pl.any_horizontal(changed)).select("id", *MUTABLE)


def _history(state: pl.DataFrame) -> pl.DataFrame:
    """One row per change, in order: the status change, new details, then triage."""
    status_event, triage_event, none = pl.col("status_event"), pl.col("triage_event"), pl.lit(None)
    kinds: list[tuple[pl.Expr, ...]] = [  # (when, what, from_status, to_status, comment)
        (
            status_event.is_not_null(),
            status_event,
            pl.col("was_status"),
            pl.col("status"),
            _status_comment(),
        ),
        (pl.col("details_changed"), pl.lit("updated"), none, none, _details_comment()),
        (triage_event.is_not_null(), triage_event, none, none, _triage_comment()),
    ]
    frames = [
        state.filter(when).select(
            exception_id="id",
            what=what,
            from_status=was,
            to_status=now,
            comment=comment,
            order=pl.lit(order),
        )
        for order, (when, what, was, now, comment) in enumerate(kinds)
    ]
    history = pl.concat(frames, how="vertical_relaxed").sort("exception_id", "order")
    return history.drop("order").cast(HISTORY_SCHEMA)  # type: ignore[arg-type]


def _status_comment() -> pl.Expr:
    event = pl.col("status_event")
    return (
        pl.when(event == "reopened")
        .then(pl.concat_str(pl.lit("failing again; fix confirmed on "), _text("was_resolved_on")))
        .when(event == "returned")
        .then(pl.concat_str(pl.lit("failing again (was "), pl.col("was_status"), pl.lit(")")))
        .when(event == "resolved")
        .then(pl.lit(RESOLVED_COMMENT))
        .when(event == "record_missing")
        .then(pl.lit(RECORD_MISSING_COMMENT))
        .when(event == "unconfirmed")
        .then(pl.concat_str(pl.lit("its check did not run successfully: "), "outcome"))
        .otherwise(pl.lit(None, dtype=_TEXT))
    )


def _details_comment() -> pl.Expr:
    """'team_code: N07T01 → N07T02; severity: medium → high' for the details that changed."""
    pieces = [
        pl.when(pl.col(f"found_{c}").ne_missing(pl.col(f"was_{c}"))).then(
            pl.concat_str(pl.lit(f"{c}: "), _text(f"was_{c}"), pl.lit(" → "), _text(f"found_{c}"))
        )
        for c in DETAILS
    ]
    return pl.concat_str(pieces, separator="; ", ignore_nulls=True)


def _triage_comment() -> pl.Expr:
    event = pl.col("triage_event")
    by = pl.col("triage_by").fill_null("someone")
    return (
        pl.when(event == "snooze_expired")
        .then(pl.concat_str(pl.lit("snoozed until "), _text("was_snoozed_until")))
        .when(event == "done_confirmed")
        .then(pl.concat_str(pl.lit("marked done by "), by, pl.lit(": fix confirmed")))
        .otherwise(pl.concat_str(pl.lit("marked done by "), by, pl.lit(", but still failing")))
    )


def _text(column: str) -> pl.Expr:
    return pl.col(column).cast(_TEXT).fill_null("(none)")


def _counts(state: pl.DataFrame) -> pl.DataFrame:
    status, event = pl.col("status"), pl.col("status_event")
    tallies = {
        "open": status == "open",
        "new": event == "opened",
        "reopened": event == "reopened",
        "resolved": event == "resolved",
        "record_missing": status == "record_missing",
        "unconfirmed": status == "unconfirmed",
    }
    counts = (
        state.group_by("check", "team_code")
        .agg(**{name: flag.fill_null(False).sum().cast(pl.Int64) for name, flag in tallies.items()})
        .with_columns(still_open=pl.col("open") - pl.col("new") - pl.col("reopened"))
    )
    nonzero = pl.any_horizontal([pl.col(c) > 0 for c in COUNT_COLUMNS])
    ordered = counts.filter(nonzero).select(list(COUNT_SCHEMA))
    return ordered.sort("check", "team_code", nulls_last=True)
