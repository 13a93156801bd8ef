"""The lifecycle of an exception: every transition of reconcile, read as the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from auditor.lifecycle import KNOWN_SCHEMA, Reconciliation, reconcile
from checks.base import EXCEPTION_SCHEMA

BEFORE = dt.date(2026, 1, 2)
D = dt.date(2026, 1, 5)
CHECK = "rsr_missing"
DETAILS: dict[str, Any] = {
    "severity": "high",
    "reason": "no RSR score",
    "due_date": None,
    "staff_code": "N07A001",
    "team_code": "N07T01",
    "spo_staff_code": "N07S001",
}
IDENTITY = {"check": CHECK, "crn": "X000001", "subject": "1"}


def stored(**values: Any) -> dict[str, Any]:
    row = {
        "id": 1,
        **IDENTITY,
        **DETAILS,
        "status": "open",
        "first_seen": BEFORE,
        "last_seen": BEFORE,
        "resolved_on": None,
        "reopen_count": 0,
        "triage": "none",
        "snoozed_until": None,
        "triage_by": None,
    }
    return row | values


def finding(**values: Any) -> dict[str, Any]:
    return {**IDENTITY, **DETAILS} | values


def record(**values: Any) -> dict[str, Any]:
    return {"check": CHECK, "crn": "X000001", "subject": "1"} | values


def run(
    known: list[dict[str, Any]] = (),  # type: ignore[assignment]
    found: list[dict[str, Any]] = (),  # type: ignore[assignment]
    examined: list[dict[str, Any]] = (),  # type: ignore[assignment]
    outcome: str | None = "ok",
    as_of: dt.date = D,
) -> Reconciliation:
    outcomes = {} if outcome is None else {CHECK: outcome}
    return reconcile(
        pl.DataFrame(list(known), schema=KNOWN_SCHEMA, orient="row"),
        pl.DataFrame(list(found), schema=EXCEPTION_SCHEMA, orient="row"),
        outcomes,
        pl.LazyFrame(list(examined), schema=dict.fromkeys(IDENTITY, pl.String()), orient="row"),
        as_of,
        next_id=100,
    )


def updated(result: Reconciliation) -> dict[str, Any]:
    """The one exception a reconciliation changed, as it is after the run."""
    assert result.updates.height == 1
    return result.updates.row(0, named=True)


def events(result: Reconciliation) -> list[tuple[str, str | None, str | None]]:
    return list(result.history.select("what", "from_status", "to_status").iter_rows())


# --- open -------------------------------------------------------------------------------


def test_a_new_identity_opens_an_exception() -> None:
    result = run(found=[finding()])

    new = result.inserts.row(0, named=True)
    assert new["id"] == 100
    assert (new["status"], new["first_seen"], new["last_seen"]) == ("open", D, D)
    assert (new["reopen_count"], new["triage"]) == (0, "none")
    assert events(result) == [("opened", None, "open")]
    assert result.updates.is_empty()


def test_new_exceptions_are_numbered_from_next_id_in_identity_order() -> None:
    found = [finding(crn="X000003"), finding(crn="X000002")]

    result = run(known=[stored(crn="X000001", id=7)], found=[*found, finding(crn="X000001")])

    assert result.inserts.select("crn", "id").rows() == [("X000002", 100), ("X000003", 101)]


def test_still_failing_with_the_same_details_writes_nothing() -> None:
    result = run(known=[stored()], found=[finding()])

    # its last_seen is the run's as-of date, read from the run (repository.last_seen)
    assert result.updates.is_empty() and result.inserts.is_empty()
    assert result.history.is_empty()


def test_an_exception_that_changes_carries_its_last_seen_in_the_update() -> None:
    result = run(known=[stored()], found=[finding(severity="medium")])

    assert updated(result)["last_seen"] == D


def test_still_failing_with_new_details_updates_them_with_a_history_note() -> None:
    result = run(known=[stored()], found=[finding(team_code="N07T02", severity="medium")])

    assert (updated(result)["team_code"], updated(result)["severity"]) == ("N07T02", "medium")
    assert events(result) == [("updated", None, None)]
    assert result.history["comment"][0] == "severity: high → medium; team_code: N07T01 → N07T02"


# --- resolve, and what never resolves ----------------------------------------------------


def test_no_longer_failing_on_a_record_the_check_examined_is_resolved() -> None:
    result = run(known=[stored()], examined=[record()])

    assert (updated(result)["status"], updated(result)["resolved_on"]) == ("resolved", D)
    assert updated(result)["last_seen"] == BEFORE
    assert events(result) == [("resolved", "open", "resolved")]


@pytest.mark.parametrize("was", ["open", "record_missing", "unconfirmed"])
def test_a_record_the_check_did_not_examine_is_missing_not_resolved(was: str) -> None:
    # rejected, deleted or out of the check's scope: absent from `examined`
    result = run(known=[stored(status=was)], examined=[record(subject="2")])

    if was == "record_missing":
        assert result.updates.is_empty() and result.history.is_empty()
    else:
        assert updated(result)["status"] == "record_missing"
        assert events(result) == [("record_missing", was, "record_missing")]


@pytest.mark.parametrize("outcome", ["disabled", "error", None])
@pytest.mark.parametrize("was", ["open", "record_missing"])
def test_a_check_that_did_not_run_leaves_its_exceptions_unconfirmed(
    outcome: str | None, was: str
) -> None:
    # None: the check is not in this run's outcomes at all (e.g. no longer registered)
    result = run(known=[stored(status=was)], examined=[record()], outcome=outcome)

    assert updated(result)["status"] == "unconfirmed"
    assert events(result) == [("unconfirmed", was, "unconfirmed")]
    assert result.history["comment"][0].endswith(outcome or "not run")


@pytest.mark.parametrize("outcome", ["ok", "disabled", "error"])
def test_a_resolved_exception_not_found_stays_resolved(outcome: str) -> None:
    known = [stored(status="resolved", resolved_on=BEFORE)]

    result = run(known=known, examined=[record()], outcome=outcome)

    assert result.updates.is_empty() and result.history.is_empty()


@pytest.mark.parametrize("was", ["record_missing", "unconfirmed"])
def test_a_missing_or_unconfirmed_exception_whose_record_passes_is_resolved(was: str) -> None:
    result = run(known=[stored(status=was)], examined=[record()])

    assert updated(result)["status"] == "resolved"
    assert events(result) == [("resolved", was, "resolved")]


# --- reopen and return -------------------------------------------------------------------


def test_a_resolved_exception_failing_again_is_reopened_and_counted() -> None:
    known = [stored(status="resolved", resolved_on=BEFORE, reopen_count=2)]

    result = run(known=known, found=[finding()])

    after = updated(result)
    assert (after["status"], after["reopen_count"], after["resolved_on"]) == ("open", 3, None)
    assert events(result) == [("reopened", "resolved", "open")]
    assert result.counts.row(0, named=True)["reopened"] == 1


@pytest.mark.parametrize("was", ["record_missing", "unconfirmed"])
def test_a_missing_or_unconfirmed_exception_failing_again_returns_without_a_reopen(
    was: str,
) -> None:
    result = run(known=[stored(status=was)], found=[finding()])

    assert (updated(result)["status"], updated(result)["reopen_count"]) == ("open", 0)
    assert events(result) == [("returned", was, "open")]


# --- triage ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("until", "expired"),
    [(D - dt.timedelta(days=1), True), (D, False), (D + dt.timedelta(days=1), False)],
)
def test_a_snooze_expires_once_its_date_has_passed(until: dt.date, expired: bool) -> None:
    result = run(known=[stored(triage="snoozed", snoozed_until=until)], found=[finding()])

    if expired:
        after = updated(result)
        assert (after["triage"], after["snoozed_until"]) == ("none", None)
        assert events(result) == [("snooze_expired", None, None)]
    else:  # still snoozed, still failing: nothing to write
        assert result.updates.is_empty() and result.history.is_empty()


@pytest.mark.parametrize("triage", ["acknowledged", "disputed"])
def test_peoples_triage_persists_across_runs_and_status_changes(triage: str) -> None:
    result = run(known=[stored(triage=triage)], examined=[record()])

    assert (updated(result)["status"], updated(result)["triage"]) == ("resolved", triage)


def test_done_is_confirmed_when_the_exception_resolves() -> None:
    result = run(known=[stored(triage="done", triage_by="admin1")], examined=[record()])

    assert (updated(result)["status"], updated(result)["triage"]) == ("resolved", "none")
    assert events(result) == [("resolved", "open", "resolved"), ("done_confirmed", None, None)]


def test_done_but_still_failing_goes_back_to_open_with_a_note() -> None:
    result = run(known=[stored(triage="done", triage_by="admin1")], found=[finding()])

    assert (updated(result)["status"], updated(result)["triage"]) == ("open", "none")
    assert events(result) == [("done_still_failing", None, None)]
    assert result.history["comment"][0] == "marked done by admin1, but still failing"


def test_done_waits_while_the_record_is_missing() -> None:
    result = run(known=[stored(triage="done")], examined=[])

    assert (updated(result)["status"], updated(result)["triage"]) == ("record_missing", "done")


# --- counts and idempotence --------------------------------------------------------------


def test_counts_per_check_and_team_after_the_run() -> None:
    known = [
        stored(id=1, crn="X1"),
        stored(id=2, crn="X2"),
        stored(id=3, crn="X3", status="resolved"),
        stored(id=4, crn="X4"),
        stored(id=5, crn="X5"),
    ]
    found = [finding(crn="X1"), finding(crn="X3"), finding(crn="X6")]
    examined = [record(crn="X2"), record(crn="X4")]

    result = run(known=known, found=found, examined=examined)

    assert result.counts.drop("check", "team_code").row(0, named=True) == {
        "open": 3,
        "new": 1,
        "still_open": 1,
        "reopened": 1,
        "resolved": 2,
        "record_missing": 1,
        "unconfirmed": 0,
    }


def applied(known: list[dict[str, Any]], result: Reconciliation) -> list[dict[str, Any]]:
    """The stored exceptions after writing a reconciliation."""
    changes = {row["id"]: row for row in result.updates.iter_rows(named=True)}
    rows = [row | changes.get(row["id"], {}) for row in known]
    return rows + [row | {"triage_by": None} for row in result.inserts.iter_rows(named=True)]


@pytest.mark.parametrize("outcome", ["ok", "error"])
def test_the_same_run_twice_changes_nothing_the_second_time(outcome: str) -> None:
    known = [
        stored(id=1, crn="X1"),
        stored(id=2, crn="X2", triage="snoozed", snoozed_until=BEFORE),
        stored(id=3, crn="X3", status="resolved"),
        stored(id=4, crn="X4", triage="done"),
        stored(id=5, crn="X5"),
    ]
    found = [finding(crn="X1", reason="new reason"), finding(crn="X3"), finding(crn="X6")]
    examined = [record(crn="X2")]

    first = run(known=known, found=found, examined=examined, outcome=outcome)
    second = run(applied(known, first), found, examined, outcome)

    assert first.history.height > 0
    assert second.inserts.is_empty() and second.updates.is_empty()
    assert second.history.is_empty()
