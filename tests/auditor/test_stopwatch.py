"""The stopwatch of a run's stages: each stage once, inner stages left out of outer ones,
and a stage that raised still timed."""

from __future__ import annotations

import time

import pytest

from auditor.stopwatch import Stopwatch


def test_an_inner_stage_is_left_out_of_the_outer_one() -> None:
    clock = Stopwatch()

    with clock.stage("store"):
        time.sleep(0.02)
        with clock.stage("reconcile"):
            time.sleep(0.05)

    assert clock.seconds["reconcile"] >= 0.05
    assert 0.02 <= clock.seconds["store"] < 0.05


def test_a_stage_that_raised_keeps_its_time_and_a_repeated_one_adds_up() -> None:
    clock = Stopwatch()

    with pytest.raises(RuntimeError), clock.stage("validate"):
        time.sleep(0.01)
        raise RuntimeError("bad input")
    with clock.stage("validate"):
        time.sleep(0.01)

    assert list(clock.seconds) == ["validate"] and clock.seconds["validate"] >= 0.02


def test_an_unknown_stage_is_refused_naming_the_stages() -> None:
    clock = Stopwatch()
    with pytest.raises(ValueError, match="unknown stage 'emails'; the stages are load, "):
        clock.stage("emails").__enter__()
