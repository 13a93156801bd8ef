"""Same arguments, same bytes; another seed, another caseload."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from auditor.synthetic import generate_extract, write_synthetic

AS_OF = dt.date(2026, 3, 31)


def _write(folder: Path, seed: int, fmt: str) -> dict[str, bytes]:
    write_synthetic(generate_extract(300, seed, AS_OF), folder, fmt)  # type: ignore[arg-type]
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_the_same_arguments_give_the_same_bytes(tmp_path: Path, fmt: str) -> None:
    first = _write(tmp_path / "a", 5, fmt)
    second = _write(tmp_path / "b", 5, fmt)
    assert first.keys() == second.keys()
    assert {"ground_truth.csv", "manifest.json", f"contacts.{fmt}"} <= first.keys()
    assert first == second


def test_another_seed_gives_another_caseload(tmp_path: Path) -> None:
    first = _write(tmp_path / "a", 5, "csv")
    second = _write(tmp_path / "b", 6, "csv")
    for name in ("offenders.csv", "events.csv", "contacts.csv", "ground_truth.csv"):
        assert first[name] != second[name]
