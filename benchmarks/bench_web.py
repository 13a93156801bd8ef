"""Time the worklist on a national-sized store: list pages, detail pages and bulk actions,
first as the store calls of a page alone, then over HTTP from a real `auditor serve`,
then with 20 users at once.

    .venv/bin/python benchmarks/bench_web.py [--backend sqlite|postgres|both] [--rows 300000]
        [--teams 1000] [--requests 200] [--users 20] [--per-user 30] [--think 0 2]
        [--rebuild]
        [--postgres URL]

The store (default: 300,000 open exceptions, and about 50,000 resolved, record-missing
or unconfirmed ones, over 1,000 teams in 30 providers; about 5 % unowned; two history
rows per exception; the directory; 12 runs; 20 users) is built once and cached:
bench-data/web-<rows>-<teams>-v<N>.db on SQLite, the database bench_web_<rows>_<teams>_v<N>
on PostgreSQL (--postgres URL, AUDITOR_TEST_POSTGRES_URL or the CI server at
127.0.0.1:55432). --rebuild builds it again. Each benchmark works on a copy (a copied file;
CREATE DATABASE ... TEMPLATE), brought to the latest migration, so the bulk actions never
change the cache. PostgreSQL's copy is vacuumed and analysed (as autovacuum would have);
SQLite's has no ANALYZE statistics, as a store in service has none.

Measured, for each backend:

- **alone**: the store calls a page's handler makes (auditor/web/pages.py), timed in this
  process in one read transaction: the list page (list_page, counts, teams_in_scope,
  officers_of, active_admins), the detail page (exception_detail, active_admins) and a
  bulk action of 500 rows (apply_many);
- **HTTP**: the same, sequentially, from a signed-in httpx client against
  `auditor serve --no-schedule` on 127.0.0.1 (a subprocess): the server's whole cost
  (session, rendering) plus the client's;
- **20 users**: each signed in with its own session, a bounded loop of --per-user requests,
  once for each --think (the mean pause, in seconds, between one user's requests, drawn
  from an exponential distribution; 0 is the worst case, everyone clicking as fast as
  the server answers; 2 s is a busy morning): list pages (first pages with filters, next
  pages by the cursor), detail pages of rows on the last page, and a few actions (one
  exception, or a page of them in bulk).

Targets (the issue): p95 <= 100 ms for the pages alone, <= 300 ms with 20 users.
Every filter value, id and user is drawn from a seeded generator: runs are comparable.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import html
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import polars as pl
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from starlette.datastructures import QueryParams

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from auditor.config import StoreSettings  # noqa: E402
from auditor.store import migrations, repository  # noqa: E402
from auditor.store.bulk import insert_frame  # noqa: E402
from auditor.store.database import Store, open_store  # noqa: E402
from auditor.store.directory import PERSONS, STAFF, TEAMS  # noqa: E402
from auditor.store.models import HistoryEntry, Run  # noqa: E402
from auditor.store.scope import EXCEPTIONS, visible  # noqa: E402
from auditor.store.triage import apply_many  # noqa: E402
from auditor.store.users import UserRecord, active_admins, add_user, find_user  # noqa: E402
from auditor.store.worklist import (  # noqa: E402
    counts,
    exception_detail,
    list_page,
    officers_of,
    teams_in_scope,
)
from auditor.web.actions import change_for  # noqa: E402
from auditor.web.filters import read_list_request  # noqa: E402
from benchmarks.bench_store import timed  # noqa: E402
from checks.registry import REGISTRY  # noqa: E402

CACHE = REPO / "bench-data"
BUILD_VERSION = 1  # bump when the built store changes
DEFAULT_POSTGRES = "postgresql+psycopg://auditor_test@127.0.0.1:55432/auditor_test"
AS_OF = dt.date(2026, 11, 25)
CHECKS = list(REGISTRY)
PROVIDERS = [f"N{i:02d}" for i in range(1, 8)] + [f"C{i:02d}" for i in range(1, 24)]
PASSWORD = "benchmark-password-1"
PAGE_SIZE = 50
BULK_ROWS = 500
TARGET_ALONE, TARGET_LOADED = 100.0, 300.0  # ms, p95
FORENAMES = ["Alex", "Sam", "Jo", "Priya", "Tom", "Aisha", "Ewan", "Megan", "Kofi", "Lena"]
SURNAMES = ["Smith", "Jones", "Khan", "Taylor", "Brown", "Evans", "Patel", "Wilson", "Hughes"]
CLOCK = os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--rows", type=int, default=300_000, help="open exceptions")
    parser.add_argument("--teams", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=200, help="per sequential measure")
    parser.add_argument("--bulk-runs", type=int, default=20)
    parser.add_argument("--users", type=int, default=20, help="concurrent users")
    parser.add_argument("--per-user", type=int, default=30, help="requests per concurrent user")
    parser.add_argument(
        "--think",
        type=float,
        nargs="+",
        default=[0.0, 2.0],
        help="mean pause between one user's requests, seconds (one load run each)",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the cached store again")
    parser.add_argument(
        "--postgres", default=os.environ.get("AUDITOR_TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    )
    parser.add_argument(
        "--only",
        choices=("alone", "http", "load"),
        action="append",
        help="measure only these (repeatable)",
    )
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        prepare = sqlite_copy if backend == "sqlite" else postgres_copy
        with prepare(args) as url:
            bench(backend, url, args)


# --- the cached store ---------------------------------------------------------------


@contextmanager
def sqlite_copy(args: argparse.Namespace) -> Iterator[str]:
    """A working copy of the cached SQLite store (built first if need be)."""
    CACHE.mkdir(exist_ok=True)
    cached = CACHE / f"web-{args.rows}-{args.teams}-v{BUILD_VERSION}.db"
    if args.rebuild or not cached.exists():
        building = cached.with_suffix(".building.db")
        _remove_sqlite(building)
        seconds = timed(lambda: build(f"sqlite:///{building}", args.rows, args.teams))
        _remove_sqlite(cached)
        building.rename(cached)
        print(f"SQLite: built {cached.name} in {seconds:.1f} s")
    else:
        print(f"SQLite: reusing {cached.relative_to(REPO)} (--rebuild to build it again)")
    upgraded = timed(lambda: _upgrade(f"sqlite:///{cached}"))
    if upgraded > 0.5:
        print(f"  brought the cache to the latest migration in {upgraded:.1f} s")
    working = CACHE / "web-run.db"
    _remove_sqlite(working)
    shutil.copyfile(cached, working)
    try:
        yield f"sqlite:///{working}"
    finally:
        _remove_sqlite(working)


@contextmanager
def postgres_copy(args: argparse.Namespace) -> Iterator[str]:
    """A working copy (CREATE DATABASE ... TEMPLATE) of the cached PostgreSQL store."""
    base = make_url(args.postgres)
    cached = f"bench_web_{args.rows}_{args.teams}_v{BUILD_VERSION}"
    working = "bench_web_run"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")

    def run(sql: str) -> Any:
        with admin.connect() as connection:
            result = connection.execute(text(sql))
            return result.all() if result.returns_rows else None

    complete = run(
        f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{cached}'"
    )
    url_of = lambda name: base.set(database=name).render_as_string(hide_password=False)  # noqa: E731
    if args.rebuild or not complete or complete[0][0] != "bench_web complete":
        run(f"DROP DATABASE IF EXISTS {cached} WITH (FORCE)")
        run(f"CREATE DATABASE {cached}")
        seconds = timed(lambda: build(url_of(cached), args.rows, args.teams))
        run(f"COMMENT ON DATABASE {cached} IS 'bench_web complete'")
        print(f"PostgreSQL: built the database {cached} in {seconds:.1f} s")
    else:
        print(f"PostgreSQL: reusing the database {cached} (--rebuild to build it again)")
    upgraded = timed(lambda: _upgrade(url_of(cached)))
    if upgraded > 0.5:
        print(f"  brought the cache to the latest migration in {upgraded:.1f} s")
        _vacuum(url_of(cached))
    run(f"DROP DATABASE IF EXISTS {working} WITH (FORCE)")
    seconds = timed(lambda: run(f"CREATE DATABASE {working} TEMPLATE {cached}"))
    print(f"  working copy {working} in {seconds:.1f} s")
    try:
        yield url_of(working)
    finally:
        run(f"DROP DATABASE IF EXISTS {working} WITH (FORCE)")
        admin.dispose()


def _upgrade(url: str) -> None:
    store = open_store(StoreSettings(url=url))
    if migrations.current_revision(store.engine) != migrations.head_revision():
        store.upgrade()
    store.dispose()


def _vacuum(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build(url: str, rows: int, teams: int) -> None:
    """A store at the latest migration with the benchmark's data (module docstring)."""
    store = open_store(StoreSettings(url=url))
    store.upgrade()
    frames = store_frames(rows, teams)
    with store.writing() as connection:
        for table, frame in frames.items():
            started = time.perf_counter()
            insert_frame(connection, table, frame)
            print(f"  {table.name}: {frame.height:,} rows in {time.perf_counter() - started:.1f} s")
    for user in bench_users(frames):
        add_user(store, password=PASSWORD, **user)
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()
    if url.startswith("postgresql"):
        _vacuum(url)


