"""Time serving the trends page from a store of two years of daily runs.

    .venv/bin/python benchmarks/bench_trends.py [--teams 1000] [--runs 504] [--postgres URL]

On SQLite (a temporary file), and on PostgreSQL when --postgres or
AUDITOR_TEST_POSTGRES_URL gives a server (in a throwaway schema). Target: 300 ms or
less for the page.

The store: ``--runs`` working days of runs (504: two years), ``--teams`` teams in 20
providers, the 18 checks; per run a check_counts row for every team and check, a
team_run_totals row per team, provider_run_totals and provider_check_totals rows per
provider (and check),
measures at every level; 30 open exceptions per team and 300 resolved ones. Prints the
p50 and p95 of GET /trends (in process, through the whole app: sign-in cookie, queries,
template) with the figures cache emptied before each request, for a senior manager of
all providers (the default 6 months, 2 years, one check), of one provider, and an SPO of
one team; then the page with its seven charts as a browser loads them; then each chart
alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from auditor.calendar import is_working_day  # noqa: E402
from auditor.config import StoreSettings, parse_settings  # noqa: E402
from auditor.store.bulk import insert_frame  # noqa: E402
from auditor.store.database import Store, open_store  # noqa: E402
from auditor.store.models import Base  # noqa: E402
from auditor.store.users import add_user  # noqa: E402
from checks.measures import MEASURES  # noqa: E402
from checks.registry import REGISTRY  # noqa: E402

CHECKS = list(REGISTRY)
PROVIDERS = 20
LAST_DAY = dt.date(2026, 11, 30)
PASSWORD = "benchmark password, long enough"
REPEATS = 15


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=504)
    parser.add_argument("--postgres", default=os.environ.get("AUDITOR_TEST_POSTGRES_URL"))
    parser.add_argument("--keep", type=Path, help="Build the SQLite store here and keep it "
                        "(an existing one is timed as it is).")  # fmt: skip
    parser.add_argument("--postgres-only", action="store_true", help="Skip SQLite.")
    parser.add_argument("--keep-schema", help="Build the PostgreSQL store in this schema and "
                        "keep it (an existing one is timed as it is).")  # fmt: skip
    args = parser.parse_args(argv)
    print(f"{args.runs} runs × {args.teams} teams × {len(CHECKS)} checks")
    if args.keep:
        bench("SQLite", f"sqlite:///{args.keep.resolve()}", args, fresh=not args.keep.exists())
    elif not args.postgres_only:
        with tempfile.TemporaryDirectory() as folder:
            bench("SQLite", f"sqlite:///{Path(folder) / 'trends.db'}", args)
    if args.postgres and args.keep_schema:
        url, fresh = kept_schema(args.postgres, args.keep_schema)
        bench("PostgreSQL", url, args, fresh=fresh)
    elif args.postgres:
        with postgres_schema(args.postgres) as url:
            bench("PostgreSQL", url, args)


def bench(label: str, url: str, args: argparse.Namespace, fresh: bool = True) -> None:
    store = open_store(StoreSettings(url=url))
    store.upgrade()
    if fresh:
        started = time.perf_counter()
        fill(store, args.teams, args.runs)
        print(f"\n{label}: store filled in {time.perf_counter() - started:.0f} s")
        add_users(store)
    serve_times(store, url)
    store.dispose()


def working_days(count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = LAST_DAY
    while len(days) < count:
        if is_working_day(day):
            days.append(day)
        day -= dt.timedelta(days=1)
    return days[::-1]


def fill(store: Store, teams: int, runs: int) -> None:
    days = working_days(runs)
    codes = [f"T{i:05d}" for i in range(teams)]
    providers = [f"P{i % PROVIDERS:02d}" for i in range(teams)]
    rng = np.random.default_rng(1)
    with store.writing() as connection:
        write(connection, "runs", _runs(days))
        directory = pl.DataFrame({"team_code": codes, "team_name": codes,
                                  "provider_code": providers, "provider_name": providers,
                                  "spo_staff_code": [f"S{c}" for c in codes]})  # fmt: skip
        write(connection, "directory_teams", directory)
        for number in range(runs):
            _one_run(connection, number + 1, codes, providers, rng)
        write(connection, "exceptions", _exceptions(codes, days, rng))
    if store.engine.dialect.name == "postgresql":  # as autovacuum would, before timing
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
            admin.execute(text("ANALYZE"))


def _runs(days: list[dt.date]) -> pl.DataFrame:
    at = dt.datetime(2026, 1, 1, 6, tzinfo=dt.UTC)
    fingerprints = ["a" * 64 if i < len(days) // 2 else "b" * 64 for i in range(len(days))]
    return pl.DataFrame({
        "id": range(1, len(days) + 1), "as_of": days, "started_at": [at] * len(days),
        "finished_at": [at] * len(days), "source": ["bench"] * len(days),
        "status": ["succeeded"] * len(days), "error": [None] * len(days),
        "config_fingerprint": fingerprints, "config_description": ["{}"] * len(days),
    })  # fmt: skip


def _one_run(
    connection: Connection, run_id: int, codes: list[str], providers: list[str], rng: Any
) -> None:
    teams, checks = len(codes), len(CHECKS)
    open_ = rng.poisson(2.0, size=(teams, checks))
    new, resolved = rng.poisson(0.1, size=(teams, checks)), rng.poisson(0.1, size=(teams, checks))
    counts = pl.DataFrame({
        "run_id": run_id, "check": np.tile(CHECKS, teams), "team_code": np.repeat(codes, checks),
        "open": open_.ravel(), "new": new.ravel(), "still_open": open_.ravel(),
        "reopened": 0, "resolved": resolved.ravel(), "record_missing": 0, "unconfirmed": 0,
    })  # fmt: skip
    write(connection, "check_counts", counts)
    team = counts.group_by("team_code").agg(pl.col("open", "new", "reopened", "resolved").sum())
    team = team.join(pl.DataFrame({"team_code": codes, "provider_code": providers}),
                     on="team_code").with_columns(run_id=run_id, active_persons=120,
                                                  active_events=130)  # fmt: skip
    write(connection, "team_run_totals", team)
    per_provider = team.group_by("provider_code").agg(
        pl.col("open", "new", "reopened", "resolved", "active_persons", "active_events").sum()
    )
    write(connection, "provider_run_totals", per_provider.with_columns(run_id=run_id))
    provider = (
        counts.join(team.select("team_code", "provider_code"), on="team_code")
        .group_by("provider_code", "check")
        .agg(pl.col("open", "new", "reopened", "resolved").sum())
        .with_columns(run_id=run_id)
    )
    write(connection, "provider_check_totals", provider)
    write(connection, "measures", _measures(run_id, codes, providers))


def _measures(run_id: int, codes: list[str], providers: list[str]) -> pl.DataFrame:
    rows: list[tuple[Any, ...]] = []
    day = LAST_DAY
    for measure in MEASURES:
        common = (measure.key, measure.title, measure.inspection_figure, "para", day, day)
        rows.append(("national", None, None, 700, 1000, *common))
        rows += [("provider", f"P{p:02d}", None, 35, 50, *common) for p in range(PROVIDERS)]
        rows += [("team", p, c, 7, 10, *common) for c, p in zip(codes, providers, strict=True)]
    frame = pl.DataFrame(rows, orient="row", schema=[
        "level", "provider_code", "team_code", "met", "eligible", "measure", "title",
        "inspection_figure", "inspection_paragraph", "window_from", "window_to"])  # fmt: skip
    return frame.with_columns(run_id=run_id, provider_type=None, percent=70.0)


def _exceptions(codes: list[str], days: list[dt.date], rng: Any) -> pl.DataFrame:
    per_team_open, per_team_resolved = 30, 300
    total = len(codes) * (per_team_open + per_team_resolved)
    status = (["open"] * per_team_open + ["resolved"] * per_team_resolved) * len(codes)
    first = rng.integers(0, len(days) - 40, size=total)
    fixed = np.minimum(first + rng.integers(1, 40, size=total), len(days) - 1)
    day = np.array(days)
    resolved_on = [d if s == "resolved" else None for d, s in zip(day[fixed], status, strict=True)]
    return pl.DataFrame({
        "id": range(1, total + 1), "check": rng.choice(CHECKS, size=total),
        "crn": [f"X{i:06d}" for i in range(total)], "subject": "", "severity": "medium",
        "reason": "benchmark", "due_date": None, "staff_code": None,
        "team_code": np.repeat(codes, per_team_open + per_team_resolved), "spo_staff_code": None,
        "status": status, "first_seen": day[first], "last_seen": day[fixed],
        "resolved_on": resolved_on, "reopen_count": 0, "triage": "none", "version": 1,
    })  # fmt: skip


def write(connection: Connection, table: str, frame: pl.DataFrame) -> None:
    """COPY on PostgreSQL (auditor/store/bulk.py); on SQLite one executemany of plain
    tuples, which builds the two-year store in a minute rather than twenty."""
    if connection.dialect.name != "sqlite":
        insert_frame(connection, Base.metadata.tables[table], frame)
        return
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    rows = frame.with_columns(pl.col(pl.Date).cast(pl.String), pl.col(pl.Datetime).cast(pl.String))
    cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', rows.iter_rows())


def add_users(store: Store) -> None:
    add_user(store, "boss", "Boss", "senior_manager", password=PASSWORD, all_scope=True)
    add_user(store, "prov", "Prov", "senior_manager", password=PASSWORD, providers=["P03"])
    add_user(store, "spo", "Spo", "spo", password=PASSWORD, staff_code="ST00042")


def serve_times(store: Store, url: str) -> None:
    from starlette.testclient import TestClient

    from auditor.web.app import build_app
    from auditor.web.trends import CACHE

    os.environ.setdefault("AUDITOR_SESSION_SECRET", "benchmark-" + "k" * 32)
    app = build_app(parse_settings({"store": {"url": url}}), store)
    clients = {}
    for user in ("boss", "prov", "spo"):
        clients[user] = client = TestClient(app)
        client.post("/login", data={"username": user, "password": PASSWORD,
                                    "csrf_token": _csrf(client)})  # fmt: skip
    print("  the page, figures not cached (the first view after a run):")
    for user, path in PAGES:
        report(f"GET {path} as {user}", lambda c=clients[user], p=path: _cold(c, p, CACHE))
    print("  the page with its seven charts, as a browser loads it (figures read once):")
    for user, path in PAGES[:2]:
        report(f"GET {path} + 7 charts as {user}",
               lambda c=clients[user], p=path: _with_charts(c, p, CACHE))  # fmt: skip
    print("  the page seen again (figures and charts held until the next run):")
    for user, path in PAGES[:2]:
        report(f"GET {path} + 7 charts again as {user}",
               lambda c=clients[user], p=path: _again(c, p))  # fmt: skip
    print("  one chart, figures not cached:")
    for name in CHART_NAMES:
        report(f"GET /trends/charts/{name}.svg as boss",
               lambda n=name: _cold(clients["boss"], f"/trends/charts/{n}.svg", CACHE))  # fmt: skip
    for client in clients.values():
        client.close()


PAGES = [
    ("boss", "/trends"), ("boss", "/trends?period=24m"), ("boss", "/trends?check=rsr_missing"),
    ("prov", "/trends"), ("prov", "/trends?period=24m"), ("spo", "/trends?period=24m"),
]  # fmt: skip
CHART_NAMES = ("rate", "by-check", "by-team", "flows", "ageing", "fix", "measures")


def _cold(client: Any, path: str, cache: Any) -> None:
    cache.clear()
    _get(client, path)


def _with_charts(client: Any, path: str, cache: Any) -> None:
    cache.clear()
    _again(client, path)


def _again(client: Any, path: str) -> None:
    _get(client, path)
    query = path.partition("?")[2]
    for name in CHART_NAMES:
        _get(client, f"/trends/charts/{name}.svg?{query}")


def _csrf(client: Any) -> str:
    import re

    page = client.get("/login").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _get(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])


def report(label: str, action: Any) -> None:
    action()  # warm: imports, first connection, template compilation
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        times.append(1000 * (time.perf_counter() - started))
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(f"  {label:<48} p50 {statistics.median(times):6.0f} ms   p95 {p95:6.0f} ms")


def kept_schema(url: str, schema: str) -> tuple[str, bool]:
    """The URL of a schema kept between runs, and whether it was made now."""
    admin = create_engine(url)
    with admin.begin() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"), {"s": schema}
        ).first()
        if not exists:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return scoped.render_as_string(hide_password=False), not exists


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
