"""The worklist's filters in the URL: each parameter read into the filter it names, a
value that is not a choice left out with a message, and links written back that read
as the same list."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl

import pytest
from starlette.datastructures import QueryParams

from auditor.store.worklist import TO_DO, Filters
from auditor.web.filters import ListRequest, read_list_request


def read(query: str, me: str | None = "ada") -> ListRequest:
    return read_list_request(QueryParams(query), me=me)


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("", Filters()),
        ("status=all&triage=all", Filters(statuses=(), triages=())),
        ("status=all&status=open", Filters(statuses=())),  # all wins
        ("provider=n01&provider=N02&provider=n01", Filters(providers=("N01", "N02"))),
        ("team=+N01T01+&team=", Filters(teams=("N01T01",))),
        ("officer=n01t01a", Filters(officers=("N01T01A",))),
        ("check=rsr_missing&check=oasys_overdue", Filters(checks=("rsr_missing", "oasys_overdue"))),
        ("severity=high&severity=medium", Filters(severities=("high", "medium"))),
        ("status=resolved&status=unconfirmed", Filters(statuses=("resolved", "unconfirmed"))),
        ("triage=false_positive", Filters(triages=("false_positive",))),
        ("crn=x12", Filters(crn="X12")),
        ("crn=+X123456+", Filters(crn="X123456")),
        ("new_since=2026-01-02", Filters(new_since=dt.date(2026, 1, 2))),
        ("overdue=yes", Filters(overdue=True)),
        ("overdue=on", Filters(overdue=True)),
        ("overdue=no", Filters()),
        ("age=21-60", Filters(age_band="21-60")),
        ("assigned=me", Filters(assigned="ada")),
        ("assigned=nobody", Filters(assigned="")),
        ("assigned=Tom", Filters(assigned="tom")),
    ],
)
def test_each_parameter_is_read_into_its_filter(query: str, filters: Filters) -> None:
    wanted = read(query)

    assert (wanted.filters, wanted.problems) == (filters, ())


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("severity=extreme", "'extreme' is not a severity this list knows"),
        ("check=nope", "'nope' is not a check this list knows"),
        ("status=shut", "'shut' is not a status this list knows"),
        ("triage=maybe", "'maybe' is not a triage this list knows"),
        ("team=N01 T01", "'N01 T01' is not a team this list knows"),
        ("provider=" + "N" * 33, f"'{'N' * 33}' is not a provider this list knows"),
        ("officer=<b>", "'<b>' is not a officer this list knows"),
        ("crn=X-1", "a CRN is a letter and six digits, e.g. X123456 (or its start)"),
        ("crn=" + "X" * 17, "a CRN is a letter and six digits, e.g. X123456 (or its start)"),
        ("new_since=31/12/2025", "'31/12/2025' is not a date (YYYY-MM-DD)"),
        ("age=ancient", "'ancient' is not an age band"),
        ("sort=sideways", "'sideways' is not a sort order"),
    ],
)
def test_a_value_that_is_not_a_choice_is_left_out_with_a_message(query: str, problem: str) -> None:
    wanted = read(query)

    assert wanted.problems == (problem,)
    assert (wanted.filters, wanted.sort) == (Filters(), "severity")


def test_the_good_values_beside_a_bad_one_are_kept() -> None:
    wanted = read("severity=high&severity=extreme&team=N01T01&team=bad!&sort=due")

    assert wanted.filters == Filters(severities=("high",), teams=("N01T01",))
    assert wanted.sort == "due" and len(wanted.problems) == 2


def test_a_long_bad_value_is_cut_short_in_the_message() -> None:
    (problem,) = read("severity=" + "x" * 500).problems

    assert len(problem) < 100


def test_with_no_status_or_triage_the_list_is_open_and_still_to_do() -> None:
    filters = read("").filters

    assert (filters.statuses, filters.triages) == (("open",), TO_DO)
    assert read("status=shut").filters.statuses == ("open",)  # nothing good: the default


def test_the_cursors_are_read_as_given() -> None:
    assert (read("after=abc").after, read("before=xyz").before) == ("abc", "xyz")
    assert (read("after=").after, read("").before) == (None, None)


QUERIES = [
    "",
    "status=all&triage=all",
    "provider=N01&team=N01T01&team=N02T02&officer=N01T01A&check=rsr_missing",
    "severity=high&status=resolved&status=open&triage=snoozed&sort=due",
    "crn=X12&new_since=2026-01-02&overdue=yes&age=0-5&assigned=nobody",
    "assigned=tom&sort=crn&after=abc",
]


@pytest.mark.parametrize("query", QUERIES)
def test_a_lists_query_reads_back_as_the_same_list(query: str) -> None:
    wanted = read(query)

    again = read(wanted.query())

    assert again == wanted


@pytest.mark.parametrize("query", QUERIES)
def test_the_query_leaves_out_the_defaults(query: str) -> None:
    written = parse_qsl(read(query).query())

    def values(key: str) -> list[str]:
        return [value for name, value in written if name == key]

    assert values("status") != ["open"] and values("triage") != list(TO_DO)
    assert values("sort") != ["severity"]


def test_a_link_changes_only_what_it_says() -> None:
    wanted = read("team=N01T01&severity=high&after=abc")

    assert parse_qsl(wanted.query(sort="due", after=None)) == [
        ("team", "N01T01"), ("severity", "high"), ("sort", "due"),
    ]  # fmt: skip
    assert parse_qsl(wanted.query(severity=["low", "medium"])) == [
        ("team", "N01T01"), ("after", "abc"), ("severity", "low"), ("severity", "medium"),
    ]  # fmt: skip
    assert read(wanted.query(team=[])).filters.teams == ()


def test_assigned_to_me_is_written_as_the_user_name() -> None:
    assert read("assigned=me", me="ada").query() == "assigned=ada"
    assert read("assigned=nobody").query() == "assigned=nobody"


def test_params_without_paging_leave_out_the_cursors() -> None:
    wanted = read("team=N01T01&after=abc&before=xyz")

    assert wanted.params(paging=False) == {"team": ["N01T01"]}
    assert wanted.params()["after"] == ["abc"]