def store_frames(rows: int, n_teams: int, seed: int = 7) -> dict[Any, pl.DataFrame]:
    """The tables' rows: runs, teams, staff, persons, exceptions, history."""
    rng = np.random.default_rng(seed)
    # Providers: NPS divisions (N..) bigger than CRCs (C..); teams spread unevenly.
    weight = rng.lognormal(0, 0.4, len(PROVIDERS)) * np.where(
        np.char.startswith(PROVIDERS, "N"), 2.0, 1.0
    )
    provider_of_team = np.concatenate(
        [
            np.arange(len(PROVIDERS)),
            rng.choice(len(PROVIDERS), n_teams - len(PROVIDERS), p=weight / weight.sum()),
        ]
    )
    provider_of_team.sort()
    team_codes, spos, spo = [], [], 0
    for index, p in enumerate(provider_of_team):
        within = index - int(np.searchsorted(provider_of_team, p))
        team_codes.append(f"{PROVIDERS[p]}T{within + 1:03d}")
        if index == 0 or rng.random() < 0.7 or provider_of_team[index - 1] != p:
            spo += 1
        spos.append(None if rng.random() < 0.02 else f"S{spo:04d}")
    teams = pl.DataFrame(
        {
            "team_code": team_codes,
            "team_name": [f"Team {c[:3]} {c[4:]}" for c in team_codes],
            "provider_code": [PROVIDERS[p] for p in provider_of_team],
            "provider_name": [f"Provider {PROVIDERS[p]}" for p in provider_of_team],
            "spo_staff_code": spos,
        }
    )
    per_team = 8
    staff_codes = [f"{t}M{k}" for t in team_codes for k in range(per_team)]
    spo_codes = sorted({s for s in spos if s})
    first_team = {s: t for t, s in reversed(list(zip(team_codes, spos, strict=True))) if s}
    staff = pl.DataFrame(
        {
            "staff_code": staff_codes + spo_codes,
            "forename": [
                FORENAMES[i % len(FORENAMES)] for i in range(len(staff_codes) + len(spo_codes))
            ],
            "surname": [
                SURNAMES[i % len(SURNAMES)] for i in range(len(staff_codes) + len(spo_codes))
            ],
            "email": [f"{c.lower()}@probation.example" for c in staff_codes + spo_codes],
            "team_code": [t for t in team_codes for _ in range(per_team)]
            + [first_team[s] for s in spo_codes],
        }
    )

    others = int(rows * 0.17)  # resolved, record_missing, unconfirmed
    total = rows + others
    n_persons = max(1, int(total / 2.5))
    team_weight = rng.lognormal(0, 0.6, n_teams)
    person_team = rng.choice(n_teams, n_persons, p=team_weight / team_weight.sum())
    unowned = rng.random(n_persons) < 0.05
    person_staff = person_team * per_team + rng.integers(0, per_team, n_persons)
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    crns = [f"{letters[i % 23]}{i // 23:06d}" for i in range(n_persons)]
    person_provider = np.where(
        unowned,
        rng.choice(len(PROVIDERS), n_persons, p=weight / weight.sum()),
        provider_of_team[person_team],
    )
    persons = pl.DataFrame(
        {
            "crn": crns,
            "forename": [FORENAMES[i % len(FORENAMES)] for i in range(n_persons)],
            "surname": [SURNAMES[(i * 7) % len(SURNAMES)] for i in range(n_persons)],
            "provider_code": [PROVIDERS[p] for p in person_provider],
        }
    )

    person = rng.integers(0, n_persons, total)
    status = np.array(
        ["open"] * rows
        + list(
            rng.choice(["resolved", "record_missing", "unconfirmed"], others, p=[0.85, 0.09, 0.06])
        )
    )
    rng.shuffle(status)
    check_weight = 0.85 ** rng.permutation(len(CHECKS))
    check = rng.choice(len(CHECKS), total, p=check_weight / check_weight.sum())
    severity = rng.choice(["high", "medium", "low"], total, p=[0.15, 0.45, 0.40])
    kind = rng.choice(
        ["none", "acknowledged", "snoozed", "disputed", "done", "rejected"],
        total,
        p=[0.55, 0.22, 0.08, 0.07, 0.04, 0.04],
    )
    resolved = status == "resolved"
    kind = np.where(resolved, np.where(rng.random(total) < 0.3, "done", "none"), kind)
    triage = np.where(kind == "rejected", "none", kind)
    dispute = np.where(
        kind == "rejected",
        "rejected",
        np.where(
            kind == "disputed", np.where(rng.random(total) < 0.6, "pending", "approved"), None
        ),
    )
    as_of = np.datetime64(AS_OF, "D")
    first_seen = as_of - rng.integers(0, 366, total).astype("timedelta64[D]")
    open_days = (as_of - first_seen).astype(int)
    resolved_on = first_seen + (rng.random(total) * (open_days + 1)).astype("timedelta64[D]")
    last_seen = np.where(resolved, np.maximum(first_seen, resolved_on - 1), as_of)
    due = as_of + rng.integers(-120, 61, total).astype("timedelta64[D]")
    no_due = rng.random(total) < 0.08
    admins = [u["username"] for u in bench_users_skeleton() if u["role"] == "admin"]
    triaged = (triage != "none") | (kind == "rejected")
    by = np.array(admins)[rng.integers(0, len(admins), total)]
    assigned = np.where(
        rng.random(total) < 0.12, np.array(admins)[rng.integers(0, len(admins), total)], None
    )
    ids = np.arange(1, total + 1)
    owned = ~unowned[person]
    exceptions = pl.DataFrame(
        {
            "id": ids,
            "check": np.array(CHECKS)[check],
            "crn": np.array(crns)[person],
            "subject": ids.astype(str),
            "severity": severity,
            "due_date": pl.Series(due.astype("datetime64[D]")).cast(pl.Date),
            "staff_code": _strings(
                np.where(owned, np.array(staff_codes)[person_staff[person]], None)
            ),
            "team_code": _strings(np.where(owned, np.array(team_codes)[person_team[person]], None)),
            "spo_staff_code": _strings(
                np.where(owned, np.array(spos, dtype=object)[person_team[person]], None)
            ),
            "status": status,
            "first_seen": pl.Series(first_seen.astype("datetime64[D]")).cast(pl.Date),
            "last_seen": pl.Series(last_seen.astype("datetime64[D]")).cast(pl.Date),
            "resolved_on": pl.Series(resolved_on.astype("datetime64[D]")).cast(pl.Date),
            "reopen_count": (rng.random(total) < 0.03).astype(int),
            "triage": triage,
            "snoozed_until": pl.Series(
                (as_of + rng.integers(1, 61, total).astype("timedelta64[D]")).astype(
                    "datetime64[D]"
                )
            ).cast(pl.Date),
            "triage_by": _strings(np.where(triaged, by, None)),
            "assigned_to": _strings(assigned),
            "dispute_state": _strings(dispute),
            "version": 1 + triaged.astype(int) + rng.integers(0, 2, total),
        },
        strict=False,
    ).with_columns(
        due_date=pl.when(pl.Series(no_due)).then(None).otherwise("due_date"),
        resolved_on=pl.when(pl.col("status") == "resolved").then("resolved_on"),
        snoozed_until=pl.when(pl.col("triage") == "snoozed").then("snoozed_until"),
        dispute_reason=pl.when(pl.col("triage") == "disputed").then(
            pl.lit("not applicable: transferred out")
        ),
        triage_at=pl.when(pl.col("triage_by").is_not_null()).then(
            pl.col("first_seen").cast(pl.Datetime("us", "UTC")) + pl.duration(hours=10)
        ),
        reason=pl.format(
            "nothing recorded for event {} since {}; due by {}",
            "id",
            "first_seen",
            pl.col("due_date").cast(pl.String).fill_null("-"),
        ),
    )

    runs = (
        pl.DataFrame({"id": range(1, 13)})
        .with_columns(
            as_of=pl.lit(AS_OF) - pl.duration(days=(12 - pl.col("id")) * 7),
        )
        .with_columns(
            started_at=pl.col("as_of").cast(pl.Datetime("us", "UTC")) + pl.duration(hours=6),
            finished_at=pl.col("as_of").cast(pl.Datetime("us", "UTC"))
            + pl.duration(hours=6, minutes=4),
            source=pl.lit("benchmark"),
            status=pl.lit("succeeded"),
            error=pl.lit(None, pl.String),
        )
    )
    what = {
        "none": "updated",
        "acknowledged": "acknowledged",
        "snoozed": "snoozed",
        "disputed": "disputed",
        "done": "done",
        "rejected": "dispute_rejected",
    }
    opened = exceptions.select(
        exception_id="id",
        at=pl.col("first_seen").cast(pl.Datetime("us", "UTC")) + pl.duration(hours=6),
        run_id=pl.lit(None, pl.Int64),
        person=pl.lit(None, pl.String),
        what=pl.lit("opened"),
        from_status=pl.lit(None, pl.String),
        to_status=pl.lit("open"),
        comment=pl.lit(None, pl.String),
        from_triage=pl.lit(None, pl.String),
        to_triage=pl.lit(None, pl.String),
    ).with_columns(run_id=pl.Series(rng.integers(1, 13, total)))
    second = exceptions.select(
        exception_id="id",
        at=pl.coalesce("triage_at", pl.col("last_seen").cast(pl.Datetime("us", "UTC"))),
        run_id=pl.when(pl.col("triage_by").is_null()).then(pl.lit(12, pl.Int64)),
        person="triage_by",
        what=pl.Series(kind).replace_strict(what),
        from_status=pl.lit("open"),
        to_status="status",
        comment=pl.lit(None, pl.String),
        from_triage=pl.when(pl.col("triage_by").is_not_null()).then(pl.lit("none")),
        to_triage=pl.when(pl.col("triage_by").is_not_null()).then("triage"),
    ).with_columns(
        what=pl.when(pl.col("to_status") == "resolved").then(pl.lit("resolved")).otherwise("what")
    )
    history = pl.concat([opened, second]).sort("at", "exception_id")
    return {
        Run.__table__: runs,
        TEAMS: teams,
        STAFF: staff,
        PERSONS: persons,
        EXCEPTIONS: exceptions,
        HistoryEntry.__table__: history,
    }


