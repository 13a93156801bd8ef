"""The ground truth: every exception the injected faults cause, one row per exception
identity (check, crn, subject) as CHECKS.md defines it, with a description of the fault.

It is written beside the extract as ``ground_truth.csv``: not a contract table, so a
loader reading ``<table>.csv`` files for the contract's tables never picks it up.
"""

from __future__ import annotations

import polars as pl

GROUND_TRUTH_FILE = "ground_truth.csv"
GROUND_TRUTH_SCHEMA = {
    "check": pl.String,
    "crn": pl.String,
    "subject": pl.String,
    "description": pl.String,
}


def empty_ground_truth() -> pl.DataFrame:
    return pl.DataFrame(schema=GROUND_TRUTH_SCHEMA)


def ground_truth_frame(rows: list[pl.DataFrame], crn: pl.DataFrame) -> pl.DataFrame:
    """Rows of (check, pid, subject, description) -> the ground truth, CRNs filled in,
    sorted by identity."""
    if not rows:
        return empty_ground_truth()
    frame = pl.concat(rows, how="vertical_relaxed").join(
        crn, on="pid", how="left", maintain_order="left"
    )
    return frame.select(
        pl.col(name).cast(dtype) for name, dtype in GROUND_TRUTH_SCHEMA.items()
    ).sort("check", "crn", "subject", maintain_order=True)
