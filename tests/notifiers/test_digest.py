"""The digest builder: who gets which exception, in what order, and what a row shows."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

import polars as pl
import pytest

from notifiers.digest import Digest, build_digests
from tests.notifiers.frames import (
    AS_OF,
    OFFICER,
    SPO,
    TEAM,
    digest_input,
    exception,
    organisation,
    random_exceptions,
    resolved,
)

DAY = dt.timedelta(days=1)
LINK = re.compile(r'href="http://localhost:8000/exceptions/(\d+)"')


def linked_ids(digest: Digest) -> list[int]:
    return [int(i) for i in LINK.findall(digest.html)]


def only(digests: list[Digest]) -> Digest:
    assert len(digests) == 1, [d.key for d in digests]
    return digests[0]


def test_each_spo_gets_one_email_with_only_their_teams_cases() -> None:
    staff, teams = organisation(providers=3, spos_per_provider=5, teams_per_spo=3,
                                officers_per_team=3)  # fmt: skip
    frame = random_exceptions(staff, teams, count=4000, seed=7)
    inputs = digest_input([], unowned={"P00": ["p00@probation.example"],
                                       "P01": ["p01@probation.example"]})  # fmt: skip
    inputs = type(inputs)(**{**inputs.__dict__, "open_exceptions": frame, "staff": staff,
                             "teams": teams})  # fmt: skip
    result = build_digests(inputs)

    spo_of_team = dict(teams.select("team_code", "spo_staff_code").iter_rows())
    team_of = dict(frame.select("exception_id", "team_code").iter_rows())
    emailed: Counter[int] = Counter()
    spo_digests = [d for d in result.digests if d.role == "spo"]
    assert len({d.key for d in spo_digests}) == len(spo_digests) == 15
    for digest in spo_digests:
        spo = digest.key.removeprefix("spo:")
        assert digest.address == f"{spo.lower()}@probation.example"
        assert linked_ids(digest) == list(digest.exception_ids)
        assert {spo_of_team[team_of[i]] for i in digest.exception_ids} == {spo}
        emailed.update(digest.exception_ids)
    owned = frame.filter(pl.col("spo_staff_code").is_not_null())["exception_id"]
    assert emailed == Counter(owned.to_list())  # every owned case once, none twice

    unowned = {d.key: d for d in result.digests if d.role == "unowned"}
    assert set(unowned) == {"unowned:p00@probation.example", "unowned:p01@probation.example"}
    for provider in ("P00", "P01"):
        ids = frame.filter(pl.col("spo_staff_code").is_null()
                           & (pl.col("provider_code") == provider))["exception_id"]  # fmt: skip
        assert unowned[f"unowned:{provider.lower()}@probation.example"].exception_ids == tuple(
            sorted(ids.to_list(), key=unowned[f"unowned:{provider.lower()}@probation.example"]
                   .exception_ids.index)
        )  # fmt: skip
    p02 = frame.filter(pl.col("spo_staff_code").is_null() & (pl.col("provider_code") == "P02"))
    [problem] = result.problems
    assert (problem.kind, problem.subject, problem.exception_count) == (
        "no_unowned_recipient", "P02", p02.height)  # fmt: skip


def test_rows_are_grouped_by_officer_most_severe_and_oldest_first() -> None:
    rows = [
        exception(exception_id=1, severity="low", due_date=AS_OF - 90 * DAY),
        exception(exception_id=2, severity="medium", due_date=None),
        exception(exception_id=3, severity="medium", due_date=AS_OF - 5 * DAY),
        exception(exception_id=4, severity="high", due_date=AS_OF - DAY),
        exception(
            exception_id=5, severity="medium", due_date=AS_OF - 5 * DAY, first_seen=AS_OF - 9 * DAY
        ),  # fmt: skip
        exception(exception_id=6, severity="high", staff_code=None, team_code=TEAM),
    ]
    digest = only(build_digests(digest_input(rows)).digests)
    assert digest.exception_ids == (4, 5, 3, 2, 1, 6)
    text = digest.text
    assert text.index("Ann Officer, Camden North: 5 open") < text.index(
        "No current offender manager, Camden North: 1 open")  # fmt: skip


@pytest.mark.parametrize(
    ("due_date", "shown"),
    [
        (None, None),
        (AS_OF + DAY, None),
        (AS_OF, None),
        (AS_OF - DAY, "1 day overdue"),
        (AS_OF - 31 * DAY, "31 days overdue"),
    ],
)
def test_days_overdue_are_calendar_days_after_the_due_date(
    due_date: dt.date | None, shown: str | None
) -> None:
    digest = only(build_digests(digest_input([exception(due_date=due_date)])).digests)
    assert digest.summary.overdue == (shown is not None)
    if shown:
        assert shown in digest.text
    else:
        assert "overdue\n" not in digest.text.split("==")[-1].split("--")[0]


@pytest.mark.parametrize(
    ("first_seen", "last_email", "new"),
    [
        (AS_OF, None, True),  # a first email: everything is new
        (AS_OF - 400 * DAY, None, True),
        (AS_OF, AS_OF - DAY, True),
        (AS_OF - DAY, AS_OF - DAY, False),
        (AS_OF - 3 * DAY, AS_OF - DAY, False),
        (AS_OF - 2 * DAY, AS_OF - 3 * DAY, True),  # yesterday's email did not go
    ],
)
def test_new_is_measured_against_the_recipients_last_email(
    first_seen: dt.date, last_email: dt.date | None, new: bool
) -> None:
    last = {f"spo:{SPO}": last_email} if last_email else {}
    digest = only(build_digests(digest_input([exception(first_seen=first_seen)]), last).digests)
    assert digest.summary.new == int(new)
    assert ("[NEW]" in digest.text) == new
    assert (">NEW</span>" in digest.html) == new


def test_resolved_counts_what_was_resolved_after_the_recipients_last_email() -> None:
    other_team = {"team_code": "N07T02", "team_name": "Other", "provider_code": "N07",
                  "spo_staff_code": "N07S002"}  # fmt: skip
    inputs = digest_input(
        [exception()],
        resolved_rows=[
            resolved(resolved_on=AS_OF),
            resolved(resolved_on=AS_OF - DAY),
            resolved(resolved_on=AS_OF - 2 * DAY),  # before the last email
            resolved(resolved_on=AS_OF, spo_staff_code="N07S002", team_code="N07T02"),
        ],
        teams=[
            {
                "team_code": TEAM,
                "team_name": "Camden North",
                "provider_code": "N07",
                "spo_staff_code": SPO,
            },
            other_team,
        ],  # fmt: skip
    )
    last = {f"spo:{SPO}": AS_OF - 2 * DAY, "spo:N07S002": AS_OF - DAY}
    result = build_digests(inputs, last)
    mine = only([d for d in result.digests if d.key == f"spo:{SPO}"])
    assert mine.summary.resolved == 2
    assert build_digests(inputs).digests[0].summary.resolved == 0  # first email
    # N07S002 has nothing open but one resolved: worth an email; not in staff: reported
    assert [p.kind for p in result.problems] == ["unknown_staff"]


def test_no_email_when_there_is_nothing_to_say_unless_configured() -> None:
    assert build_digests(digest_input([])).digests == []
    digest = only(build_digests(digest_input([], send_when_empty=True)).digests)
    assert digest.key == f"spo:{SPO}"
    assert digest.subject == "Case records to fix in your teams: nothing open - 25 Nov 2026"
    assert "Nothing in these records needs fixing today." in digest.text


def test_subject_carries_the_counts() -> None:
    rows = [exception(due_date=AS_OF - DAY), exception(first_seen=AS_OF - 9 * DAY),
            exception(severity="high")]  # fmt: skip
    digest = only(build_digests(digest_input(rows), {f"spo:{SPO}": AS_OF - DAY}).digests)
    assert digest.subject == (
        "Case records to fix in your teams: 3 open (2 new, 1 overdue) - 25 Nov 2026"
    )
    assert "3 open | 2 new | 0 resolved | 1 overdue" in digest.text


HOSTILE = {"forename": "\u200fAmy & Co", "surname": "<script>alert('x')</script>\u202e"}


@pytest.mark.parametrize("show_names", [False, True])
def test_text_from_the_data_is_escaped(show_names: bool) -> None:
    rows = [exception(reason="Flag <b>RMRH</b> & review \u200fdue", **HOSTILE)]
    staff: list[dict[str, Any]] = [{"staff_code": SPO, "forename": "Sue", "surname": "Senior",
              "email": "sue@probation.example", "team_code": TEAM},
             {"staff_code": OFFICER, "forename": "<img src=x onerror=alert(1)>",
              "surname": "O'Neil & Sons", "email": None, "team_code": TEAM}]  # fmt: skip
    digest = only(build_digests(digest_input(rows, staff=staff, show_names=show_names)).digests)
    for part in (digest.html, digest.text, digest.subject):
        assert not re.search("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", part)
    assert (
        "<script" not in digest.html and "<img" not in digest.html and "<b>RMRH" not in digest.html
    )
    assert "&lt;b&gt;RMRH&lt;/b&gt; &amp; review due" in digest.html
    assert "&lt;img src=x onerror=alert(1)&gt; O&#39;Neil &amp; Sons" in digest.html
    assert "Flag <b>RMRH</b> & review due" in digest.text  # plain text is not HTML-escaped
    if show_names:
        assert "Amy &amp; Co &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in digest.html
        assert "Amy & Co <script>alert('x')</script>" in digest.text
    else:
        assert ">A.S.<" in digest.html and "X000001 A.S. |" in digest.text
        assert "Amy" not in digest.html + digest.text and "alert('x')" not in digest.text


def test_rows_link_to_the_worklist() -> None:
    row = exception(exception_id=4242)
    digest = only(build_digests(digest_input([row], base_url="https://audit.example/")).digests)
    assert 'href="https://audit.example/exceptions/4242"' in digest.html
    assert "https://audit.example/exceptions/4242\n" in digest.text


def test_offender_managers_get_their_own_cases_when_configured() -> None:
    rows = [exception(exception_id=1), exception(exception_id=2, staff_code="N07T01U"),
            exception(exception_id=3, staff_code="N07A002")]  # fmt: skip
    staff: list[dict[str, Any]] = [
        {"staff_code": SPO, "forename": "Sue", "surname": "Senior",
         "email": "sue@probation.example", "team_code": TEAM},
        {"staff_code": OFFICER, "forename": "Ann", "surname": "Officer",
         "email": "ann@probation.example", "team_code": TEAM},
        {"staff_code": "N07A002", "forename": "Bo", "surname": "Noemail", "email": " ",
         "team_code": TEAM},
        {"staff_code": "N07T01U", "forename": "Unallocated", "surname": "Staff",
         "email": None, "team_code": TEAM},
    ]  # fmt: skip
    assert [d.key for d in build_digests(digest_input(rows, staff=staff)).digests] == [
        f"spo:{SPO}"]  # fmt: skip
    result = build_digests(digest_input(rows, staff=staff, per_offender_manager=True))
    by_key = {d.key: d for d in result.digests}
    assert set(by_key) == {f"spo:{SPO}", f"om:{OFFICER}"}
    assert by_key[f"spo:{SPO}"].exception_ids == (1, 3, 2)  # Ann, Bo, Unallocated
    assert by_key[f"om:{OFFICER}"].exception_ids == (1,)
    assert by_key[f"om:{OFFICER}"].subject.startswith("Your case records to fix: 1 open")
    [problem] = result.problems
    assert (problem.kind, problem.subject, problem.exception_count) == ("no_email", "N07A002", 1)
    assert "N07A002 Bo Noemail has no usable email address" in problem.detail


@pytest.mark.parametrize("email", [None, "", "not an address", "a@b@c", "x@y\nBcc: z@w"])
def test_an_spo_without_a_usable_address_is_reported(email: str | None) -> None:
    staff: list[dict[str, Any]] = [
        {"staff_code": SPO, "forename": "Sue", "surname": "Senior", "email": email,
         "team_code": TEAM}
    ]  # fmt: skip
    result = build_digests(digest_input([exception(), exception()], staff=staff))
    assert result.digests == []
    [problem] = result.problems
    assert (problem.kind, problem.subject, problem.exception_count) == ("no_email", SPO, 2)


def test_unowned_cases_go_to_their_providers_recipients() -> None:
    rows = [exception(exception_id=1, spo_staff_code=None),
            exception(exception_id=2, spo_staff_code=None, staff_code=None, team_code=None),
            exception(exception_id=3, spo_staff_code=None, provider_code="N08"),
            exception(exception_id=4, spo_staff_code=None, provider_code=None)]  # fmt: skip
    inputs = digest_input(rows, unowned={"N07": ["Perf@N07.example", "lead@n07.example"]})
    result = build_digests(inputs)
    assert {d.address: d.exception_ids for d in result.digests} == {
        "lead@n07.example": (1, 2), "perf@n07.example": (1, 2)}  # fmt: skip
    assert only(result.digests[:1]).subject.startswith("Unowned case records to fix (N07): 2 open")
    assert sorted((p.subject, p.exception_count) for p in result.problems) == [("", 1), ("N08", 1)]


def test_the_input_must_have_its_columns() -> None:
    inputs = digest_input([])
    with pytest.raises(ValueError, match=r"open_exceptions lacks columns \['first_seen'\]"):
        type(inputs)(**{**inputs.__dict__,
                        "open_exceptions": inputs.open_exceptions.drop("first_seen")})  # fmt: skip