def _strings(values: Any) -> pl.Series:
    return pl.Series([None if v is None else str(v) for v in values.tolist()], dtype=pl.String)


def bench_users_skeleton() -> list[dict[str, Any]]:
    """The admins (their names are the assignees), without the SPOs (they need the data)."""
    users: list[dict[str, Any]] = [
        {
            "username": f"admin-all-{i}",
            "display_name": f"Admin All {i}",
            "role": "admin",
            "all_scope": True,
        }
        for i in range(1, 5)
    ]
    users += [
        {
            "username": f"admin-{p.lower()}",
            "display_name": f"Admin {p}",
            "role": "admin",
            "providers": [p],
        }
        for p in PROVIDERS[:10]
    ]
    return users


def bench_users(frames: dict[Any, pl.DataFrame]) -> list[dict[str, Any]]:
    """4 all-scope admins, 10 one-provider admins, the 6 SPOs with the most open."""
    busiest = (
        frames[EXCEPTIONS]
        .filter(pl.col("status") == "open", pl.col("spo_staff_code").is_not_null())
        .group_by("spo_staff_code")
        .len()
        .sort("len", "spo_staff_code", descending=True)
        .head(6)["spo_staff_code"]
        .to_list()
    )
    spos = [
        {"username": f"spo-{i}", "display_name": f"SPO {i}", "role": "spo", "staff_code": code}
        for i, code in enumerate(busiest, 1)
    ]
    return bench_users_skeleton() + spos


