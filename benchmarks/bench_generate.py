"""Time the synthetic generator: seconds per stage and rows per table.

    .venv/bin/python benchmarks/bench_generate.py --persons 250000 --out /tmp/bench

The target is 250,000 persons generated and written as Parquet in under two minutes
on a two-core machine. The machine is shared: run the large size sparingly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from auditor.synthetic import generate_extract, write_synthetic


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 25))
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument(
        "--out", type=Path, help="output directory (default: a temporary one, removed)"
    )
    args = parser.parse_args()
    if args.out is None:
        with tempfile.TemporaryDirectory() as folder:
            run(args, Path(folder))
    else:
        run(args, args.out)


def run(args: argparse.Namespace, out: Path) -> None:
    marks: list[tuple[str, float]] = [("start", time.perf_counter())]
    synthetic = generate_extract(
        args.persons,
        args.seed,
        args.as_of,
        progress=lambda stage: marks.append((stage, time.perf_counter())),
    )
    marks.append(("write", time.perf_counter()))
    write_synthetic(synthetic, out, args.format)
    marks.append(("end", time.perf_counter()))
    print(f"{args.persons:,} persons, seed {args.seed}, as of {args.as_of}, {args.format}")
    for (stage, began), (_, ended) in zip(marks, marks[1:], strict=False):
        print(f"  {stage:<20} {ended - began:7.2f} s")
    print(f"  {'total':<20} {marks[-1][1] - marks[0][1]:7.2f} s")
    for name, rows in synthetic.row_counts().items():
        print(f"  {name:<22} {rows:>12,}  ({rows / args.persons:.2f} per person)")
    print(f"  {'ground truth':<22} {synthetic.ground_truth.height:>12,}")


if __name__ == "__main__":
    main()
