"""How long each stage of a run took: load, validate, context, checks, measures,
reconcile, store and email (``STAGES``), recorded on the run (run_stages) and shown in
the metrics (``auditor_run_stage_seconds``) so operations staff see which stage grew.

A stage that raised keeps the time it took until then: a failed run shows where it
stopped. A stage inside another is counted once: the outer stage's time leaves out the
inner one's (reconcile runs inside the store's transaction).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

STAGES = ("load", "validate", "context", "checks", "measures", "reconcile", "store", "email")


@dataclass
class Stopwatch:
    """Seconds per stage, in the order the stages ran."""

    seconds: dict[str, float] = field(default_factory=dict)
    _nested: list[float] = field(default_factory=list)  # inner stages' time, per open stage

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if name not in STAGES:
            raise ValueError(f"unknown stage {name!r}; the stages are {', '.join(STAGES)}")
        started = time.perf_counter()
        self._nested.append(0.0)
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            inner = self._nested.pop()
            self.seconds[name] = self.seconds.get(name, 0.0) + elapsed - inner
            if self._nested:
                self._nested[-1] += elapsed