# --- who asks for what ----------------------------------------------------------------


@dataclass
class Person:
    """A benchmark user: their record, and the choices their filters draw from."""

    user: UserRecord
    providers: list[str]
    teams: list[str]
    ids: list[int]  # open exceptions in scope (for detail pages and bulk actions)


@dataclass
class Variant:
    """A list page people ask for: a user, and a generator of its query strings."""

    name: str
    person: Person
    params: Callable[[random.Random], dict[str, Any]]


def people(store: Store) -> dict[str, Person]:
    found = {}
    with store.reading() as connection:
        usernames = connection.scalars(text("SELECT username FROM users ORDER BY id")).all()
    for name in usernames:
        user = find_user(store, name)
        assert user is not None
        scope = user.scope()
        with store.reading() as connection:
            teams = teams_in_scope(connection, scope)
            ids = connection.scalars(
                select(EXCEPTIONS.c.id)
                .where(visible(scope), EXCEPTIONS.c.status == "open")
                .order_by(EXCEPTIONS.c.id)
            ).all()
        providers = sorted({t["provider_code"] for t in teams if t["provider_code"]})
        found[name] = Person(user, providers, [t["team_code"] for t in teams], list(ids))
    return found


def variants(crowd: dict[str, Person]) -> list[Variant]:
    everyone, one = crowd["admin-all-1"], crowd[f"admin-{PROVIDERS[0].lower()}"]
    spo = crowd["spo-1"]
    return [
        Variant("all-scope admin, no filters (landing)", everyone, lambda r: {}),
        Variant(
            "all-scope admin, provider+severity+check",
            everyone,
            lambda r: {
                "provider": r.choice(everyone.providers),
                "severity": r.choice(["high", "medium", "low"]),
                "check": r.choice(CHECKS),
            },
        ),
        Variant(
            f"{one.user.username}, team+triage+overdue",
            one,
            lambda r: {
                "team": r.choice(one.teams),
                "triage": r.choice(["none", "acknowledged", "disputed"]),
                "overdue": "yes",
            },
        ),
        Variant("SPO, to do, by due date", spo, lambda r: {"sort": "due"}),
    ]


