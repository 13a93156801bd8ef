"""Loading extracts: the same tables from CSV, Parquet and SQLite; structural faults stop."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from auditor.errors import ExtractError
from auditor.sources import Extract, load_database, load_extract, write_database, write_extract
from schemas.examples import example_tables

REFERENCE = ("register_types", "contact_types")


def assert_same_tables(extract: Extract, tables: dict[str, pl.DataFrame]) -> None:
    for name, frame in tables.items():
        assert_frame_equal(extract.tables[name].collect(), frame)


def csv_extract(tmp_path: Path) -> Path:
    write_extract(example_tables(), tmp_path, "csv")
    return tmp_path


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one value of a CSV file (row: 1-based data row)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[row][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_files_load_to_the_contract_types(tmp_path: Path, fmt: str) -> None:
    write_extract(example_tables(), tmp_path, fmt)  # type: ignore[arg-type]

    extract = load_extract(tmp_path)

    assert_same_tables(extract, example_tables())
    assert extract.bundled == frozenset()
    assert extract.sources["contacts"] == f"contacts.{fmt}"


def test_a_sqlite_database_loads_to_the_same_frames(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'extract.db'}"
    write_database(example_tables(), url)

    extract = load_database(url)

    assert_same_tables(extract, example_tables())
    assert extract.sources["events"] == "database table events"


def test_a_mixed_csv_and_parquet_extract_loads(tmp_path: Path) -> None:
    tables = example_tables()
    write_extract({n: f for n, f in tables.items() if n < "f"}, tmp_path, "csv")
    write_extract({n: f for n, f in tables.items() if n >= "f"}, tmp_path, "parquet")

    extract = load_extract(tmp_path)

    assert_same_tables(extract, tables)
    assert {extract.sources["contacts"], extract.sources["teams"]} == {
        "contacts.csv",
        "teams.parquet",
    }


@pytest.mark.parametrize("source", ["csv", "parquet", "sqlite"])
def test_absent_reference_tables_fall_back_to_the_bundled_ones(tmp_path: Path, source: str) -> None:
    tables = {n: f for n, f in example_tables().items() if n not in REFERENCE}

    extract = _load(tables, tmp_path, source)

    assert extract.bundled == frozenset(REFERENCE)
    assert extract.sources["contact_types"] == "bundled default"
    assert_same_tables(extract, example_tables())


@pytest.mark.parametrize("source", ["csv", "parquet", "sqlite"])
def test_extra_columns_are_ignored_and_absent_soft_deleted_is_false(
    tmp_path: Path, source: str
) -> None:
    tables = example_tables()
    tables["events"] = tables["events"].drop("soft_deleted").with_columns(note=pl.lit("x"))

    extract = _load(tables, tmp_path, source)

    assert_same_tables(extract, example_tables())


def _load(tables: dict[str, pl.DataFrame], tmp_path: Path, source: str) -> Extract:
    if source == "sqlite":
        url = f"sqlite:///{tmp_path / 'extract.db'}"
        write_database(tables, url)
        return load_database(url)
    write_extract(tables, tmp_path, source)  # type: ignore[arg-type]
    return load_extract(tmp_path)


@pytest.mark.parametrize("source", ["parquet", "sqlite"])
def test_only_the_tables_asked_for_are_read(tmp_path: Path, source: str) -> None:
    wanted = ("teams", "staff")
    tables = {n: f for n, f in example_tables().items() if n in (*wanted, "providers")}
    if source == "sqlite":
        url = f"sqlite:///{tmp_path / 'extract.db'}"
        write_database(tables, url)
        extract = load_database(url, wanted)
    else:
        write_extract(tables, tmp_path)
        extract = load_extract(tmp_path, wanted)

    assert set(extract.tables) == set(wanted)  # the absent contract tables are no fault
    assert_same_tables(extract, {n: tables[n] for n in wanted})


@pytest.mark.parametrize(
    ("column", "text", "expected"),
    [
        ("active", "TRUE", True),
        ("active", "False", False),
        ("active", "", None),
    ],
)
def test_csv_booleans_in_any_case(tmp_path: Path, column: str, text: str, expected: object) -> None:
    set_cell(csv_extract(tmp_path) / "events.csv", 2, column, text)

    events = load_extract(tmp_path).tables["events"].collect()

    assert events[column][1] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T09:30:00", dt.datetime(2026, 3, 2, 9, 30)),
        ("2026-03-02 09:30:00", dt.datetime(2026, 3, 2, 9, 30)),
        ("2026-03-02 09:30:00.125", dt.datetime(2026, 3, 2, 9, 30, 0, 125000)),
        ("2026-03-02T09:30", dt.datetime(2026, 3, 2, 9, 30)),
    ],
)
def test_csv_datetimes_in_iso_forms(tmp_path: Path, text: str, expected: dt.datetime) -> None:
    set_cell(csv_extract(tmp_path) / "contacts.csv", 2, "created_datetime", text)

    contacts = load_extract(tmp_path).tables["contacts"].collect()

    assert contacts["created_datetime"][1] == expected


# --- structural faults stop the run ------------------------------------------------------

VALUE_FAULTS = [
    ("sentence_date", "2026-13-02", "'2026-13-02' is not a date in the form YYYY-MM-DD"),
    ("event_number", "abc", "'abc' is not a whole number"),
    ("active", "maybe", "'maybe' is not true or false"),
    ("active", "1", "'1' is not true or false"),
]


@pytest.mark.parametrize(("column", "text", "problem"), VALUE_FAULTS)
def test_a_csv_value_of_the_wrong_type_names_file_table_column_row_and_line(
    tmp_path: Path, column: str, text: str, problem: str
) -> None:
    set_cell(csv_extract(tmp_path) / "events.csv", 2, column, text)

    with pytest.raises(ExtractError) as stop:
        load_extract(tmp_path)

    assert f"events.csv (table events), column {column}, row 2 (line 3), event_id=2: " in str(
        stop.value
    )
    assert problem in str(stop.value)


def test_line_numbers_count_multi_line_values(tmp_path: Path) -> None:
    set_cell(csv_extract(tmp_path) / "events.csv", 1, "court_name", "Camden\nMagistrates")
    set_cell(tmp_path / "events.csv", 2, "sentence_date", "yesterday")

    with pytest.raises(ExtractError, match=r"row 2 \(line 4\)"):
        load_extract(tmp_path)


def test_a_bad_datetime_in_csv(tmp_path: Path) -> None:
    set_cell(csv_extract(tmp_path) / "contacts.csv", 3, "created_datetime", "2026-03-02T25:00")

    with pytest.raises(ExtractError, match=r"contacts.csv .*created_datetime, row 3 \(line 4\)"):
        load_extract(tmp_path)


def test_a_csv_without_a_required_column(tmp_path: Path) -> None:
    write_extract({"offenders": example_tables()["offenders"].drop("surname")}, tmp_path, "csv")
    write_extract({n: f for n, f in example_tables().items() if n != "offenders"}, tmp_path)

    with pytest.raises(ExtractError, match=r"offenders.csv \(table offenders\): missing .*surname"):
        load_extract(tmp_path)


@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_a_csv_header_naming_a_column_twice_is_refused(tmp_path: Path, bom: str) -> None:
    csv_extract(tmp_path)
    teams = tmp_path / "teams.csv"
    header, *rows = teams.read_text().splitlines()
    first = header.split(",")[0]
    teams.write_text("\n".join([f"{bom}{header},{first}", *(f"{r},x" for r in rows)]) + "\n")

    said = rf"teams.csv \(table teams\): the header names the column '{first}' twice"
    with pytest.raises(ExtractError, match=said + r" \(columns 1 and \d+\); keep one of them"):
        load_extract(tmp_path)


def test_a_missing_table_names_it_and_the_folder(tmp_path: Path) -> None:
    write_extract({n: f for n, f in example_tables().items() if n != "events"}, tmp_path)

    with pytest.raises(ExtractError, match=r"missing table\(s\): events.csv or events.parquet"):
        load_extract(tmp_path)


def test_a_table_given_twice_names_both_files(tmp_path: Path) -> None:
    write_extract(example_tables(), tmp_path)
    write_extract({"teams": example_tables()["teams"]}, tmp_path, "csv")

    with pytest.raises(ExtractError, match=r"as teams.csv and teams.parquet"):
        load_extract(tmp_path)


def test_a_csv_that_is_not_utf8_names_row_line_and_column(tmp_path: Path) -> None:
    path = csv_extract(tmp_path) / "offenders.csv"
    path.write_bytes(path.read_bytes().replace(b"F2", b"F\xe92"))

    with pytest.raises(ExtractError) as stop:
        load_extract(tmp_path)

    message = str(stop.value)
    assert "offenders.csv (table offenders): column forename, row 2 (line 3)" in message
    assert "is not UTF-8" in message


def test_a_ragged_csv_row_names_row_and_line(tmp_path: Path) -> None:
    path = csv_extract(tmp_path) / "teams.csv"
    path.write_text(path.read_text() + "N07T03,Islington,N07,,false,extra\n")

    with pytest.raises(ExtractError, match=r"teams.csv \(table teams\): row 3 \(line 4\) has 6"):
        load_extract(tmp_path)


def test_a_short_csv_row_names_row_and_line(tmp_path: Path) -> None:
    path = csv_extract(tmp_path) / "teams.csv"
    path.write_text(path.read_text() + "N07T03,Islington,N07\n")

    with pytest.raises(ExtractError, match=r"teams.csv \(table teams\): row 3 \(line 4\) has 3"):
        load_extract(tmp_path)


def test_empty_last_fields_are_not_a_short_row(tmp_path: Path) -> None:
    path = csv_extract(tmp_path) / "teams.csv"
    path.write_text(path.read_text() + "N07T03,Islington,N07,,\n")

    teams = load_extract(tmp_path).tables["teams"].collect()

    assert teams["soft_deleted"].null_count() == 1  # validation rejects that row


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_empty_file_names_file_and_table(tmp_path: Path, fmt: str) -> None:
    write_extract(example_tables(), tmp_path)
    (tmp_path / "staff.parquet").unlink()
    (tmp_path / f"staff.{fmt}").write_bytes(b"")

    with pytest.raises(ExtractError, match=rf"staff.{fmt} \(table staff\) is empty \(0 bytes\)"):
        load_extract(tmp_path)


def test_a_corrupt_parquet_file_names_file_and_table(tmp_path: Path) -> None:
    write_extract(example_tables(), tmp_path)
    (tmp_path / "events.parquet").write_bytes(b"PAR1 this is not parquet")

    with pytest.raises(ExtractError, match=r"events.parquet \(table events\) is not a readable"):
        load_extract(tmp_path)


def test_a_parquet_column_of_an_incompatible_type_names_it(tmp_path: Path) -> None:
    tables = example_tables()
    tables["events"] = tables["events"].with_columns(pl.col("sentence_date").cast(pl.Int32))
    write_extract(tables, tmp_path)

    with pytest.raises(ExtractError, match=r"events.parquet \(table events\), column sentence_"):
        load_extract(tmp_path)


def test_parquet_text_dates_are_read_and_checked(tmp_path: Path) -> None:
    tables = example_tables()
    text = tables["events"]["sentence_date"].cast(pl.String).to_list()
    write_extract(
        tables | {"events": tables["events"].with_columns(sentence_date=pl.Series(text))}, tmp_path
    )
    assert_same_tables(load_extract(tmp_path), example_tables())

    text[2] = "31/01/2026"
    write_extract(
        tables | {"events": tables["events"].with_columns(sentence_date=pl.Series(text))}, tmp_path
    )
    with pytest.raises(ExtractError, match=r"events.parquet .*sentence_date, row 3, event_id=3"):
        load_extract(tmp_path)


def test_parquet_of_other_integer_widths_and_time_zones(tmp_path: Path) -> None:
    tables = example_tables()
    contacts = tables["contacts"].with_columns(
        pl.col("contact_id").cast(pl.Int32),
        pl.col("created_datetime").dt.replace_time_zone("Europe/London").dt.cast_time_unit("ns"),
    )
    write_extract(tables | {"contacts": contacts}, tmp_path)

    assert_same_tables(load_extract(tmp_path), example_tables())


def test_a_database_value_of_the_wrong_type_names_table_column_and_row(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'extract.db'}"
    tables = example_tables()
    tables["events"] = tables["events"].with_columns(pl.col("event_number").cast(pl.String))
    tables["events"][1, "event_number"] = "two"
    write_database(tables, url)

    with pytest.raises(ExtractError) as stop:
        load_database(url)

    said = f"database {url} (table events), column event_number, the row with event_id=2: "
    assert said + "'two' is not a whole number" in str(stop.value)  # a table's rows have no order


def test_a_database_without_a_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'extract.db'}"
    write_database({n: f for n, f in example_tables().items() if n != "events"}, url)

    with pytest.raises(ExtractError, match="missing table\\(s\\): events"):
        load_database(url)


def test_a_missing_database_file_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(ExtractError, match="no such SQLite database file"):
        load_database(f"sqlite:///{tmp_path / 'nothing.db'}")
    assert not (tmp_path / "nothing.db").exists()


def test_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ExtractError, match="no such directory"):
        load_extract(tmp_path / "nowhere")


def test_a_field_over_128_kib_with_a_wrong_type_names_its_row_and_line(tmp_path: Path) -> None:
    csv_extract(tmp_path)
    set_cell(tmp_path / "staff.csv", 1, "end_date", "9" * 200_000)  # found by hypothesis

    with pytest.raises(ExtractError, match=r"staff.csv \(table staff\), column end_date, row 1 "
                       r"\(line 2\)"):  # fmt: skip
        load_extract(tmp_path)


def test_a_contract_column_in_other_letter_case_is_refused(tmp_path: Path) -> None:
    csv_extract(tmp_path)
    path = tmp_path / "events.csv"
    header, rest = path.read_text().split("\n", 1)
    path.write_text(
        f"{header},SOFT_DELETED\n" + "".join(f"{r},true\n" for r in rest.split("\n") if r)
    )

    said = r"events.csv \(table events\): the header's column 'SOFT_DELETED' differs from"
    with pytest.raises(ExtractError, match=said + r" the contract's 'soft_deleted' only in"):
        load_extract(tmp_path)


def test_a_folder_where_a_reference_table_should_be_is_refused(tmp_path: Path) -> None:
    csv_extract(tmp_path)
    (tmp_path / "register_types.csv").unlink()
    (tmp_path / "register_types.csv").mkdir()

    with pytest.raises(ExtractError, match=r"register_types.csv: is not a file"):
        load_extract(tmp_path)


def test_a_parquet_column_in_other_letter_case_is_refused_as_in_csv(tmp_path: Path) -> None:
    tables = example_tables()
    events = tables["events"].rename({"soft_deleted": "SOFT_DELETED"})
    write_extract(tables | {"events": events.with_columns(SOFT_DELETED=True)}, tmp_path)

    said = r"events.parquet \(table events\): the schema's column 'SOFT_DELETED' differs from"
    with pytest.raises(ExtractError, match=said + r" the contract's 'soft_deleted' only in"):
        load_extract(tmp_path)  # it was ignored as an extra column: deleted rows counted


def test_a_parquet_schema_naming_a_column_twice_is_refused_as_in_csv(tmp_path: Path) -> None:
    write_extract(example_tables(), tmp_path)
    teams = example_tables()["teams"].to_arrow()
    twice = pa.table([*teams.columns, teams["team_name"]], names=[*teams.column_names, "team_name"])
    pq.write_table(twice, tmp_path / "teams.parquet")

    said = r"teams.parquet \(table teams\): the schema names the column 'team_name' twice"
    with pytest.raises(ExtractError, match=said + r" \(columns 2 and 6\); keep one of them"):
        load_extract(tmp_path)


@pytest.mark.parametrize("file_name", ["Register_Types.csv", "register_types.CSV", "TEAMS.parquet"])
def test_a_table_file_named_in_other_letter_case_is_refused(tmp_path: Path, file_name: str) -> None:
    wanted = file_name.lower()
    write_extract(example_tables(), tmp_path, wanted.split(".")[1])  # type: ignore[arg-type]
    (tmp_path / wanted).rename(tmp_path / file_name)

    said = rf"{file_name}: differs from the contract's file name {wanted} only in letter case"
    with pytest.raises(ExtractError, match=said):
        load_extract(tmp_path)  # register_types had silently become the bundled defaults
