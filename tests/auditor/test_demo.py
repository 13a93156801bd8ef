"""`auditor demo`'s engine: one stored run per working day over an evolving caseload,
in a folder of its own that it never takes from anyone else."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from auditor.config import parse_settings
from auditor.demo import (
    MARKER,
    DemoFolderInUse,
    DemoPlan,
    add_demo_users,
    prepare_folder,
    run_day,
    run_demo,
)
from auditor.store.database import open_store
from auditor.store.users import authenticate
from auditor.store.worklist import Filters, list_page

END = dt.date(2026, 11, 25)


def test_each_day_is_one_stored_run_with_a_history(tmp_path: Path) -> None:
    plan = DemoPlan(tmp_path / "demo", persons=600, seed=2, days=6, end=END)
    demo = run_demo(parse_settings({}), plan)
    assert [r.as_of for r in demo.results][-1] == END
    assert [r.run_id for r in demo.results] == [1, 2, 3, 4, 5, 6]
    totals = [r.totals for r in demo.results]
    assert totals[0]["new"] == totals[0]["open"] > 0
    assert sum(t["new"] for t in totals[1:]) > 0  # faults appear during the days
    assert sum(t["resolved"] for t in totals) > 0  # and fixes are confirmed
    engine = create_engine(demo.store)
    with engine.connect() as connection:
        runs = connection.execute(text("select count(*) from runs where status = 'succeeded'"))
        resolved = connection.execute(
            text("select count(*) from exceptions where status = 'resolved'")
        )
        assert runs.scalar_one() == 6
        assert resolved.scalar_one() == sum(t["resolved"] for t in totals) - sum(
            t["reopened"] for t in totals
        )
        # people worked the list between runs, and the next run confirmed their fixes
        worked = connection.execute(
            text(
                "select what, count(*) from exception_history"
                " where person is not null group by what"
            )
        )
        confirmed = connection.execute(
            text("select count(*) from exception_history where what = 'done_confirmed'")
        )
        assert dict(worked.all()) == {k: v for k, v in demo.triaged.items() if v}
        assert confirmed.scalar_one() > 0
    engine.dispose()
    assert demo.triaged["done"] > 0 and demo.triaged["acknowledged"] > 0
    assert (plan.folder / "extract" / "contacts.parquet").exists()


def test_a_second_demo_starts_afresh(tmp_path: Path) -> None:
    plan = DemoPlan(tmp_path / "demo", persons=150, seed=2, days=2, end=END)
    run_demo(parse_settings({}), plan)
    again = run_demo(parse_settings({}), plan)
    assert [r.run_id for r in again.results] == [1, 2]


def test_a_folder_of_other_files_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "thesis.docx").write_text("mine")
    with pytest.raises(DemoFolderInUse, match="did not make"):
        prepare_folder(tmp_path)
    assert (tmp_path / "thesis.docx").read_text() == "mine"


def test_an_empty_or_missing_folder_is_taken_and_marked(tmp_path: Path) -> None:
    prepare_folder(tmp_path)
    prepare_folder(tmp_path / "new" / "demo")
    assert (tmp_path / MARKER).exists() and (tmp_path / "new" / "demo" / MARKER).exists()


def test_the_demo_settings_point_into_the_folder(tmp_path: Path) -> None:
    plan = DemoPlan(tmp_path / "d", persons=100, seed=1, days=1, end=END)
    demo = run_demo(parse_settings({"store": {"url": "sqlite:///elsewhere.db"}}), plan)
    assert demo.settings.source.extract_dir == plan.folder / "extract"
    assert demo.settings.store.url.endswith(f"{plan.folder.as_posix()}/auditor.db")
    assert demo.settings.notify.outbox_dir == plan.folder / "outbox" / END.isoformat()
    assert demo.settings.notify.transport == "outbox"
    assert not Path("elsewhere.db").exists()


def test_a_demo_stopped_early_runs_its_next_day_later(tmp_path: Path) -> None:
    plan = DemoPlan(tmp_path / "demo", persons=400, seed=3, days=3, end=END)
    base = parse_settings({})
    demo = run_demo(base, plan, stop_after=2)
    assert [r.as_of for r in demo.results] == list(demo.evolution.days[:2])

    demo = run_day(demo, base, demo.evolution.days[2])

    assert [r.run_id for r in demo.results] == [1, 2, 3]
    assert demo.results[-1].as_of == END


def test_the_demo_users_are_one_of_each_role_with_working_passwords(tmp_path: Path) -> None:
    demo = run_demo(parse_settings({}), DemoPlan(tmp_path / "demo", persons=400, days=2, end=END))

    users = add_demo_users(demo)

    assert [u.user.role for u in users] == ["admin", "spo", "senior_manager", "sysadmin"]
    store = open_store(demo.settings.store)
    assert all(authenticate(store, u.user.username, u.password) for u in users)
    spo = users[1].user
    with store.reading() as connection:
        mine = list_page(connection, spo.scope(), Filters(), END, size=5).rows
    store.dispose()
    assert mine and {row["spo_staff_code"] for row in mine} == {spo.staff_code}
