"""`auditor validate`: exit 0 with a report and a rejects file, or 2 with a message."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy.engine import make_url

import auditor.audit
from auditor.cli import validate
from auditor.errors import AuditorError
from auditor.sources import write_database, write_extract
from schemas.examples import example_rows, example_table, example_tables
from tests.auditor.cli.invoke import Invoke, cli_with


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Invoke:
    """Run `auditor ARGS` through the real entry point; returns (exit code, output)."""
    return cli_with(monkeypatch, capsys, validate)


def test_a_clean_extract_exits_0_and_writes_an_empty_rejects_file(run, tmp_path: Path) -> None:
    write_extract(example_tables(), tmp_path / "extract")

    code, output = run("validate", "--extract", str(tmp_path / "extract"), "--as-of", "2026-11-25")

    assert code == 0
    assert "contacts" in output and "Rejects: 0 line(s) written to" in output
    assert pl.read_csv(tmp_path / "rejects.csv").columns == [
        "table", "row_number", "key", "column", "reason",
    ]  # fmt: skip


def test_rejects_are_reported_and_written_where_asked(run, tmp_path: Path) -> None:
    offenders = [dict(row) for row in example_rows("offenders") * 7]
    for number, row in enumerate(offenders):
        row["crn"] = f"X1{number:05d}"
    offenders.append(offenders[0] | {"crn": "X12"})  # 1 reject in 22 rows: under 5 %
    tables = example_tables() | {"offenders": example_table("offenders", offenders)}
    tables["offender_managers"] = tables["offender_managers"].clear()
    for name in ("events", "case_allocations", "registrations", "registration_reviews",
                 "assessments", "contacts", "documents"):  # fmt: skip
        tables[name] = tables[name].clear()
    write_extract(tables, tmp_path / "extract", "csv")

    code, output = run(
        "validate", "--extract", str(tmp_path / "extract"), "--rejects", str(tmp_path / "r.csv")
    )

    assert code == 0, output
    assert "crn is not one letter then six digits (1)" in output
    rejects = pl.read_csv(tmp_path / "r.csv")
    assert rejects.row(0) == (
        "offenders",
        22,
        "crn=X12",
        "crn",
        "crn 'X12' is not one letter then six digits",
    )


def test_too_many_rejects_exits_2_after_writing_the_rejects(run, tmp_path: Path) -> None:
    tables = example_tables()
    tables["documents"] = tables["documents"].with_columns(document_type=pl.lit("LETTER"))
    write_extract(tables, tmp_path / "extract")

    code, output = run("validate", "--extract", str(tmp_path / "extract"))

    assert code == 2
    assert "table documents: 100.0% of rows rejected" in output
    assert "raise max_reject_share in the source section of config.toml" in output
    assert "Traceback" not in output
    assert pl.read_csv(tmp_path / "rejects.csv").height == 1


def test_a_structural_fault_exits_2_without_a_traceback(run, tmp_path: Path) -> None:
    write_extract({n: f for n, f in example_tables().items() if n != "events"}, tmp_path)

    code, output = run("validate", "--extract", str(tmp_path))

    assert code == 2
    assert "missing table(s): events.csv or events.parquet" in output
    assert "Traceback" not in output


def test_a_database_source(run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'extract.db'}"
    write_database(example_tables(), url)

    code, output = run("validate", "--url", url, "--rejects", str(tmp_path / "r.csv"))

    assert code == 0, output
    assert "database table contacts" in output


@pytest.mark.parametrize(
    "args",
    [
        ("validate",),
        ("validate", "--extract", "nowhere", "--url", "sqlite:///x.db"),
        ("validate", "--extract", "nowhere", "--as-of", "25/11/2026"),
    ],
)
def test_usage_mistakes_exit_2(run, tmp_path: Path, monkeypatch, args: tuple[str, ...]) -> None:
    monkeypatch.chdir(tmp_path)

    code, output = run(*args)

    assert code == 2
    assert "Traceback" not in output


def test_help_names_every_option(run) -> None:
    code, output = run("validate", "--help")

    assert code == 0
    for option in ("--extract", "--url", "--as-of", "--rejects", "--config"):
        assert option in output


def test_a_configured_database_is_read_as_a_run_reads_it_with_its_password(
    run, tmp_path: Path, monkeypatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[source]\nurl = "postgresql://auditor@db/extract"\npassword_env = "PW"\n')
    monkeypatch.setenv("PW", "s3cret")
    urls: list[str] = []

    def load_database(url: str, _names: object) -> None:
        urls.append(url)
        raise AuditorError("not connecting in a test")

    monkeypatch.setattr(auditor.audit, "load_database", load_database)

    code, output = run("validate", "--config", str(config))

    assert code == 2 and "not connecting in a test" in output
    assert [make_url(url).password for url in urls] == ["s3cret"]
