"""`auditor generate`: exit codes, messages, files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from auditor.cli import generate


def _app() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)
    generate.register(app)
    return app


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_app(), ["generate", *args])
    return result.exit_code, result.output


def _generate_small(out: Path, *options: str) -> tuple[int, str]:
    """200 persons, seed 3, as of 2026-11-25, into ``out``."""
    return _run(
        "--persons", "200", "--seed", "3", "--as-of", "2026-11-25", "--out", str(out), *options
    )


def test_help_lists_every_option() -> None:
    code, output = _run("--help")
    assert code == 0
    for option in (
        "--persons",
        "--seed",
        "--as-of",
        "--out",
        "--format",
        "--no-faults",
        "--fault-rate-scale",
    ):
        assert option in output


def test_a_small_extract_is_written_with_its_ground_truth_and_manifest(tmp_path: Path) -> None:
    code, output = _generate_small(tmp_path, "--format", "csv")
    assert code == 0, output
    assert (tmp_path / "events.csv").exists() and (tmp_path / "ground_truth.csv").exists()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["arguments"]["persons"] == 200
    assert manifest["row_counts"]["offenders"] == 200
    assert sum(manifest["fault_counts"].values()) > 0


def test_no_faults_writes_an_empty_ground_truth(tmp_path: Path) -> None:
    code, _ = _generate_small(tmp_path, "--no-faults")
    assert code == 0
    assert (tmp_path / "ground_truth.csv").read_text().strip() == "check,crn,subject,description"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--persons", "0"], "--persons"),
        (["--seed", "-1"], "--seed"),
        (["--as-of", "2026-13-01"], "YYYY-MM-DD"),
        (["--as-of", "1995-01-01"], "--as-of"),
        (["--fault-rate-scale", "-0.5"], "--fault-rate-scale"),
        (["--format", "xlsx"], "--format"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    base = {"--persons": "10", "--seed": "1", "--as-of": "2026-11-25", "--out": str(tmp_path / "x")}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    code, output = _run(*[part for pair in base.items() for part in pair])
    assert code == 2
    assert message in output
    assert "Traceback" not in output


def test_an_out_path_that_is_a_file_exits_2(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    code, output = _run(
        "--persons", "10", "--seed", "1", "--as-of", "2026-11-25", "--out", str(target)
    )
    assert code == 2 and "not a directory" in output
