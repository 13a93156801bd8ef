"""What people do to an exception: triage that persists across runs, and 'done'."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select

import auditor.pipeline
from auditor.audit import Audit
from auditor.config import Settings, parse_settings
from auditor.pipeline import run_audit
from auditor.store import triage
from auditor.store.database import Store
from auditor.store.models import StoredException
from auditor.store.scope import EVERYTHING, Scope
from auditor.store.triage import (
    MAX_TEXT,
    ChangeConflict,
    ExceptionNotFound,
    TriageRefused,
    apply,
    apply_many,
    assign_change,
    comment_change,
    done_change,
    history_of,
    mark_done,
    ruling_change,
    set_triage,
    triage_change,
)
from auditor.store.users import active_admins, add_user, set_disabled
from tests.auditor.audits import CHECK, fake_audit, finding
from tests.auditor.stores import snapshot

MON, TUE, WED, THU = (dt.date(2026, 1, d) for d in (5, 6, 7, 8))


@pytest.fixture
def audits(monkeypatch: pytest.MonkeyPatch) -> dict[dt.date, Audit]:
    prepared: dict[dt.date, Audit] = {}
    monkeypatch.setattr(auditor.pipeline, "audit", lambda _s, as_of, **_k: prepared[as_of])
    return prepared


@pytest.fixture
def settings(store_url: str) -> Settings:
    return parse_settings({"store": {"url": store_url}})


@pytest.fixture
def opened(settings: Settings, store: Store, audits: dict[dt.date, Audit]) -> Store:
    """A store holding exception 1 (X1), open since Monday's run."""
    audits[MON] = fake_audit(MON, [finding("X1")])
    run_audit(settings, MON, store=store)
    return store


def exception(store: Store, exception_id: int = 1) -> dict[str, Any]:
    table = StoredException.__table__
    with store.reading() as connection:
        row = connection.execute(select(table).where(table.c.id == exception_id)).mappings()
        return dict(row.one())


def people(store: Store, exception_id: int = 1) -> list[tuple[str, str | None, str | None]]:
    """History rows written by people: what, person, comment."""
    frame = history_of(store, exception_id)
    frame = frame.filter(frame["person"].is_not_null())
    return [tuple(row) for row in frame.select("what", "person", "comment").iter_rows()]


def test_acknowledging_records_who_and_why(opened: Store) -> None:
    set_triage(opened, 1, "acknowledged", "spo1", "on it")

    row = exception(opened)
    assert (row["triage"], row["triage_by"]) == ("acknowledged", "spo1")
    assert row["triage_at"] is not None
    assert people(opened) == [("acknowledged", "spo1", "on it")]


def test_a_snooze_keeps_its_date_and_a_dispute_its_reason(opened: Store) -> None:
    set_triage(opened, 1, "snoozed", "spo1", "back from leave", until=dt.date(2026, 1, 9))
    assert exception(opened)["snoozed_until"] == dt.date(2026, 1, 9)

    set_triage(opened, 1, "disputed", "om1", reason="RSR done on paper")
    row = exception(opened)
    assert (row["triage"], row["snoozed_until"], row["dispute_reason"]) == (
        "disputed", None, "RSR done on paper",
    )  # fmt: skip

    set_triage(opened, 1, "none", "spo1")
    row = exception(opened)
    assert (row["triage"], row["dispute_reason"]) == ("none", None)
    assert people(opened) == [
        ("snoozed", "spo1", "until 2026-01-09; back from leave"),
        ("disputed", "om1", "RSR done on paper"),
        ("triage_cleared", "spo1", None),
    ]


