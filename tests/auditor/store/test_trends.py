"""Every trends figure equals the same figure worked out with plain SQL from the store's
tables (check_counts, team_run_totals, exceptions, measures, runs), on SQLite and
PostgreSQL: on hand-built stores with known answers (a team with no cases, a check
disabled half-way, a rule change, a reopen) and on a store filled by the demo's runs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text

from auditor.calendar import working_days_after
from auditor.config import StoreSettings, parse_settings
from auditor.demo import DemoPlan, run_demo
from auditor.store.database import Store, open_store
from auditor.store.scope import EVERYTHING, Scope
from auditor.store.trends import Selection
from auditor.trend_figures import Trends, age_band, nearest_rank, trends
from tests.auditor.trend_stores import DAYS, WHOLE, build_store


@pytest.fixture
def built(store: Store) -> Store:
    build_store(store)
    return store


def figures(store: Store, scope: Scope = EVERYTHING, **chosen: Any) -> Trends:
    with store.reading() as connection:
        return trends(connection, Selection(scope, *WHOLE, **chosen))


# --- known answers ---------------------------------------------------------------------


def test_the_rate_is_open_exceptions_per_100_active_cases(built: Store) -> None:
    rates = [point.rate for point in figures(built).rate]

    assert rates == pytest.approx([100 * 12 / 80, 100 * 11 / 80, 100 * 8 / 80, 100 * 3 / 80])


def test_a_team_with_no_cases_has_no_rate_and_one_with_no_exceptions_has_zero(
    built: Store,
) -> None:
    league = {row.team: row for row in figures(built, provider="P2").league}

    assert league["T3"].rate is None and league["T3"].first_rate is None
    assert league["T4"].rate == 0 and league["T4"].change == 0
    assert league["T3"].oldest_days == working_days_after(dt.date(2026, 6, 1), DAYS[-1])


def test_a_check_disabled_half_way_drops_to_zero_and_the_change_is_marked(built: Store) -> None:
    found = figures(built)
    a_open = [point.open for point in found.by_check["A"]]

    assert a_open == [4, 3, 0, 0]
    assert [(c.as_of, c.checks) for c in found.changes] == [
        (DAYS[2], ("rsr_missing",)),
        (DAYS[3], ("allocation_unrecorded",)),
    ]


def test_a_reopen_counts_as_inflow_and_in_the_reopen_rate(built: Store) -> None:
    found = figures(built)
    fixes = {fix.check: fix for fix in found.fixes}

    assert [(f.week, f.inflow, f.outflow) for f in found.flows] == [
        (DAYS[0], 13, 2), (DAYS[2], 2, 4)
    ]  # fmt: skip
    assert (fixes["B"].reopened, fixes["B"].resolutions, fixes["B"].reopen_rate) == (1, 5, 20.0)
    assert (fixes["B"].resolved, fixes["B"].median, fixes["B"].p90) == (2, 1, 8)


def test_the_spo_scope_and_a_team_see_only_their_rows(built: Store) -> None:
    found = figures(built, Scope(teams=frozenset({"T2"})))

    assert [p.rate for p in found.rate] == pytest.approx([0, 0, 10.0, 10.0])
    assert [row.team for row in found.league] == ["T2"]
    assert dict(found.ageing)["6-20"] == 0 and sum(c for _, c in found.ageing) == 1
    assert [p[1:3] for p in found.measures[0].points] == [(1, 2)] * 4


def test_the_measures_are_summed_at_the_selection_s_level(built: Store) -> None:
    national = figures(built).measures[0]
    provider = figures(built, Scope(providers=frozenset({"P2"}))).measures[0]

    assert [p[3] for p in national.points] == pytest.approx([80.0, 90.0, 100.0, 110.0])
    assert [p[1:3] for p in provider.points] == [(3, 3), (4, 4), (5, 5), (6, 6)]
    assert national.references == [(50.0, "")]


def test_nearest_rank_and_age_bands() -> None:
    assert nearest_rank([1, 2, 3, 4], 0.5) == 2
    assert nearest_rank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert nearest_rank([], 0.5) is None
    assert [age_band(d) for d in (0, 5, 6, 20, 21, 60, 61)] == [
        "0-5", "0-5", "6-20", "6-20", "21-60", "21-60", "over-60"
    ]  # fmt: skip


# --- against plain SQL -----------------------------------------------------------------


def sql(connection: Connection, query: str, **params: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in connection.execute(text(query), params)]


def expected_rates(connection: Connection, provider: str | None) -> list[float | None]:
    where = "" if provider is None else "AND t.provider_code = :provider"
    opened = dict(sql(connection, f"""
        SELECT c.run_id, SUM(c.open) FROM check_counts c
        JOIN team_run_totals t ON t.run_id = c.run_id
         AND COALESCE(t.team_code, '') = COALESCE(c.team_code, '')
        WHERE 1 = 1 {where} GROUP BY c.run_id""", provider=provider))  # fmt: skip
    cases = dict(sql(connection, f"""
        SELECT t.run_id, SUM(t.active_persons) FROM team_run_totals t
        WHERE 1 = 1 {where} GROUP BY t.run_id""", provider=provider))  # fmt: skip
    runs = sql(connection, "SELECT id FROM runs WHERE status = 'succeeded' ORDER BY as_of, id")
    return [None if not cases.get(r) else 100 * (opened.get(r) or 0) / cases[r] for (r,) in runs]


def expected_fixes(connection: Connection, since: dt.date, until: dt.date) -> dict[str, Any]:
    rows = sql(connection, """SELECT "check", first_seen, resolved_on FROM exceptions
               WHERE status = 'resolved' AND resolved_on >= :since AND resolved_on <= :until""",
               since=since, until=until)  # fmt: skip
    days: dict[str, list[int]] = defaultdict(list)
    for check, first, resolved in rows:
        days[check].append((_date(resolved) - _date(first)).days)
    return {c: (len(v), nearest_rank(sorted(v), 0.5), nearest_rank(sorted(v), 0.9))
            for c, v in days.items()}  # fmt: skip


def expected_ageing(connection: Connection, until: dt.date) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for (first,) in sql(connection, "SELECT first_seen FROM exceptions WHERE status = 'open'"):
        counts[age_band(working_days_after(_date(first), until))] += 1
    return dict(counts)


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def assert_agrees_with_sql(store: Store, since: dt.date, until: dt.date) -> None:
    with store.reading() as connection:
        for provider in (None, *[p for (p,) in sql(connection,
                         "SELECT DISTINCT provider_code FROM team_run_totals "
                         "WHERE provider_code IS NOT NULL")]):  # fmt: skip
            chosen = Selection(EVERYTHING, since, until, provider=provider)
            assert [p.rate for p in trends(connection, chosen).rate] == pytest.approx(
                expected_rates(connection, provider), nan_ok=True
            ), provider
        found = trends(connection, Selection(EVERYTHING, since, until))
        measured = sql(
            connection,
            """SELECT m.met, m.eligible FROM measures m
                       JOIN runs r ON r.id = m.run_id WHERE m.level = 'national'
                       AND m.measure = 'rsr_score_recorded' ORDER BY r.as_of, r.id""",
        )
        fixes = expected_fixes(connection, since, until)
        ageing = expected_ageing(connection, until)
    assert {f.check: (f.resolved, f.median, f.p90) for f in found.fixes if f.resolved} == fixes
    assert {band: count for band, count in found.ageing if count} == ageing
    rsr = next(m for m in found.measures if m.key == "rsr_score_recorded")
    assert [p[1:3] for p in rsr.points] == measured


def test_hand_built_figures_agree_with_sql(built: Store) -> None:
    assert_agrees_with_sql(built, *WHOLE)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder: Path = tmp_path_factory.mktemp("trends") / "demo"
    run_demo(parse_settings({}), DemoPlan(folder, persons=500, seed=3, days=8,
                                          end=dt.date(2026, 11, 27)))  # fmt: skip
    return open_store(StoreSettings(url=f"sqlite:///{folder / 'auditor.db'}"))


def test_demo_figures_agree_with_sql(demo_store: Store) -> None:
    assert_agrees_with_sql(demo_store, dt.date(2026, 1, 1), dt.date(2026, 11, 27))
    with demo_store.reading() as connection:
        found = trends(
            connection, Selection(EVERYTHING, dt.date(2026, 1, 1), dt.date(2026, 11, 27))
        )
    assert len(found.rate) == 8 and found.league and found.measures and found.fixes
    assert found.latest is not None and found.latest.cases and found.latest.rate


def test_demo_run_records_its_cases_and_configuration(demo_store: Store) -> None:
    with demo_store.reading() as connection:
        unrecorded = sql(connection, "SELECT COUNT(*) FROM runs WHERE config_fingerprint IS NULL")
        persons = sql(
            connection,
            """SELECT SUM(active_persons) FROM team_run_totals
                      WHERE run_id = (SELECT MAX(id) FROM runs)""",
        )
        totals = sql(
            connection,
            """SELECT SUM(open) FROM provider_check_totals
                     WHERE run_id = (SELECT MAX(id) FROM runs)""",
        )
        counted = sql(
            connection,
            """SELECT SUM(open) FROM check_counts
                      WHERE run_id = (SELECT MAX(id) FROM runs)""",
        )
        by_provider = sql(
            connection,
            """SELECT run_id, provider_code, active_persons, open,
                          new, reopened, resolved FROM provider_run_totals
                          ORDER BY run_id, provider_code""",
        )
        summed = sql(
            connection,
            """SELECT run_id, provider_code, SUM(active_persons),
                     SUM(open), SUM(new), SUM(reopened), SUM(resolved) FROM team_run_totals
                     GROUP BY run_id, provider_code ORDER BY run_id, provider_code""",
        )
    assert by_provider == summed and len(summed) >= 8
    assert unrecorded == [(0,)]
    assert 0 < persons[0][0] <= 500
    assert totals == counted


def test_runs_recorded_before_the_trends_show_their_counts_and_no_rate(store_url: str) -> None:
    from auditor.store import migrations

    opened = open_store(StoreSettings(url=store_url))
    migrations.upgrade(opened.engine, "0003")
    with opened.writing() as connection:
        connection.execute(text(
            "INSERT INTO runs (id, as_of, started_at, finished_at, source, status) VALUES "
            "(1, '2026-11-02', '2026-11-02 06:00:00', '2026-11-02 06:01:00', 'old', 'succeeded')"
        ))  # fmt: skip
        connection.execute(text(
            "INSERT INTO check_counts (run_id, \"check\", team_code, open, new, still_open, "
            "reopened, resolved, record_missing, unconfirmed) VALUES "
            "(1, 'B', 'T1', 5, 5, 0, 0, 0, 0, 0), (1, 'A', 'T1', 2, 2, 0, 0, 0, 0, 0)"
        ))  # fmt: skip
    opened.upgrade()

    found = figures(opened)
    opened.dispose()

    assert [(p.open, p.cases, p.rate) for p in found.rate] == [(7, None, None)]
    assert [(f.inflow, f.outflow) for f in found.flows] == [(7, 0)]
    assert found.changes == ()
