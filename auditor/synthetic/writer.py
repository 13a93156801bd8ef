"""Writing a generated extract: the contract's tables (through the extract writer),
``ground_truth.csv`` and ``manifest.json`` (arguments, rows per table, faults per
check). Nothing depends on the clock, so the same arguments give the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.sources import ExtractFormat, write_extract
from auditor.synthetic.extract import Synthetic
from auditor.synthetic.faults.rates import rates_for_manifest
from auditor.synthetic.ground_truth import GROUND_TRUTH_FILE

MANIFEST_FILE = "manifest.json"


def write_synthetic(synthetic: Synthetic, out: Path, fmt: ExtractFormat = "parquet") -> list[Path]:
    written = write_extract(synthetic.tables, out, fmt)
    truth = out / GROUND_TRUTH_FILE
    synthetic.ground_truth.write_csv(truth)
    manifest = out / MANIFEST_FILE
    manifest.write_text(
        json.dumps(manifest_of(synthetic, fmt), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return [*written, truth, manifest]


def manifest_of(synthetic: Synthetic, fmt: ExtractFormat) -> dict[str, object]:
    return {
        "generator": "auditor.synthetic",
        "arguments": {
            "persons": synthetic.persons,
            "seed": synthetic.seed,
            "as_of": synthetic.as_of.isoformat(),
            "format": fmt,
            "faults": synthetic.faults,
            "fault_rate_scale": synthetic.fault_rate_scale,
        },
        "row_counts": synthetic.row_counts(),
        "fault_counts": synthetic.fault_counts(),
        "fault_rates": rates_for_manifest(synthetic.fault_rate_scale if synthetic.faults else 0.0),
        "ground_truth": GROUND_TRUTH_FILE,
    }