def filters_for(person: Person, rng: random.Random) -> dict[str, Any]:
    """A filter a person might choose, for the concurrent loop."""
    choice = rng.random()
    if choice < 0.25:
        return {}
    if choice < 0.5 and len(person.providers) > 1:
        return {
            "provider": rng.choice(person.providers),
            "severity": rng.choice(["high", "medium"]),
        }
    if choice < 0.75:
        return {"team": rng.choice(person.teams), "check": rng.choice(CHECKS)}
    return {
        "triage": rng.choice(["none", "acknowledged"]),
        "overdue": "yes",
        "sort": rng.choice(["severity", "due", "age"]),
    }


# --- measuring -------------------------------------------------------------------------


@dataclass
class Figures:
    """Latencies (seconds) per measure and how they were taken."""

    rows: dict[str, dict[str, list[float]]] = field(default_factory=lambda: defaultdict(dict))
    notes: list[str] = field(default_factory=list)

    def add(self, measure: str, how: str, seconds: list[float]) -> None:
        self.rows[measure][how] = seconds


def bench(backend: str, url: str, args: argparse.Namespace) -> None:
    store = open_store(StoreSettings(url=url))
    name = "SQLite" if backend == "sqlite" else "PostgreSQL"
    with store.reading() as connection:
        total = connection.scalar(text("SELECT count(*) FROM exceptions WHERE status = 'open'"))
        teams = connection.scalar(text("SELECT count(*) FROM directory_teams"))
        as_of = repository.latest_as_of(connection)
    assert as_of is not None
    print(f"\n{name}: {store.where}: {total:,} open exceptions, {teams:,} teams, as of {as_of}")
    crowd = people(store)
    figures = Figures()
    only = set(args.only or ("alone", "http", "load"))
    if "alone" in only:
        measure_alone(store, crowd, as_of, args, figures)
    if only & {"http", "load"}:
        with server(url) as (base, pid):
            if "http" in only:
                measure_http(base, pid, store, crowd, args, figures)
            if "load" in only:
                for think in args.think:
                    measure_load(base, pid, crowd, args, figures, think)
    store.dispose()
    report(name, figures)


