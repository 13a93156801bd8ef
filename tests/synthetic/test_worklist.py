"""People working the demo's list between runs: who does what to which exception."""

from __future__ import annotations

import datetime as dt

import polars as pl

from auditor.synthetic.worklist import Rates, plan_triage

DAY = dt.date(2026, 11, 24)
ALL = Rates(done=1.0, acknowledged=1.0, snoozed=1.0, disputed=1.0)


def open_exceptions(*rows: tuple[int, str, dt.date, str, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "exception_id": pl.Int64,
            "crn": pl.String,
            "first_seen": pl.Date,
            "triage": pl.String,
            "team_code": pl.String,
        },
        orient="row",
    ).with_columns(spo_staff_code=pl.when(pl.col("team_code").is_not_null()).then(pl.lit("S1")))


def fixed(*crns: str) -> pl.DataFrame:
    return pl.DataFrame({"crn": list(crns)}, schema={"crn": pl.String})


def test_each_kind_of_exception_gets_its_change() -> None:
    frame = open_exceptions(
        (1, "A000001", DAY - dt.timedelta(days=9), "none", "N07T01"),  # fixed tomorrow
        (2, "A000002", DAY, "none", "N07T01"),  # new today
        (3, "A000003", DAY - dt.timedelta(days=9), "none", None),  # older, unowned
        (4, "A000004", DAY, "snoozed", "N07T01"),  # already triaged
    )
    plan = {p.exception_id: p for p in plan_triage(frame, fixed("A000001"), DAY, 1, ALL)}

    assert set(plan) == {1, 2, 3}
    assert (plan[1].action, plan[1].person, plan[1].comment) == (
        "done", "admin.n07t01", "updated in nDelius"
    )  # fmt: skip
    assert (plan[2].action, plan[2].person) == ("acknowledged", "S1")
    # an older one is snoozed (the first pick wins over a dispute), by the team's admin
    # when there is no SPO
    assert (plan[3].action, plan[3].until, plan[3].person) == (
        "snoozed", DAY + dt.timedelta(days=14), "admin.unowned"
    )  # fmt: skip


def test_a_dispute_has_a_reason() -> None:
    frame = open_exceptions((5, "A000005", DAY - dt.timedelta(days=3), "none", "N07T01"))
    only_disputes = Rates(done=0, acknowledged=0, snoozed=0, disputed=1.0)
    (change,) = plan_triage(frame, fixed(), DAY, 1, only_disputes)
    assert change.action == "disputed" and change.reason


def test_shares_are_roughly_kept_and_the_plan_is_repeatable() -> None:
    rows = [(n, f"A{n:06d}", DAY, "none", "N07T01") for n in range(1, 4001)]
    frame = open_exceptions(*rows)
    plan = plan_triage(frame, fixed(), DAY, 7)
    acknowledged = sum(p.action == "acknowledged" for p in plan)
    assert 900 < acknowledged < 1100  # 25 % of the new ones
    assert plan == plan_triage(frame, fixed(), DAY, 7)
    assert plan != plan_triage(frame, fixed(), DAY + dt.timedelta(days=1), 7)
