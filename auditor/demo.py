"""`auditor demo`: a demo caseload audited day by day, so the store holds a real history.

The demo works in one folder of its own (``demo/`` by default), marked as the demo's
by a ``.auditor-demo`` file so that it never touches anything else:

- ``extract/``: the day's extract, rewritten before each run (after the demo, the last
  day's, so ``auditor run --config config.toml`` audits it again);
- ``auditor.db``: the exception store (SQLite), with every run;
- ``outbox/<as-of date>/``: the SPOs' emails of each run, as .eml files.

The caseload evolves over the days as ``auditor.synthetic.evolution`` describes, and
every day goes through the real pipeline (``run_audit``), emails included. Between two
runs, people work the list as ``auditor.synthetic.worklist`` describes (marking done
what they fixed, acknowledging, snoozing, disputing), through the store's triage API.
Unowned cases go to a made-up performance mailbox of their provider.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select

from auditor.config import Settings
from auditor.errors import AuditorError
from auditor.pipeline import Notifier, RunResult, run_audit
from auditor.sources import write_extract
from auditor.store import repository
from auditor.store.database import Store, open_store
from auditor.store.models import DirectoryStaff
from auditor.store.triage import mark_done, set_triage
from auditor.store.users import UserRecord, add_user, generated_password
from auditor.synthetic.evolution import Evolution, evolve, working_days_up_to
from auditor.synthetic.worklist import plan_triage

MARKER = ".auditor-demo"
EXTRACT = "extract"
STORE = "auditor.db"
OUTBOX = "outbox"
Progress = Callable[[str], None]
NotifiersFor = Callable[[Settings], Sequence[Notifier]]


class DemoFolderInUse(AuditorError):
    """The demo folder holds something that is not the demo's."""


@dataclass(frozen=True)
class DemoPlan:
    folder: Path
    persons: int = 3000
    seed: int = 1
    days: int = 65  # a quarter of working days: enough history for the trends
    end: dt.date = dt.date(2026, 11, 25)


@dataclass(frozen=True)
class Demo:
    plan: DemoPlan
    settings: Settings  # the last day's
    evolution: Evolution
    results: list[RunResult]
    triaged: Counter[str]  # people's changes between runs, by action

    @property
    def outbox(self) -> Path:
        return self.plan.folder / OUTBOX

    @property
    def store(self) -> str:
        return self.settings.store.url


def run_demo(
    base: Settings,
    plan: DemoPlan,
    notifiers_for: NotifiersFor = lambda _: (),
    progress: Progress | None = None,
    stop_after: int | None = None,
) -> Demo:
    """Generate the evolving caseload and run the pipeline on each of its days (only
    the first ``stop_after`` of them when given: ``run_day`` runs the next)."""
    say = progress or (lambda _: None)
    prepare_folder(plan.folder)
    days = working_days_up_to(plan.end, plan.days)
    evolution = evolve(plan.persons, plan.seed, days, progress=say)
    settings = demo_settings(base, plan.folder, evolution, days[0])
    demo = Demo(plan, settings, evolution, [], Counter())
    for number, day in enumerate(days[:stop_after], start=1):
        say(f"day {number} of {len(days)}: {day}")
        demo = run_day(demo, base, day, notifiers_for)
    return demo


def run_day(
    demo: Demo, base: Settings, day: dt.date, notifiers_for: NotifiersFor = lambda _: ()
) -> Demo:
    """One day of the demo: write the day's extract, run the pipeline on it, then let
    people work the list as they would before the next day's run."""
    plan, evolution = demo.plan, demo.evolution
    write_extract(evolution.extract_on(day), plan.folder / EXTRACT, "parquet")
    settings = demo_settings(base, plan.folder, evolution, day)
    store = open_store(settings.store)
    triaged = Counter(demo.triaged)
    try:
        result = run_audit(settings, day, notifiers=notifiers_for(settings), store=store)
        later = [d for d in evolution.days if d > day]
        if later:
            triaged.update(work_the_list(store, evolution, day, later[0], plan.seed))
    finally:
        store.dispose()
    return Demo(plan, settings, evolution, [*demo.results, result], triaged)


