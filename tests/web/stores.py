"""A small world of known content for the worklist's tests, and signed-in browsers.

``build_world(store, seed)`` puts into a store one run (as of AS_OF), a directory of
three providers and twelve teams (some SPOs manage teams of two providers, one team
has no SPO) and a few hundred random exceptions across every team, plus unowned ones
(no team) and strays (a team the directory does not know). It returns the rows it
wrote, so that tests can work out the right answer in plain Python (``expected``,
``visible_ids``, ``facet_counts``) and compare it with what the store or the app says.

``people`` adds one user of each kind (USERS); ``browsers`` makes TestClients on
``build_app`` and signs them in through the login form, as a person would.

tests/web/conftest.py imports these fixtures; tests/auditor/store imports the helpers.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import insert
from starlette.testclient import TestClient

import auditor.store.users
from auditor.calendar import working_days_after
from auditor.config import Settings, parse_settings
from auditor.store.database import Store
from auditor.store.directory import PERSONS, STAFF, TEAMS
from auditor.store.models import HistoryEntry, Run
from auditor.store.scope import EXCEPTIONS, Scope
from auditor.store.users import UserRecord, add_user, create_api_token, set_disabled
from auditor.store.worklist import AGE_BANDS, FACETS, NO_DATE, Filters
from auditor.web.app import build_app
from tests.auditor.stores import store, store_url

__all__ = ["browsers", "fast_passwords", "people", "store", "store_url", "world"]

AS_OF = dt.date(2026, 1, 5)  # a Monday, just after Christmas and New Year's Day
PROVIDERS = {"N01": "North", "N02": "South", "N03": "East"}
SPOS = {
    "N01T01": "N01S001", "N01T02": "N01S001", "N01T03": "N01S002", "N01T04": "N01S002",
    "N02T01": "N02S001", "N02T02": "N02S001", "N03T01": "N02S001", "N02T03": "N02S002",
    "N02T04": "N03S001", "N03T02": "N03S001", "N03T03": "N03S001", "N03T04": None,
}  # fmt: skip
TEAM_PROVIDER = {team: team[:3] for team in SPOS}
STRAY_TEAM = "Z99T99"  # on some exceptions, not in the directory
CHECKS = ("rsr_missing", "oasys_overdue", "mappa_flag_missing", "home_visit_missing",
          "flag_review_overdue")  # fmt: skip
ADMINS = ("ada", "tom", "pam")
PASSWORD = "correct horse battery staple"
RANK = {"high": 0, "medium": 1, "low": 2}

# name: (role, add_user options); every one's password is PASSWORD
USERS: dict[str, tuple[str, dict[str, Any]]] = {
    "ada": ("admin", {"all_scope": True}),
    "tom": ("admin", {"teams": ["N01T01"]}),
    "pam": ("admin", {"providers": ["N02"]}),
    "tia": ("admin", {"teams": ["N03T02", "N01T04"]}),
    "sam": ("spo", {"staff_code": "N01S001"}),
    "sue": ("spo", {"staff_code": "N02S001"}),  # teams in N02 and N03
    "meg": ("senior_manager", {"providers": ["N01"]}),
    "max": ("senior_manager", {"all_scope": True}),
    "sys": ("sysadmin", {}),
    "dan": ("admin", {"all_scope": True}),  # disabled by the fixture
}


@dataclass
class World:
    """What build_world wrote: exception rows (as dicts) and the persons' providers."""

    rows: list[dict[str, Any]]
    person_provider: dict[str, str | None]
    names: dict[str, tuple[str, str]] = field(default_factory=dict)

    def by_id(self, exception_id: int) -> dict[str, Any]:
        return next(row for row in self.rows if row["id"] == exception_id)

    @property
    def ids(self) -> set[int]:
        return {row["id"] for row in self.rows}


def exception_row(exception_id: int, **values: Any) -> dict[str, Any]:
    """One row of the exceptions table: an open, untriaged exception unless told."""
    row = {
        "id": exception_id, "check": "rsr_missing", "crn": f"X{exception_id:06d}",
        "subject": str(exception_id), "severity": "medium", "reason": f"reason {exception_id}",
        "due_date": None, "staff_code": "N01T01A", "team_code": "N01T01",
        "spo_staff_code": "N01S001", "status": "open", "first_seen": AS_OF, "last_seen": AS_OF,
        "resolved_on": None, "reopen_count": 0, "triage": "none", "snoozed_until": None,
        "dispute_reason": None, "triage_by": None, "triage_at": None, "assigned_to": None,
        "dispute_state": None, "version": 1,
    }  # fmt: skip
    return row | values


