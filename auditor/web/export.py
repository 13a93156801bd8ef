"""Exports of the worklist's current filter: CSV and XLSX, streamed, scoped like the page.

The rows are read a keyset page at a time (auditor/store/worklist/ ``all_rows``), so
an export of 300,000 rows never holds them all. CSV goes out as it is written; XLSX
is written by xlsxwriter in its constant-memory mode to a temporary file, then sent
in chunks. Text that a spreadsheet would take for a formula (starting with = + - @) is
prefixed with an apostrophe in the CSV and always written as text in the XLSX.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterator
from typing import Any

import xlsxwriter
from starlette.responses import Response, StreamingResponse

from auditor.store.worklist import all_rows
from auditor.web.app import Visit
from auditor.web.filters import read_list_request
from checks.registry import REGISTRY

COLUMNS = (
    ("id", "Exception"), ("crn", "CRN"), ("person", "Person"), ("check", "Check"),
    ("title", "Check title"), ("severity", "Severity"), ("reason", "Reason"),
    ("due_date", "Due date"), ("days_overdue", "Days overdue"), ("days_open", "Working days open"),
    ("first_seen", "First seen"), ("last_seen", "Last seen"), ("status", "Status"),
    ("triage_view", "Triage"), ("assigned_to", "Assigned to"), ("provider_code", "Provider"),
    ("team_code", "Team"), ("team_name", "Team name"), ("staff_code", "Offender manager code"),
    ("officer", "Offender manager"), ("spo_staff_code", "SPO"), ("url", "Link"),
)  # fmt: skip
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 64 * 1024


def export_csv(visit: Visit) -> Response:
    rows = _rows(visit)
    if isinstance(rows, Response):
        return rows
    return StreamingResponse(_csv(rows), media_type="text/csv; charset=utf-8",
                             headers=_attachment(visit, "csv"))  # fmt: skip


def export_xlsx(visit: Visit) -> Response:
    rows = _rows(visit)
    if isinstance(rows, Response):
        return rows
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return StreamingResponse(_xlsx(rows), media_type=media, headers=_attachment(visit, "xlsx"))


def _rows(visit: Visit) -> Iterator[list[Any]] | Response:
    user = visit.user
    if not user.reads_exceptions:
        return visit.error(403, "You cannot see case records", "Your role manages users only.")
    as_of = visit.as_of
    if as_of is None:
        return visit.error(404, "Nothing to export", "The store holds no run yet.")
    wanted = read_list_request(visit.request.query_params, me=user.username)
    scope, store = user.scope(), visit.store
    base = visit.web.settings.web.base_url.rstrip("/")
    show_names = visit.web.settings.web.show_names

    rows = all_rows(store.reading, scope, wanted.filters, as_of, wanted.sort)
    return (_values(row, base, show_names) for row in rows)


def _values(row: dict[str, Any], base: str, show_names: bool) -> list[Any]:
    names = " ".join(x for x in (row.get("forename"), row.get("surname")) if x)
    officer = " ".join(x for x in (row.get("officer_forename"), row.get("officer_surname")) if x)
    check = REGISTRY.get(row["check"])
    extra = {
        "person": names if show_names else row["initials"],
        "title": check.title if check else row["check"],
        "officer": officer,
        "url": f"{base}/exceptions/{row['id']}",
    }
    return [extra[key] if key in extra else row.get(key) for key, _ in COLUMNS]


def _csv(rows: Iterator[list[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([heading for _, heading in COLUMNS])
    for number, row in enumerate(rows, start=1):
        writer.writerow([_safe_text(value) for value in row])
        if number % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _safe_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _xlsx(rows: Iterator[list[Any]]) -> Iterator[bytes]:
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as file:
        options = {"constant_memory": True, "strings_to_formulas": False,
                   "strings_to_urls": False, "strings_to_numbers": False}  # fmt: skip
        workbook = xlsxwriter.Workbook(file.name, options)
        sheet = workbook.add_worksheet("Exceptions")
        dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
        bold = workbook.add_format({"bold": True})
        sheet.write_row(0, 0, [heading for _, heading in COLUMNS], bold)
        sheet.freeze_panes(1, 0)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                _write(sheet, number, column, value, dates)
        workbook.close()
        file.seek(0)
        while chunk := file.read(CHUNK):
            yield chunk


def _write(sheet: Any, row: int, column: int, value: Any, dates: Any) -> None:
    if value is None:
        return
    if isinstance(value, dt.date):
        sheet.write_datetime(row, column, dt.datetime.combine(value, dt.time()), dates)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    else:
        sheet.write_string(row, column, str(value))


def _attachment(visit: Visit, extension: str) -> dict[str, str]:
    day = visit.as_of.isoformat() if visit.as_of else "none"
    return {"content-disposition": f'attachment; filename="auditor-exceptions-{day}.{extension}"'}