def measure_alone(
    store: Store,
    crowd: dict[str, Person],
    as_of: dt.date,
    args: argparse.Namespace,
    figures: Figures,
) -> None:
    rng = random.Random(1)
    for variant in variants(crowd):
        person = variant.person
        scope = person.user.scope()
        spent = []
        for i in range(args.requests + 5):
            wanted = read_list_request(QueryParams(variant.params(rng)), me=person.user.username)
            start = time.perf_counter()
            with store.reading() as connection:
                list_page(
                    connection,
                    scope,
                    wanted.filters,
                    as_of,
                    wanted.sort,
                    wanted.after,
                    wanted.before,
                    PAGE_SIZE,
                )
                counts(connection, scope, wanted.filters, as_of)
                mine = {t["team_code"] for t in teams_in_scope(connection, scope)}
                chosen = [team for team in wanted.filters.teams if team in mine]
                if chosen:
                    officers_of(connection, chosen)
                active_admins(connection)
            if i >= 5:  # the first few warm the caches
                spent.append(time.perf_counter() - start)
        figures.add(f"list: {variant.name}", "alone", spent)
    spent = []
    for i in range(args.requests + 5):
        person = crowd[rng.choice(["admin-all-1", f"admin-{PROVIDERS[0].lower()}", "spo-1"])]
        exception_id = rng.choice(person.ids)
        start = time.perf_counter()
        with store.reading() as connection:
            found = exception_detail(connection, person.user.scope(), exception_id, as_of)
            active_admins(connection)
        assert found is not None
        if i >= 5:
            spent.append(time.perf_counter() - start)
    figures.add("detail (random ids in scope)", "alone", spent)
    person = crowd["admin-all-1"]
    spent = []
    for run in range(args.bulk_runs):
        versions = _versions(store, rng.sample(person.ids, BULK_ROWS))
        change = _bulk_change(store, person.user, run, as_of)
        start = time.perf_counter()
        outcomes = apply_many(
            store, versions, person.user.username, change, scope=person.user.scope()
        )
        spent.append(time.perf_counter() - start)
        assert all(v is None for v in outcomes.values()), outcomes
    figures.add(f"bulk action, {BULK_ROWS} rows", "alone", spent)


def _bulk_change(store: Store, user: UserRecord, run: int, as_of: dt.date) -> Any:
    with store.reading() as connection:
        admins = [name for name, _ in active_admins(connection)]
    action, fields = BULK[run % 2]
    return change_for(user, action, fields, as_of=as_of, max_snooze_days=90, admins=admins)


BULK = [("acknowledge", {}), ("assign", {"assignee": "admin-all-2"})]


def _versions(store: Store, ids: list[int]) -> dict[int, int]:
    with store.reading() as connection:
        rows = connection.execute(
            select(EXCEPTIONS.c.id, EXCEPTIONS.c.version).where(EXCEPTIONS.c.id.in_(ids))
        ).all()
    return dict(rows)  # type: ignore[arg-type]