def random_rows(seed: int, size: int) -> tuple[list[dict[str, Any]], dict[str, str | None]]:
    """Random exceptions across every team, and the providers of their persons."""
    pick = random.Random(seed)
    crns = [f"X{n:06d}" for n in range(1, size // 5 + 3)]
    person_provider = {crn: pick.choice([*PROVIDERS, None]) for crn in crns[:-2]}  # the last
    rows = []  # two persons are not in the directory
    for exception_id in range(1, size + 1):
        crn = pick.choice(crns)
        team = pick.choices([*SPOS, None, STRAY_TEAM], weights=[8] * len(SPOS) + [10, 3])[0]
        triage = pick.choices(["none", "acknowledged", "snoozed", "disputed", "done"],
                              weights=[5, 2, 1, 2, 1])[0]  # fmt: skip
        status = pick.choices(["open", "resolved", "record_missing", "unconfirmed"],
                              weights=[7, 1, 1, 1])[0]  # fmt: skip
        first_seen = AS_OF - dt.timedelta(days=pick.randrange(0, 130))
        due = None if pick.random() < 0.2 else AS_OF + dt.timedelta(days=pick.randrange(-60, 30))
        rows.append(exception_row(
            exception_id, check=pick.choice(CHECKS), crn=crn,
            severity=pick.choice(list(RANK)), due_date=due, team_code=team,
            staff_code=None if team is None or pick.random() < 0.1 else f"{team}A",
            spo_staff_code=SPOS.get(team or ""), status=status, first_seen=first_seen,
            resolved_on=AS_OF if status == "resolved" else None, triage=triage,
            snoozed_until=AS_OF + dt.timedelta(days=7) if triage == "snoozed" else None,
            dispute_reason="not ours" if triage == "disputed" else None,
            dispute_state=pick.choice(["pending", "approved"]) if triage == "disputed" else None,
            assigned_to=pick.choice([None, None, *ADMINS]), version=pick.randrange(1, 4),
        ))  # fmt: skip
    return rows, person_provider


def build_world(store: Store, seed: int = 0, size: int = 400) -> World:
    """A run as of AS_OF, the directory, and ``size`` random exceptions (ids 1..size)."""
    rows, person_provider = random_rows(seed, size)
    world = World(rows, person_provider)
    world.names = {crn: (f"Pat{crn[-3:]}", f"Person{crn[-3:]}") for crn in person_provider}
    put_directory(store, world)
    put_exceptions(store, rows)
    return world


def put_directory(store: Store, world: World) -> None:
    teams = [{"team_code": team, "team_name": f"Team {team}", "provider_code": provider,
              "provider_name": PROVIDERS[provider], "spo_staff_code": SPOS[team]}
             for team, provider in TEAM_PROVIDER.items()]  # fmt: skip
    staff = [{"staff_code": f"{team}A", "forename": "Olive", "surname": f"Officer{team}",
              "email": None, "team_code": team} for team in SPOS]  # fmt: skip
    persons = [{"crn": crn, "forename": world.names.get(crn, ("A", "B"))[0],
                "surname": world.names.get(crn, ("A", "B"))[1], "provider_code": provider}
               for crn, provider in world.person_provider.items()]  # fmt: skip
    with store.writing() as connection:
        connection.execute(insert(TEAMS), teams)
        connection.execute(insert(STAFF), staff)
        if persons:
            connection.execute(insert(PERSONS), persons)


def put_exceptions(store: Store, rows: list[dict[str, Any]]) -> None:
    """The run as of AS_OF (when there is none yet), the rows, and an "opened" history
    row for each."""
    at = dt.datetime.combine(AS_OF, dt.time(6), tzinfo=dt.UTC)
    with store.writing() as connection:
        if connection.scalar(Run.__table__.select().with_only_columns(Run.id).limit(1)) is None:
            run = {"id": 1, "as_of": AS_OF, "started_at": at, "finished_at": at,
                   "source": "tests", "status": "succeeded", "error": None}  # fmt: skip
            connection.execute(insert(Run), [run])
        connection.execute(insert(EXCEPTIONS), rows)
        opened = {"at": at, "run_id": 1, "what": "opened", "to_status": "open"}
        history = [{"exception_id": r["id"], **opened} for r in rows]
        connection.execute(insert(HistoryEntry), history)


# --- the right answers, worked out in plain Python over the rows written --------------


def triage_view(row: dict[str, Any]) -> str:
    upheld = row["triage"] == "disputed" and row["dispute_state"] == "approved"
    return "false_positive" if upheld else row["triage"]


def provider_of(world: World, row: dict[str, Any]) -> str | None:
    """The provider an exception belongs to: its team's, or its person's when it has none."""
    if row["team_code"] is None:
        return world.person_provider.get(row["crn"])
    return TEAM_PROVIDER.get(row["team_code"])


def visible_ids(world: World, scope: Scope) -> set[int]:
    """The exceptions a scope may see, by the rule (auditor/store/scope.py)."""
    managed = {team for team, spo in SPOS.items() if spo is not None and spo == scope.spo}

    def sees(row: dict[str, Any]) -> bool:
        team = row["team_code"]
        return (
            scope.everything
            or team in scope.teams
            or team in managed
            or provider_of(world, row) in scope.providers
        )

    return {row["id"] for row in world.rows if sees(row)}


def facet_value(world: World, row: dict[str, Any], name: str) -> str:
    value = {"provider": provider_of(world, row), "team": row["team_code"],
             "check": row["check"], "severity": row["severity"], "status": row["status"],
             "triage": triage_view(row)}[name]  # fmt: skip
    return value or ""


def matches(world: World, row: dict[str, Any], filters: Filters, skip: str | None = None) -> bool:
    """Whether a row passes every filter (but the facet ``skip``)."""
    for name in FACETS:
        chosen = filters.facet(name)
        if name != skip and chosen and facet_value(world, row, name) not in chosen:
            return False
    due, first = row["due_date"], row["first_seen"]
    if filters.age_band is not None:
        low, high = AGE_BANDS[filters.age_band]
        if not low <= working_days_after(first, AS_OF) <= (high if high is not None else 10**6):
            return False
    return (
        (not filters.crn or row["crn"].startswith(filters.crn.upper()))
        and (not filters.officers or row["staff_code"] in filters.officers)
        and (filters.new_since is None or first >= filters.new_since)
        and (not filters.overdue or (due is not None and due < AS_OF))
        and (filters.assigned is None or row["assigned_to"] == (filters.assigned or None))
    )


def expected(world: World, scope: Scope, filters: Filters) -> list[dict[str, Any]]:
    seen = visible_ids(world, scope)
    return [row for row in world.rows if row["id"] in seen and matches(world, row, filters)]


def facet_counts(world: World, scope: Scope, filters: Filters, name: str) -> dict[str, int]:
    seen = visible_ids(world, scope)
    rows = [r for r in world.rows if r["id"] in seen and matches(world, r, filters, skip=name)]
    return dict(Counter(facet_value(world, row, name) for row in rows))


def sort_key(sort: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        rank, due = RANK[row["severity"]], row["due_date"] or NO_DATE
        return {"severity": (rank, due), "due": (due, rank), "age": (row["first_seen"],),
                "crn": (row["crn"],)}[sort] + (row["id"],)  # fmt: skip

    return key


# --- users and browsers ----------------------------------------------------------------


@pytest.fixture
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id still, at its cheapest: the web tests sign in hundreds of times."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(auditor.store.users, "_HASHER", cheap)


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


@pytest.fixture
def people(store: Store, fast_passwords: None) -> dict[str, UserRecord]:
    """USERS, added to the store (dan disabled)."""
    added = {}
    for name, (role, options) in USERS.items():
        added[name] = add_user(store, name, name.capitalize(), role, password=PASSWORD, **options)
    set_disabled(store, "dan")
    return added


def settings_for(store: Store, **web: Any) -> Settings:
    url = store.engine.url.render_as_string(hide_password=False)
    return parse_settings({"store": {"url": url}, "web": web})


class Browsers:
    """TestClients on the app, closed at the end of the test."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.made: list[TestClient] = []

    def new(self, address: str = "testclient", **web: Any) -> TestClient:
        """A browser nobody has signed in on, at this address; ``web``: [web] settings."""
        app = build_app(settings_for(self.store, **web), self.store)
        made = TestClient(app, follow_redirects=False, client=(address, 50000))
        self.made.append(made)
        return made

    def signed_in(self, username: str, password: str = PASSWORD, **web: Any) -> TestClient:
        browser = self.new(**web)
        response = sign_in(browser, username, password)
        assert response.status_code == 303, response.text
        return browser

    def with_token(self, username: str, **web: Any) -> TestClient:
        """A client of the JSON API sending a new token of the user (no cookie)."""
        browser = self.new(**web)
        browser.headers["Authorization"] = f"Bearer {create_api_token(self.store, username, 'api')}"
        return browser

    def close(self) -> None:
        for made in self.made:
            made.close()


@pytest.fixture
def browsers(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browsers]:
    """Browsers on apps that share a session key, as `auditor serve` processes do."""
    monkeypatch.setenv("AUDITOR_SESSION_SECRET", "tests-session-key-" + "k" * 32)
    made = Browsers(store)
    yield made
    made.close()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "no csrf_token on the page"
    return found.group(1)


def sign_in(browser: TestClient, username: str, password: str = PASSWORD,
            next_page: str | None = None) -> Any:  # fmt: skip
    """Sign in through the form, as a person does: GET /login, then POST it back."""
    form = browser.get("/login").text
    data = {"username": username, "password": password, "csrf_token": csrf_of(form)}
    if next_page is not None:
        data["next"] = next_page
    return browser.post("/login", data=data)


def ids_on(html: str) -> list[int]:
    """The exceptions a list page shows, in order."""
    return [int(i) for i in re.findall(r'data-exception-id="(\d+)"', html)]


def total_on(html: str) -> int:
    found = re.search(r'id="result-count">([\d,]+) exception', html)
    assert found is not None, "no result count on the page"
    return int(found.group(1).replace(",", ""))


def every_id(values: Iterable[Any]) -> set[int]:
    return {int(v) for v in values}