def work_the_list(
    store: Store, evolution: Evolution, day: dt.date, next_day: dt.date, seed: int
) -> list[str]:
    """People's changes after the run as of ``day``, through the triage API; returns
    the action of each."""
    with store.reading() as connection:
        open_now = repository.read_open(connection)
    fixed_next = evolution.timeline.filter(pl.col("fixed") == next_day).select("crn")
    plan = plan_triage(open_now, fixed_next, day, seed)
    for change in plan:
        if change.action == "done":
            mark_done(store, change.exception_id, change.person, change.comment)
        else:
            set_triage(store, change.exception_id, change.action, change.person,
                       change.comment, change.until, change.reason)  # fmt: skip
    return [change.action for change in plan]


def prepare_folder(folder: Path) -> None:
    """Create the demo folder, or empty one that a previous demo made."""
    if folder.exists() and any(folder.iterdir()) and not (folder / MARKER).exists():
        raise DemoFolderInUse(
            f"{folder} already holds files that the demo did not make; choose another "
            "folder with --dir, or empty it."
        )
    for name in (EXTRACT, OUTBOX):
        shutil.rmtree(folder / name, ignore_errors=True)
    for path in folder.glob(f"{STORE}*"):
        path.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("Made by `auditor demo`; it empties this folder.\n")


def demo_settings(base: Settings, folder: Path, evolution: Evolution, day: dt.date) -> Settings:
    """``base`` pointed at the demo folder: its extract, its store, the day's outbox."""
    providers = evolution.faulted.tables["providers"]["provider_code"].to_list()
    unowned = {code: [f"{code.lower()}-performance@probation.example"] for code in providers}
    notify = base.notify.model_copy(
        update={
            "transport": "outbox",
            "outbox_dir": folder / OUTBOX / day.isoformat(),
            "unowned": unowned | base.notify.unowned,
        }
    )
    source = base.source.model_copy(update={"extract_dir": folder / EXTRACT, "url": None})
    store = base.store.model_copy(update={"url": f"sqlite:///{(folder / STORE).as_posix()}"})
    return base.model_copy(update={"source": source, "store": store, "notify": notify})


@dataclass(frozen=True)
class DemoUser:
    user: UserRecord
    password: str
    note: str


def add_demo_users(demo: Demo) -> list[DemoUser]:
    """One user of each role on the demo store, with new passwords (shown once): an
    admin and a senior manager for every provider, the SPO with most open exceptions,
    and a sysadmin."""
    store = open_store(demo.settings.store)
    try:
        spo, teams = _busiest_spo(store)
        wanted: list[tuple[str, str, str, dict[str, Any], str]] = [
            ("admin", "Ada Admin", "admin", {"all_scope": True}, "every provider"),
            ("spo", _staff_name(store, spo), "spo", {"staff_code": spo}, f"SPO of {teams}"),
            ("manager", "Sam Senior-Manager", "senior_manager", {"all_scope": True},
             "reads every provider"),
            ("sysadmin", "Sys Admin", "sysadmin", {}, "users only"),
        ]  # fmt: skip
        made = []
        for username, name, role, scope, note in wanted:
            password = generated_password()
            user = add_user(store, username, name, role, password=password, **scope)
            made.append(DemoUser(user, password, note))
        return made
    finally:
        store.dispose()


def _staff_name(store: Store, staff_code: str) -> str:
    with store.reading() as connection:
        row = connection.execute(
            select(DirectoryStaff.forename, DirectoryStaff.surname).where(
                DirectoryStaff.staff_code == staff_code
            )
        ).one_or_none()
    return f"{row.forename} {row.surname}" if row else f"SPO {staff_code}"


def _busiest_spo(store: Store) -> tuple[str, str]:
    """The SPO whose teams have the most open exceptions, and their teams."""
    with store.reading() as connection:
        open_now = repository.read_open(connection)
    ranked = (
        open_now.drop_nulls("spo_staff_code")
        .group_by("spo_staff_code")
        .agg(pl.len(), pl.col("team_code").unique().sort())
        .sort(["len", "spo_staff_code"], descending=[True, False])
    )
    if ranked.is_empty():
        raise AuditorError("the demo has no SPO with open exceptions to sign in as")
    first = ranked.row(0, named=True)
    return first["spo_staff_code"], ", ".join(t for t in first["team_code"] if t)