@contextmanager
def server(url: str) -> Iterator[tuple[str, int]]:
    """`auditor serve --no-schedule` on a free port of 127.0.0.1, on this store."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.toml"
        config.write_text(
            f'[store]\nurl = "{url}"\n\n[web]\npage_size = {PAGE_SIZE}\n[notify]\nenabled = false\n'
        )
        log = (Path(folder) / "serve.log").open("w+")
        env = dict(
            os.environ, AUDITOR_SESSION_SECRET="bench-web-secret-" + "x" * 20, PYTHONPATH=str(REPO)
        )  # this checkout's auditor, wherever it is
        command = [
            sys.executable,
            "-c",
            "from auditor.cli import main; main()",
            "serve",
            "--no-schedule",
            "--port",
            "0",
            "--config",
            str(config),
        ]
        process = subprocess.Popen(command, stderr=log, stdout=log, env=env, cwd=folder)
        try:
            base = _listening(log, process)
            yield base, process.pid
        finally:
            process.terminate()
            process.wait(timeout=60)
            log.seek(0)
            errors = [line for line in log if " ERROR " in line]
            if errors:
                print("  the server logged errors:\n    " + "    ".join(errors[:5]))


def _listening(log: Any, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        log.seek(0)
        found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", log.read())
        if found:
            return found.group(1)
        if process.poll() is not None:
            log.seek(0)
            raise SystemExit("auditor serve stopped:\n" + log.read())
        time.sleep(0.1)
    raise SystemExit("auditor serve did not start within 2 minutes")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SELECTED = re.compile(r'name="selected" type="checkbox" value="(\d+):(\d+)"')
NEXT = re.compile(r'href="([^"]+)" rel="next"')


def signed_in(base: str, username: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=60)
    token = _csrf(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/exceptions",
        },
    )
    assert response.status_code == 303, response.text[:500]
    return client, _csrf(client.get("/exceptions", params={"status": "resolved"}).text)


def _csrf(page: str) -> str:
    found = CSRF.search(page)
    assert found, page[:500]
    return found.group(1)


def measure_http(
    base: str,
    pid: int,
    store: Store,
    crowd: dict[str, Person],
    args: argparse.Namespace,
    figures: Figures,
) -> None:
    rng = random.Random(1)
    clients = {
        name: signed_in(base, name)
        for name in ("admin-all-1", f"admin-{PROVIDERS[0].lower()}", "spo-1")
    }
    for variant in variants(crowd):
        client, _ = clients[variant.person.user.username]
        spent, cpu = [], cpu_seconds(pid)
        for i in range(args.requests + 5):
            params = variant.params(rng)
            start = time.perf_counter()
            response = client.get("/exceptions", params=params)
            if i >= 5:
                spent.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text[:300]
        figures.add(f"list: {variant.name}", "http", spent)
        _cpu_note(figures, f"list: {variant.name}", pid, cpu, args.requests + 5)
    spent, cpu = [], cpu_seconds(pid)
    for i in range(args.requests + 5):
        name = rng.choice(list(clients))
        client, _ = clients[name]
        start = time.perf_counter()
        response = client.get(f"/exceptions/{rng.choice(crowd[name].ids)}")
        if i >= 5:
            spent.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text[:300]
    figures.add("detail (random ids in scope)", "http", spent)
    _cpu_note(figures, "detail (random ids in scope)", pid, cpu, args.requests + 5)
    person = crowd["admin-all-1"]
    client, token = clients["admin-all-1"]
    spent, cpu = [], cpu_seconds(pid)
    for run in range(args.bulk_runs):
        versions = _versions(store, rng.sample(person.ids, BULK_ROWS))
        action, fields = BULK[run % 2]
        form = {
            "csrf_token": token,
            "action": action,
            "return_to": "/exceptions",
            **fields,
            "selected": [f"{i}:{v}" for i, v in versions.items()],
        }
        start = time.perf_counter()
        response = client.post("/exceptions/bulk", data=form)
        spent.append(time.perf_counter() - start)
        assert response.status_code == 303, response.text[:300]
        moved = _versions(store, list(versions))
        assert all(moved[i] == v + 1 for i, v in versions.items()), (
            "the bulk action changed nothing"
        )
    figures.add(f"bulk action, {BULK_ROWS} rows", "http", spent)
    _cpu_note(figures, f"bulk action, {BULK_ROWS} rows", pid, cpu, args.bulk_runs)
    for client, _ in clients.values():
        client.close()


def _cpu_note(figures: Figures, measure: str, pid: int, since: float, requests: int) -> None:
    per_request = (cpu_seconds(pid) - since) / requests
    figures.rows[measure]["server cpu"] = [per_request]


def measure_load(
    base: str,
    pid: int,
    crowd: dict[str, Person],
    args: argparse.Namespace,
    figures: Figures,
    think: float,
) -> None:
    names = sorted(
        crowd, key=lambda n: (not n.startswith("admin-all"), not n.startswith("admin-"), n)
    )
    chosen = [names[i % len(names)] for i in range(args.users)]
    kinds: dict[str, list[float]] = defaultdict(list)
    statuses: dict[int, int] = defaultdict(int)

    async def one_user(index: int, username: str, ready: asyncio.Barrier) -> None:
        rng = random.Random(100 + index)
        person = crowd[username]
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            token = _csrf((await client.get("/login")).text)
            signed = await client.post(
                "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
            )
            assert signed.status_code == 303
            page = await client.get("/exceptions")
            csrf = _csrf(page.text)
            last = page.text
            await ready.wait()
            for _ in range(args.per_user):
                if think:  # reading the page
                    await asyncio.sleep(rng.expovariate(1 / think))
                rows = SELECTED.findall(last)
                following = NEXT.search(last)
                draw = rng.random()
                if draw < 0.2 and following:
                    kind, request = (
                        "list: next page",
                        client.get("/exceptions" + html.unescape(following.group(1))),
                    )
                elif draw < 0.6 or not rows:
                    kind, request = (
                        "list: first page",
                        client.get("/exceptions", params=filters_for(person, rng)),
                    )
                elif draw < 0.9:
                    ident = rng.choice(rows)[0]
                    kind, request = "detail", client.get(f"/exceptions/{ident}")
                elif draw < 0.96:
                    ident, version = rng.choice(rows)
                    kind, request = (
                        "action: one",
                        client.post(
                            f"/exceptions/{ident}/actions",
                            data={"csrf_token": csrf, "action": "acknowledge", "version": version},
                        ),
                    )
                else:
                    kind, request = (
                        "action: a page in bulk",
                        client.post(
                            "/exceptions/bulk",
                            data={
                                "csrf_token": csrf,
                                "action": "acknowledge",
                                "return_to": "/exceptions",
                                "selected": [f"{i}:{v}" for i, v in rows],
                            },
                        ),
                    )
                start = time.perf_counter()
                response = await request
                kinds[kind].append(time.perf_counter() - start)
                statuses[response.status_code] += 1
                if kind.startswith("list"):
                    last = response.text

    async def everyone() -> float:
        ready = asyncio.Barrier(len(chosen) + 1)
        tasks = [asyncio.create_task(one_user(i, n, ready)) for i, n in enumerate(chosen)]
        await ready.wait()
        start = time.perf_counter()
        await asyncio.gather(*tasks)
        return time.perf_counter() - start

    cpu = cpu_seconds(pid)
    wall = asyncio.run(everyone())
    served = sum(len(v) for v in kinds.values())
    every = [s for v in kinds.values() for s in v]
    pause = f"think {think:g} s" if think else "no think time"
    label = f"{len(chosen)} users at once, {pause}: all requests"
    figures.add(label, "loaded", every)
    for kind, spent in sorted(kinds.items()):
        figures.add(f"  {kind} ({pause})", "loaded", spent)
    figures.rows[label]["server cpu"] = [(cpu_seconds(pid) - cpu) / served]
    shown = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
    figures.notes.append(
        f"{len(chosen)} users ({len(set(chosen))} distinct), {args.per_user} "
        f"requests each, {pause}: {served} requests in {wall:.1f} s, "
        f"{served / wall:.1f} requests/s (statuses {shown})"
    )


# --- the table ---------------------------------------------------------------------------


def report(name: str, figures: Figures) -> None:
    print(
        f"\n{name}: milliseconds (alone: the store calls in this process; HTTP: a signed-in "
        "client on 127.0.0.1, sequential; loaded: with the other users at once)"
    )
    header = (
        f"  {'measure':<56} {'n':>4} {'alone p50/p95/p99':>20} {'HTTP p50/p95/p99':>20} "
        f"{'loaded p50/p95/p99':>20} {'srv cpu':>8}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for measure, hows in figures.rows.items():
        n = max((len(v) for k, v in hows.items() if k != "server cpu"), default=0)
        cells = [
            _cell(hows.get(how), TARGET_ALONE if how == "alone" else None)
            for how in ("alone", "http")
        ]
        cells.append(_cell(hows.get("loaded"), TARGET_LOADED))
        cpu = hows.get("server cpu")
        shown = f"{cpu[0] * 1000:7.1f}" if cpu else ""
        print(f"  {measure:<56} {n:>4} {cells[0]:>20} {cells[1]:>20} {cells[2]:>20} {shown:>8}")
    for note in figures.notes:
        print(f"  {note}")
    print(
        f"  targets: p95 <= {TARGET_ALONE:.0f} ms alone, <= {TARGET_LOADED:.0f} ms loaded; "
        "'!' marks a p95 over its target; srv cpu: the server's CPU ms per request"
    )


def _cell(seconds: list[float] | None, target: float | None) -> str:
    if not seconds:
        return "-"
    p50, p95, p99 = (float(np.percentile(np.array(seconds) * 1000, q)) for q in (50, 95, 99))
    mark = "!" if target is not None and p95 > target else " "
    return f"{p50:.0f}/{p95:.0f}/{p99:.0f}{mark}"


if __name__ == "__main__":
    main()
