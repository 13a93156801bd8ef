"""The trends page for each role: the numbers it shows (headlines, tables, CSV) equal
the same figures worked out with plain SQL from the store's tables; its selection is
read from the URL and scoped to the user; its charts are SVG with labelled axes; its
bars and teams open the worklist with that filter."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from auditor.store.database import Store
from auditor.store.users import add_user
from auditor.trend_tables import cell
from tests.auditor.trend_stores import DAYS, build_store
from tests.web.stores import PASSWORD, Browsers

ROLES: dict[str, tuple[str, dict[str, Any]]] = {
    "boss": ("senior_manager", {"all_scope": True}),
    "pat": ("senior_manager", {"providers": ["P2"]}),
    "ann": ("admin", {"teams": ["T1"]}),
    "sid": ("spo", {"staff_code": "ST2"}),
    "sys": ("sysadmin", {}),
}


@pytest.fixture
def site(store: Store, fast_passwords: None, browsers: Browsers) -> dict[str, TestClient]:
    build_store(store)
    for name, (role, options) in ROLES.items():
        add_user(store, name, name.capitalize(), role, password=PASSWORD, **options)
    return {name: browsers.signed_in(name) for name in ROLES}


def sql(store: Store, query: str, **params: Any) -> list[tuple[Any, ...]]:
    with store.reading() as connection:
        return [tuple(row) for row in connection.execute(text(query), params)]


def headline(html: str, name: str) -> str:
    found = re.search(rf'id="headline-{name}">([^<]*)<', html)
    assert found is not None, name
    return found.group(1)


def expected_latest(store: Store, teams: list[str] | None) -> tuple[int, int]:
    """(open, active persons) at the latest run, from check_counts and team_run_totals."""
    where = "" if teams is None else "AND team_code IN ({})".format(
        ", ".join(f"'{t}'" for t in teams)
    )  # fmt: skip
    latest = "(SELECT MAX(id) FROM runs WHERE status = 'succeeded')"
    opened = sql(store, f"SELECT SUM(open) FROM check_counts WHERE run_id = {latest} {where}")
    cases = sql(store, f"SELECT SUM(active_persons) FROM team_run_totals "
                       f"WHERE run_id = {latest} {where}")  # fmt: skip
    return int(opened[0][0] or 0), int(cases[0][0])


@pytest.mark.parametrize(
    ("user", "teams"), [("boss", None), ("pat", ["T3", "T4"]), ("ann", ["T1"]), ("sid", ["T2"])]
)
def test_the_headlines_are_the_latest_run_s_figures_in_the_user_s_scope(
    site: dict[str, TestClient], store: Store, user: str, teams: list[str] | None
) -> None:
    page = site[user].get("/trends")
    opened, cases = expected_latest(store, teams)

    assert page.status_code == 200
    assert headline(page.text, "open") == cell(opened)
    assert headline(page.text, "cases") == cell(cases)
    assert headline(page.text, "rate") == cell(100 * opened / cases)


def test_the_rate_csv_has_every_run_s_figures(site: dict[str, TestClient], store: Store) -> None:
    rows = list(csv.reader(io.StringIO(site["boss"].get("/trends/data/rate.csv").text)))
    opened = dict(sql(store, "SELECT run_id, SUM(open) FROM check_counts GROUP BY run_id"))
    cases = dict(sql(store, "SELECT run_id, SUM(active_persons) FROM team_run_totals "
                            "GROUP BY run_id"))  # fmt: skip

    assert rows[0] == ["As-of date", "Open exceptions", "Active cases", "Per 100 cases"]
    assert [(r[0], int(r[1]), int(r[2]), float(r[3])) for r in rows[1:]] == [
        (day.isoformat(), opened[run], cases[run], pytest.approx(100 * opened[run] / cases[run]))
        for run, day in enumerate(DAYS, start=1)
    ]


def test_the_league_and_flows_csv_agree_with_sql(site: dict[str, TestClient], store: Store) -> None:
    league = list(csv.DictReader(io.StringIO(site["boss"].get("/trends/data/league.csv").text)))
    flows = list(csv.reader(io.StringIO(site["boss"].get("/trends/data/flows.csv").text)))
    t1 = sql(store, "SELECT SUM(c.open), MAX(t.active_persons) FROM check_counts c JOIN "
                    "team_run_totals t ON t.run_id = c.run_id AND t.team_code = c.team_code "
                    "WHERE c.run_id = 4 AND c.team_code = 'T1'")[0]  # fmt: skip
    week_two = sql(store, "SELECT SUM(new + reopened), SUM(resolved) FROM check_counts "
                          "WHERE run_id IN (3, 4)")[0]  # fmt: skip

    by_team = {row["Team"]: row for row in league}
    assert float(by_team["T1"]["Per 100 cases"]) == pytest.approx(100 * t1[0] / t1[1])
    assert by_team["T3"]["Per 100 cases"] == ""  # no cases: no rate
    assert float(by_team["T4"]["Per 100 cases"]) == 0
    assert flows[2][1:] == [str(week_two[0]), str(week_two[1])]


def test_the_page_shows_the_settings_changes_and_the_worklist_links(
    site: dict[str, TestClient],
) -> None:
    page = site["boss"].get("/trends").text

    assert "rsr_missing" in page and "allocation_unrecorded" in page  # the two changes
    assert 'href="/exceptions?team=T1&amp;triage=all"' in page
    assert 'href="/exceptions?check=B&amp;triage=all"' in page
    assert '<area shape="rect"' in page and 'href="/exceptions?triage=all&amp;age=0-5"' in page
    assert '<a class="govuk-service-navigation__link" href="/trends"' in page


def test_an_ageing_bar_opens_the_same_exceptions_in_the_worklist(
    site: dict[str, TestClient],
) -> None:
    page = site["ann"].get("/trends").text
    band = re.search(r'href="(/exceptions\?triage=all&amp;age=6-20)"', page)
    shown = re.search(r">([\d,]+) open 6 to 20 working days<", page)
    assert band is not None and shown is not None

    listed = site["ann"].get(band.group(1).replace("&amp;", "&")).text
    count = re.search(r'id="result-count">([\d,]+) exception', listed)

    assert count is not None and count.group(1) == shown.group(1) == "1"


def test_the_selection_outside_the_scope_is_dropped_with_a_message(
    site: dict[str, TestClient],
) -> None:
    page = site["sid"].get("/trends?team=T1&period=5y&check=nope").text

    assert "team &#39;T1&#39; is not one of your choices" in page
    assert "period &#39;5y&#39; is not one of" in page
    assert "check &#39;nope&#39;" in page
    assert 'href="/exceptions?team=T1' not in page


def test_a_sysadmin_sees_no_trends_and_a_stranger_signs_in(
    site: dict[str, TestClient], browsers: Browsers
) -> None:
    assert site["sys"].get("/trends").status_code == 403
    assert site["sys"].get("/trends/charts/rate.svg").status_code == 403
    assert browsers.new().get("/trends").status_code == 303


@pytest.mark.parametrize(
    "name", ["rate", "by-check", "by-team", "flows", "ageing", "fix", "measures"]
)
def test_each_chart_is_an_svg_with_labelled_axes(site: dict[str, TestClient], name: str) -> None:
    response = site["boss"].get(f"/trends/charts/{name}.svg")

    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.text.startswith("<?xml") and "<svg" in response.text
    labels = {"rate": "As-of date of the run", "flows": "Exceptions per week",
              "ageing": "Working days open", "fix": "Calendar days from first seen",
              "by-check": "per 100 active cases", "measures": "% of events",
              "by-team": "As-of date of the week"}  # fmt: skip
    assert labels[name] in response.text


def test_an_unknown_chart_or_table_is_not_found(site: dict[str, TestClient]) -> None:
    assert site["boss"].get("/trends/charts/nope.svg").status_code == 404
    assert site["boss"].get("/trends/data/nope.csv").status_code == 404


def test_a_new_run_shows_at_once(site: dict[str, TestClient], store: Store) -> None:
    before = headline(site["boss"].get("/trends").text, "open")
    with store.writing() as connection:
        connection.execute(text(
            "INSERT INTO runs (id, as_of, started_at, finished_at, source, status) "
            "VALUES (5, '2026-11-11', '2026-11-11 06:00:00', '2026-11-11 06:01:00', 't', "
            "'succeeded')"))  # fmt: skip
        connection.execute(text(
            "INSERT INTO team_run_totals (run_id, team_code, provider_code, active_persons, "
            "active_events, open, new, reopened, resolved) "
            "VALUES (5, 'T1', 'P1', 80, 80, 40, 38, 0, 0)"))  # fmt: skip
        connection.execute(text(
            "INSERT INTO provider_run_totals (run_id, provider_code, active_persons, "
            "active_events, open, new, reopened, resolved) "
            "VALUES (5, 'P1', 80, 80, 40, 38, 0, 0)"))  # fmt: skip

    after = site["boss"].get("/trends").text

    assert before == cell(3) and headline(after, "open") == cell(40)
    assert headline(after, "rate") == cell(50.0)


def test_the_by_team_csv_is_the_weekly_rate_of_the_teams_shown(
    site: dict[str, TestClient], store: Store
) -> None:
    rows = list(csv.reader(io.StringIO(site["boss"].get("/trends/data/by-team.csv").text)))
    t1 = dict(sql(store, "SELECT c.run_id, 100.0 * SUM(c.open) / MAX(t.active_persons) "
                         "FROM check_counts c JOIN team_run_totals t ON t.run_id = c.run_id "
                         "AND t.team_code = c.team_code WHERE c.team_code = 'T1' "
                         "GROUP BY c.run_id"))  # fmt: skip

    # the highest rate first; T3 has no case, so no line
    assert rows[0] == ["Week's last run"] + [f"T{n} per 100 cases" for n in (2, 1, 4)]
    assert [(r[0], float(r[2])) for r in rows[1:]] == [
        (DAYS[1].isoformat(), pytest.approx(t1[2])), (DAYS[3].isoformat(), pytest.approx(t1[4]))
    ]  # fmt: skip
