"""Exports of the worklist's filter: the CSV and the XLSX hold exactly the list's rows,
in its order, with the columns the page promises, however many keyset batches the
rows take."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from typing import Any

import openpyxl
import pytest

import auditor.web.export
from auditor.store.users import UserRecord
from auditor.store.worklist import all_rows
from auditor.web.export import COLUMNS
from tests.web.stores import AS_OF, Browsers, World, ids_on, total_on

HEADINGS = [heading for _, heading in COLUMNS]
QUERIES = [
    "",
    "status=all&triage=all",
    "team=N01T01&team=N02T03",
    "severity=high&overdue=yes",
    "triage=false_positive&status=all",
    "provider=N03&sort=due",
    "check=rsr_missing&sort=crn",
    "age=21-60&status=all&triage=all",
    "crn=X00002",
]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(content: bytes) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [list(row) for row in book["Exceptions"].iter_rows(values_only=True)]
    finally:
        book.close()


@pytest.mark.parametrize("name", ["ada", "pam", "sue"])
@pytest.mark.parametrize("query", QUERIES)
def test_the_exports_hold_the_lists_rows_in_its_order(
    world: World, people: dict[str, UserRecord], browsers: Browsers, name: str, query: str
) -> None:
    browser = browsers.signed_in(name, page_size=500)
    page = browser.get(f"/exceptions?{query}").text

    csv_export = csv_rows(browser.get(f"/exceptions.csv?{query}").text)
    xlsx_export = xlsx_rows(browser.get(f"/exceptions.xlsx?{query}").content)

    assert csv_export[0] == HEADINGS and xlsx_export[0] == HEADINGS
    assert len(csv_export) - 1 == len(xlsx_export) - 1 == total_on(page)
    assert [int(row[0]) for row in csv_export[1:]] == ids_on(page)
    assert [row[0] for row in xlsx_export[1:]] == ids_on(page)


def test_the_list_links_to_exports_of_its_own_filter(
    world: World, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    page = browsers.signed_in("ada").get("/exceptions?team=N01T01&sort=due&severity=high").text

    assert 'href="/exceptions.csv?team=N01T01&amp;severity=high&amp;sort=due"' in page
    assert 'href="/exceptions.xlsx?team=N01T01&amp;severity=high&amp;sort=due"' in page


@pytest.mark.parametrize(
    ("extension", "media"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_an_export_is_a_dated_download(
    world: World, people: dict[str, UserRecord], browsers: Browsers, extension: str, media: str
) -> None:
    answer = browsers.signed_in("ada").get(f"/exceptions.{extension}")

    assert answer.status_code == 200 and answer.headers["content-type"] == media
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="auditor-exceptions-{AS_OF.isoformat()}.{extension}"'
    )


@pytest.mark.parametrize("show_names", [False, True])
def test_an_exports_row_says_what_the_page_says(
    world: World, people: dict[str, UserRecord], browsers: Browsers, show_names: bool
) -> None:
    row = next(
        r
        for r in world.rows
        if r["team_code"] == "N01T01"
        and r["staff_code"]
        and r["due_date"]
        and r["due_date"] < AS_OF
        and r["crn"] in world.names
    )
    forename, surname = world.names[row["crn"]]
    browser = browsers.signed_in("ada", show_names=show_names, base_url="http://auditor.example/")
    query = f"crn={row['crn']}&status=all&triage=all"

    (shown,) = [
        r
        for r in csv_rows(browser.get(f"/exceptions.csv?{query}").text)[1:]
        if r[0] == str(row["id"])
    ]
    (cells,) = [
        r
        for r in xlsx_rows(browser.get(f"/exceptions.xlsx?{query}").content)[1:]
        if r[0] == row["id"]
    ]

    values = dict(zip(HEADINGS, shown, strict=True))
    person = f"{forename} {surname}" if show_names else f"{forename[0]}.{surname[0]}."
    assert values["Person"] == person
    assert values["CRN"] == row["crn"] and values["Reason"] == row["reason"]
    assert values["Due date"] == row["due_date"].isoformat()
    assert values["Days overdue"] == str((AS_OF - row["due_date"]).days)
    assert (values["Team"], values["Team name"], values["Provider"]) == (
        "N01T01",
        "Team N01T01",
        "N01",
    )
    assert values["Offender manager"] == "Olive OfficerN01T01"
    assert values["Link"] == f"http://auditor.example/exceptions/{row['id']}"
    xlsx_values = dict(zip(HEADINGS, cells, strict=True))
    assert xlsx_values["Person"] == person
    assert xlsx_values["Due date"] == dt.datetime.combine(row["due_date"], dt.time())
    assert xlsx_values["Days overdue"] == (AS_OF - row["due_date"]).days


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_an_export_crosses_keyset_batches_without_losing_or_repeating_a_row(
    world: World,
    people: dict[str, UserRecord],
    browsers: Browsers,
    monkeypatch: pytest.MonkeyPatch,
    extension: str,
) -> None:
    monkeypatch.setattr(auditor.web.export, "all_rows", functools.partial(all_rows, batch=7))
    browser = browsers.signed_in("ada", page_size=500)
    page = browser.get("/exceptions?status=all&triage=all&sort=age").text

    answer = browser.get(f"/exceptions.{extension}?status=all&triage=all&sort=age")

    rows = csv_rows(answer.text) if extension == "csv" else xlsx_rows(answer.content)
    assert [int(r[0]) for r in rows[1:]] == ids_on(page) and len(ids_on(page)) == len(world.rows)


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_an_empty_filter_exports_the_headings_only(
    world: World, people: dict[str, UserRecord], browsers: Browsers, extension: str
) -> None:
    answer = browsers.signed_in("ada").get(f"/exceptions.{extension}?crn=Z9")

    rows = csv_rows(answer.text) if extension == "csv" else xlsx_rows(answer.content)
    assert rows == [HEADINGS]


def test_before_the_first_run_there_is_nothing_to_export(
    people: dict[str, UserRecord], browsers: Browsers
) -> None:
    answer = browsers.signed_in("ada").get("/exceptions.csv")

    assert answer.status_code == 404 and "Nothing to export" in answer.text


def test_a_bad_filter_value_is_left_out_of_the_export_too(
    world: World, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    browser = browsers.signed_in("ada")

    bad = browser.get("/exceptions.csv?severity=extreme&team=N01T01")
    good = browser.get("/exceptions.csv?team=N01T01")

    assert bad.status_code == 200 and bad.text == good.text
