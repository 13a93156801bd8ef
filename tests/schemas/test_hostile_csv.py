"""Hostile CSV input, generated: a valid extract (the contract's examples) with one table
corrupted one way at a time, in its bytes, its header, a value or the file itself.

For every case the loader and validation either refuse it with an AuditorError (a clear
message naming the file; the CLI turns it into exit 2, no traceback), or keep and reject
every row: rows read = kept + rejected. Anything else (another exception: a traceback
for the user) fails, and Hypothesis prints the case and the blob that reproduces it.
Run longer with HYPOTHESIS_PROFILE=long."""

from __future__ import annotations

import atexit
import csv
import datetime as dt
import io
import shutil
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from auditor.errors import AuditorError
from auditor.sources import load_extract, write_extract
from schemas import TABLE_NAMES
from schemas.examples import example_tables
from schemas.validation import screen_extract

AS_OF = dt.date(2026, 11, 25)
KINDS = (
    "bom", "crlf", "nul", "invalid_utf8", "long_field", "newline_in_value", "stray_quote",
    "header_duplicate", "header_reorder", "header_case", "header_missing", "header_extra",
    "value", "truncate", "empty", "header_only", "directory",
)  # fmt: skip
VALUES = st.sampled_from(["x", "-1", "0", "9999-99-99", "2026-02-30", "TRUE", "yes", "1e309",
                          "", " ", "NaN", "2026-11-25T25:00", "N07", "😀", "'=1+1"])  # fmt: skip

# every case's folder lives under one, removed when the tests end (a case Hypothesis
# drops before its test body runs leaves its folder)
_CASES = Path(tempfile.mkdtemp(prefix="hostile-csv-"))
atexit.register(shutil.rmtree, _CASES, True)
_CLEAN = _CASES / "clean"
write_extract(example_tables(), _CLEAN, "csv")


def corrupt(path: Path, kind: str, draw: st.DrawFn) -> None:
    """Corrupt one table's file one way."""
    data = path.read_bytes()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    header, body = rows[0], rows[1:]
    column = draw(st.integers(0, len(header) - 1))
    row = draw(st.integers(0, max(len(body) - 1, 0)))

    def write(new_header: list[str], new_body: list[list[str]]) -> None:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([new_header, *new_body])
        path.write_text(out.getvalue(), encoding="utf-8")

    def with_value(value: str) -> None:
        if body:
            body[row][column] = value
        write(header, body)

    if kind == "bom":
        path.write_bytes(b"\xef\xbb\xbf" + data)
    elif kind == "crlf":
        path.write_bytes(data.replace(b"\n", b"\r\n"))
    elif kind == "nul":
        with_value("a\x00b")
    elif kind == "invalid_utf8":
        cut = draw(st.integers(0, len(data)))
        path.write_bytes(data[:cut] + b"\xff\xfe" + data[cut:])
    elif kind == "long_field":
        with_value("y" * draw(st.integers(10_000, 200_000)))
    elif kind == "newline_in_value":
        with_value("first\nsecond")
    elif kind == "stray_quote":
        cut = draw(st.integers(len(data) // 2, len(data)))
        path.write_bytes(data[:cut] + b'"' + data[cut:])
    elif kind == "header_duplicate":
        write([*header, header[column]], [[*r, r[column]] for r in body])
    elif kind == "header_reorder":
        order = draw(st.permutations(range(len(header))))
        write([header[i] for i in order], [[r[i] for i in order] for r in body])
    elif kind == "header_case":
        write([h.upper() if i == column else h for i, h in enumerate(header)], body)
    elif kind == "header_missing":
        write([h for i, h in enumerate(header) if i != column],
              [[v for i, v in enumerate(r) if i != column] for r in body])  # fmt: skip
    elif kind == "header_extra":
        write([*header, "extra_column"], [[*r, "z"] for r in body])
    elif kind == "value":
        with_value(draw(VALUES))
    elif kind == "truncate":
        path.write_bytes(data[: draw(st.integers(0, len(data) - 1))])
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "header_only":
        write(header, [])
    elif kind == "directory":
        path.unlink()
        path.mkdir()


@st.composite
def hostile_extracts(draw: st.DrawFn) -> tuple[Path, str, str]:
    table = draw(st.sampled_from(TABLE_NAMES))
    kind = draw(st.sampled_from(KINDS))
    folder = Path(tempfile.mkdtemp(dir=_CASES))
    shutil.copytree(_CLEAN, folder, dirs_exist_ok=True)
    corrupt(folder / f"{table}.csv", kind, draw)
    return folder, table, kind


@given(hostile_extracts())
def test_hostile_csv_is_refused_clearly_or_every_row_is_kept_or_rejected(
    case: tuple[Path, str, str],
) -> None:
    folder, table, kind = case
    try:
        try:
            validated = screen_extract(load_extract(folder), AS_OF)
        except AuditorError as exc:
            message = str(exc)
            assert f"{table}.csv" in message or table in message, (kind, message)
            return
        counts = validated.counts
        assert (counts["rows_read"] == counts["rows_kept"] + counts["rows_rejected"]).all()
        # where the contract is silent, refused rather than guessed (see auditor/sources.py)
        assert kind not in ("header_duplicate", "header_case", "directory", "empty"), kind
    finally:
        shutil.rmtree(folder, ignore_errors=True)
