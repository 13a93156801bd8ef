"""Recall and precision 1.0: the ground truth is exactly the set of exceptions the
rules of CHECKS.md raise on the generated extract.

Two independent readings of the rules are compared with it: ``oracle.py`` (written
with the generator, a few polars lines per rule) and the checks themselves
(``checks.runner.run_checks``).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from auditor.synthetic import Synthetic, generate_extract
from checks.context import CheckContext
from checks.runner import run_checks

from .conftest import AS_OF
from .oracle import RULES, audit

IDENTITY = ["check", "crn", "subject"]


def _truth(synthetic: Synthetic) -> pl.DataFrame:
    return synthetic.ground_truth.select(IDENTITY).sort(IDENTITY)


def _differences(raised: pl.DataFrame, truth: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {
        "raised, not in the ground truth": raised.join(truth, on=IDENTITY, how="anti"),
        "in the ground truth, not raised": truth.join(raised, on=IDENTITY, how="anti"),
    }


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_each_rule_raises_exactly_its_ground_truth(faulty: Synthetic, rule) -> None:  # type: ignore[no-untyped-def]
    raised = audit(faulty.tables, AS_OF).filter(pl.col("check") == rule.__name__)
    truth = _truth(faulty).filter(pl.col("check") == rule.__name__)
    assert truth.height > 0
    for label, rows in _differences(raised, truth).items():
        assert rows.height == 0, f"{label}:\n{rows}"


@pytest.mark.parametrize(
    ("seed", "as_of"),
    [
        (21, dt.date(2026, 3, 31)),
        (22, dt.date(2026, 12, 25)),
        (23, dt.date(2024, 2, 29)),
        (24, dt.date(2015, 7, 4)),
    ],
)
def test_ground_truth_is_exact_for_other_seeds_and_dates(seed: int, as_of: dt.date) -> None:
    synthetic = generate_extract(1200, seed, as_of)
    for label, rows in _differences(audit(synthetic.tables, as_of), _truth(synthetic)).items():
        assert rows.height == 0, f"{label}:\n{rows}"


def test_a_clean_extract_raises_nothing(clean: Synthetic) -> None:
    assert audit(clean.tables, AS_OF).height == 0


def test_the_checks_raise_exactly_the_ground_truth(faulty: Synthetic) -> None:
    context = CheckContext.build(
        {name: frame.lazy() for name, frame in faulty.tables.items()}, AS_OF
    )
    run = run_checks(context, {})
    assert all(outcome.status == "ok" for outcome in run.outcomes.values())
    raised = run.exceptions.select(IDENTITY)
    for label, rows in _differences(raised, _truth(faulty)).items():
        assert rows.height == 0, f"{label}:\n{rows}"


@pytest.mark.parametrize("persons", [1, 2, 3, 7])
def test_a_tiny_caseload_is_generated_and_its_ground_truth_exact(persons: int) -> None:
    for seed in (1, 2, 3):
        synthetic = generate_extract(persons, seed, AS_OF)
        assert synthetic.tables["offenders"].height == persons
        raised = audit(synthetic.tables, AS_OF)
        for label, rows in _differences(raised, _truth(synthetic)).items():
            assert rows.height == 0, f"{label}:\n{rows}"


def test_a_caseload_without_a_single_flag_is_generated() -> None:
    synthetic = generate_extract(1, 7, AS_OF)  # one person, sentenced only after D
    assert synthetic.tables["registrations"].is_empty()
    raised = audit(synthetic.tables, AS_OF)
    for label, rows in _differences(raised, _truth(synthetic)).items():
        assert rows.height == 0, f"{label}:\n{rows}"