@pytest.mark.parametrize(
    ("state", "extra", "message"),
    [
        ("snoozed", {}, "a date to snooze until"),
        ("acknowledged", {"until": MON}, "a date to snooze until"),
        ("disputed", {"reason": " "}, "needs a reason"),
        ("acknowledged", {"reason": "x"}, "only with a dispute"),
        ("done", {}, "not a triage state"),
    ],
)
def test_a_request_that_makes_no_sense_is_refused(
    opened: Store, state: str, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(TriageRefused, match=message):
        set_triage(opened, 1, state, "spo1", **extra)  # type: ignore[arg-type]

    assert exception(opened)["triage"] == "none"


def test_an_unknown_exception_is_not_found(opened: Store) -> None:
    with pytest.raises(ExceptionNotFound):
        set_triage(opened, 99, "acknowledged", "spo1")
    with pytest.raises(ExceptionNotFound):
        mark_done(opened, 99, "admin1")


def test_a_resolved_exception_cannot_be_triaged(
    opened: Store, settings: Settings, audits: dict[dt.date, Audit]
) -> None:
    audits[TUE] = fake_audit(TUE, examined={CHECK: [("X1", "")]})
    run_audit(settings, TUE, store=opened)

    with pytest.raises(TriageRefused, match="resolved"):
        mark_done(opened, 1, "admin1")


def test_triage_persists_across_runs_until_a_snooze_expires(
    opened: Store, settings: Settings, audits: dict[dt.date, Audit]
) -> None:
    set_triage(opened, 1, "snoozed", "spo1", until=TUE)
    for day in (TUE, WED):
        audits[day] = fake_audit(day, [finding("X1", reason=f"as at {day}")])

    run_audit(settings, TUE, store=opened)
    assert (exception(opened)["triage"], exception(opened)["snoozed_until"]) == ("snoozed", TUE)

    run_audit(settings, WED, store=opened)
    assert (exception(opened)["triage"], exception(opened)["snoozed_until"]) == ("none", None)
    assert history_of(opened, 1)["what"].to_list()[-1] == "snooze_expired"


def test_done_is_confirmed_by_the_next_run_that_finds_it_fixed(
    opened: Store, settings: Settings, audits: dict[dt.date, Audit]
) -> None:
    mark_done(opened, 1, "admin1", "RSR entered")
    audits[TUE] = fake_audit(TUE, examined={CHECK: [("X1", "")]})

    run_audit(settings, TUE, store=opened)

    assert (exception(opened)["status"], exception(opened)["triage"]) == ("resolved", "none")
    assert history_of(opened, 1)["what"].to_list() == [
        "opened", "done", "resolved", "done_confirmed",
    ]  # fmt: skip


def test_done_but_still_failing_goes_back_to_open_with_a_note(
    opened: Store, settings: Settings, audits: dict[dt.date, Audit]
) -> None:
    mark_done(opened, 1, "admin1")
    audits[TUE] = fake_audit(TUE, [finding("X1")])

    run_audit(settings, TUE, store=opened)

    assert (exception(opened)["status"], exception(opened)["triage"]) == ("open", "none")
    last = history_of(opened, 1).row(-1, named=True)
    assert (last["what"], last["comment"]) == (
        "done_still_failing",
        "marked done by admin1, but still failing",
    )


def test_a_persons_change_waits_for_a_runs_store_transaction(opened: Store) -> None:
    """A run reads the exceptions, then writes them: nobody may change one in between."""
    order: list[str] = []
    inside = threading.Event()

    def run_storing() -> None:
        with opened.writing(exclusive=True) as connection:
            connection.execute(select(StoredException.id)).all()
            inside.set()
            time.sleep(0.5)
            order.append("run committed")

    run = threading.Thread(target=run_storing)
    run.start()
    inside.wait(timeout=10)
    set_triage(opened, 1, "acknowledged", "spo1")
    order.append("triage written")
    run.join(timeout=10)

    assert order == ["run committed", "triage written"]


# --- the worklist's changes: versions, scope, disputes, assignment, comments -----------

SNOOZE_UNTIL = dt.date(2026, 1, 20)


@pytest.fixture
def teams(settings: Settings, store: Store, audits: dict[dt.date, Audit]) -> Store:
    """Exceptions 1 (X1, team N07T01), 2 and 3 (X2, X3, N07T02) and 4 (X4, no team)."""
    audits[MON] = fake_audit(MON, [
        finding("X1"), finding("X2", team_code="N07T02"), finding("X3", team_code="N07T02"),
        finding("X4", team_code=None, staff_code=None),
    ])  # fmt: skip
    run_audit(settings, MON, store=store)
    return store


def exceptions_and_history(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    contents = snapshot(store)
    return {name: contents[name] for name in ("exceptions", "exception_history")}


def triage_history(store: Store, exception_id: int = 1) -> list[tuple[Any, ...]]:
    """People's history rows: what, person, from_triage, to_triage."""
    frame = history_of(store, exception_id)
    frame = frame.filter(frame["person"].is_not_null())
    return [tuple(r) for r in frame.select("what", "person", "from_triage", "to_triage").rows()]


def test_each_change_moves_the_version_on(opened: Store) -> None:
    assert exception(opened)["version"] == 1

    assert set_triage(opened, 1, "acknowledged", "spo1", version=1) == 2
    assert mark_done(opened, 1, "admin1", version=2) == 3
    assert exception(opened)["version"] == 3


@pytest.mark.parametrize(
    "change",
    [
        lambda s: set_triage(s, 1, "snoozed", "om2", until=SNOOZE_UNTIL, version=1),
        lambda s: mark_done(s, 1, "om2", version=1),
        lambda s: apply(s, 1, "om2", assign_change(None, []), version=1),
        lambda s: apply(s, 1, "om2", comment_change("late"), version=1),
    ],
)
def test_a_change_made_on_a_stale_page_is_refused_and_writes_nothing(
    opened: Store, change: Any
) -> None:
    set_triage(opened, 1, "acknowledged", "spo1", version=1)
    before = exceptions_and_history(opened)

    with pytest.raises(ChangeConflict, match="after your page was loaded") as refused:
        change(opened)

    assert "spo1" in str(refused.value)  # who changed it
    assert exceptions_and_history(opened) == before


def test_a_change_without_a_version_is_made_whatever_the_version(opened: Store) -> None:
    set_triage(opened, 1, "acknowledged", "spo1", version=1)

    assert mark_done(opened, 1, "admin1") == 3


def test_a_comment_neither_needs_nor_moves_the_version(opened: Store) -> None:
    set_triage(opened, 1, "acknowledged", "spo1")

    assert apply(opened, 1, "om1", comment_change("called the OM")) == 2
    assert apply(opened, 1, "om1", comment_change("again"), version=2) == 2

    row = exception(opened)
    assert (row["version"], row["triage"], row["triage_by"]) == (2, "acknowledged", "spo1")
    assert people(opened)[-2:] == [("commented", "om1", "called the OM"),
                                   ("commented", "om1", "again")]  # fmt: skip


@pytest.mark.parametrize("text", [None, "", "   "])
def test_an_empty_comment_is_refused(opened: Store, text: str | None) -> None:
    with pytest.raises(TriageRefused, match="write a comment first"):
        comment_change(text)


def test_a_comment_may_go_on_a_resolved_exception(
    opened: Store, settings: Settings, audits: dict[dt.date, Audit]
) -> None:
    audits[TUE] = fake_audit(TUE, examined={CHECK: [("X1", "")]})
    run_audit(settings, TUE, store=opened)

    apply(opened, 1, "spo1", comment_change("fixed by the court"))

    assert people(opened) == [("commented", "spo1", "fixed by the court")]


def test_text_over_the_limit_is_refused(opened: Store) -> None:
    with pytest.raises(TriageRefused, match="keep it under"):
        set_triage(opened, 1, "acknowledged", "spo1", "x" * (MAX_TEXT + 1))

    assert exception(opened)["version"] == 1


@pytest.mark.parametrize(
    ("scope", "changed"),
    [
        (Scope(teams=frozenset({"N07T01"})), {1}),
        (Scope(teams=frozenset({"N07T02"})), {2, 3}),
        (Scope(teams=frozenset({"N07T01", "N07T02"})), {1, 2, 3}),
        (Scope(), set()),
        (EVERYTHING, {1, 2, 3, 4}),
    ],
)
def test_a_bulk_change_skips_what_is_outside_the_scope_as_not_found(
    teams: Store, scope: Scope, changed: set[int]
) -> None:
    before = exceptions_and_history(teams)

    outcomes = apply_many(teams, {1: None, 2: 1, 3: None, 4: 1, 99: None}, "spo1",
                          triage_change("acknowledged", None, None, None), scope=scope)  # fmt: skip

    assert {i for i, problem in outcomes.items() if problem is None} == changed
    assert all(
        outcomes[i] == f"there is no exception {i}" for i in (1, 2, 3, 4, 99) if i not in changed
    )
    after = exceptions_and_history(teams)
    untouched = [row for row in before["exceptions"] if row[0] not in changed]
    assert [row for row in after["exceptions"] if row[0] not in changed] == untouched
    assert {exception(teams, i)["triage"] for i in changed} <= {"acknowledged"}
    new_history = set(after["exception_history"]) - set(before["exception_history"])
    assert {row[1] for row in new_history} == changed  # exception_id


def test_one_scope_cannot_change_another_scopes_exception_one_at_a_time(teams: Store) -> None:
    before = exceptions_and_history(teams)

    for exception_id in (2, 3, 4):
        with pytest.raises(ExceptionNotFound, match=f"no exception {exception_id}"):
            mark_done(teams, exception_id, "spo1", scope=Scope(teams=frozenset({"N07T01"})))

    assert exceptions_and_history(teams) == before


def test_a_bulk_change_skips_a_stale_one_and_makes_the_rest(teams: Store) -> None:
    set_triage(teams, 2, "acknowledged", "om2")

    outcomes = apply_many(teams, {1: 1, 2: 1, 3: 1}, "spo1", done_change("all fixed"))

    assert outcomes[1] is None and outcomes[3] is None
    assert outcomes[2] is not None and "om2" in outcomes[2] and "page was loaded" in outcomes[2]
    assert [exception(teams, i)["triage"] for i in (1, 2, 3)] == ["done", "acknowledged", "done"]


def test_a_bulk_change_in_several_batches_equals_one_change_at_a_time(
    teams: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(triage, "BATCH", 2)
    set_triage(teams, 3, "acknowledged", "om2")
    change = assign_change("ada", ["ada"])

    outcomes = apply_many(teams, {4: 1, 1: 1, 99: None, 3: 1, 2: None}, "spo1", change)

    assert list(outcomes) == [4, 1, 99, 3, 2]
    assert [i for i, problem in outcomes.items() if problem is None] == [4, 1, 2]
    assert [exception(teams, i)["assigned_to"] for i in (1, 2, 3, 4)] == ["ada", "ada", None, "ada"]
    assert [exception(teams, i)["version"] for i in (1, 2, 3, 4)] == [2, 2, 2, 2]
    assigned = [i for i in (1, 2, 3, 4) if "assigned" in history_of(teams, i)["what"].to_list()]
    assert assigned == [1, 2, 4]


@pytest.mark.parametrize(
    ("upheld", "triage", "state", "what"),
    [
        (True, "disputed", "approved", "dispute_upheld"),
        (False, "none", "rejected", "dispute_rejected"),
    ],
)
def test_an_spo_upholds_or_rejects_a_pending_dispute(
    opened: Store, upheld: bool, triage: str, state: str, what: str
) -> None:
    set_triage(opened, 1, "disputed", "om1", reason="done on paper")
    assert exception(opened)["dispute_state"] == "pending"

    apply(opened, 1, "spo1", ruling_change(upheld, "checked the file"), version=2)

    row = exception(opened)
    assert (row["triage"], row["dispute_state"], row["version"]) == (triage, state, 3)
    assert triage_history(opened)[-1] == (what, "spo1", "disputed", triage)


@pytest.mark.parametrize(
    "before",
    [
        [],  # never disputed
        [("acknowledged", {})],
        [("disputed", {"reason": "x"}), ("rule", {"upheld": True})],  # already ruled on
        [("disputed", {"reason": "x"}), ("rule", {"upheld": False})],
    ],
)
def test_a_ruling_needs_a_pending_dispute(
    opened: Store, before: list[tuple[str, dict[str, Any]]]
) -> None:
    for state, options in before:
        if state == "rule":
            apply(opened, 1, "spo1", ruling_change(options["upheld"], None))
        else:
            set_triage(opened, 1, state, "om1", **options)  # type: ignore[arg-type]
    stored = exceptions_and_history(opened)

    for upheld in (True, False):
        with pytest.raises(TriageRefused, match="no dispute waiting for a ruling"):
            apply(opened, 1, "spo1", ruling_change(upheld, None))

    assert exceptions_and_history(opened) == stored


def test_an_exception_is_assigned_only_to_an_enabled_admin(opened: Store) -> None:
    add_user(opened, "ada", "Ada", "admin", password=None, all_scope=True)
    add_user(opened, "dan", "Dan", "admin", password=None, all_scope=True)
    set_disabled(opened, "dan")
    add_user(opened, "sam", "Sam", "spo", password=None, staff_code="N07S001")
    with opened.reading() as connection:
        admins = [name for name, _ in active_admins(connection)]

    for nobody in ("dan", "sam", "eve"):
        with pytest.raises(TriageRefused, match=f"'{nobody}' is not an enabled admin"):
            assign_change(nobody, admins)
    apply(opened, 1, "spo1", assign_change("ada", admins))
    assert exception(opened)["assigned_to"] == "ada"
    apply(opened, 1, "spo1", assign_change(None, admins))
    assert exception(opened)["assigned_to"] is None
    assert people(opened) == [("assigned", "spo1", "assigned to ada"),
                              ("assigned", "spo1", "unassigned")]  # fmt: skip


def test_assigning_leaves_the_triage_as_it_was(opened: Store) -> None:
    set_triage(opened, 1, "acknowledged", "spo1")

    apply(opened, 1, "admin2", assign_change("ada", ["ada"]))

    row = exception(opened)
    assert (row["triage"], row["triage_by"], row["assigned_to"]) == ("acknowledged", "spo1", "ada")


def test_each_persons_change_records_the_triage_before_and_after_and_who(opened: Store) -> None:
    set_triage(opened, 1, "acknowledged", "om1")
    set_triage(opened, 1, "snoozed", "om2", until=SNOOZE_UNTIL)
    apply(opened, 1, "spo1", comment_change("why?"))
    mark_done(opened, 1, "admin1")
    set_triage(opened, 1, "none", "spo1")

    assert triage_history(opened) == [
        ("acknowledged", "om1", "none", "acknowledged"),
        ("snoozed", "om2", "acknowledged", "snoozed"),
        ("commented", "spo1", "snoozed", "snoozed"),
        ("done", "admin1", "snoozed", "done"),
        ("triage_cleared", "spo1", "done", "none"),
    ]
    runs = history_of(opened, 1).filter(pl.col("person").is_null())
    assert runs["from_triage"].to_list() == [None] and runs["what"].to_list() == ["opened"]
