"""Synthetic nDelius-like extracts with known faults (see README of each module).

``generate_extract`` builds a realistic caseload as it stands at an as-of date, clean
under every rule of CHECKS.md, then injects data-quality faults at rates taken from
the inspection report and lists exactly the exceptions they cause (the ground truth).
``write_synthetic`` writes the extract, ``ground_truth.csv`` and ``manifest.json``.
"""

from __future__ import annotations

from auditor.synthetic.extract import Synthetic, generate_extract
from auditor.synthetic.writer import write_synthetic

__all__ = ["Synthetic", "generate_extract", "write_synthetic"]
