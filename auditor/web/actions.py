"""People's actions on exceptions, as the worklist's forms and the JSON API name them,
turned into the store's changes (auditor/store/triage.py), with who may do what.

| action      | does                                            | who            |
|-------------|-------------------------------------------------|----------------|
| done        | fixed in nDelius; the next run confirms it      | admin, SPO     |
| acknowledge | seen, being dealt with                          | admin, SPO     |
| snooze      | not before a date (``until``, within the limit) | admin, SPO     |
| dispute     | a false positive (``reason``), for the SPO      | admin, SPO     |
| uphold      | the SPO agrees it is a false positive           | SPO            |
| reject      | the SPO does not: back to the list              | SPO            |
| assign      | to a named admin (``assignee``, "" for nobody)  | admin, SPO     |
| clear       | triage back to none                             | admin, SPO     |
| comment     | a note in the history                           | admin, SPO     |

Senior managers read only; sysadmins see no exceptions at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from auditor.calendar import today_in_london
from auditor.store.triage import (
    Change,
    TriageRefused,
    assign_change,
    comment_change,
    done_change,
    ruling_change,
    triage_change,
)
from auditor.store.users import UserRecord

ACTIONS = ("done", "acknowledge", "snooze", "dispute", "uphold", "reject", "assign", "clear",
           "comment")  # fmt: skip
BULK_ACTIONS = ("acknowledge", "done", "snooze", "assign")
LABELS = {
    "done": "marked done", "acknowledge": "acknowledged", "snooze": "snoozed",
    "dispute": "disputed", "uphold": "dispute upheld", "reject": "dispute rejected",
    "assign": "assigned", "clear": "triage cleared", "comment": "comment added",
}  # fmt: skip


class ActionForbidden(TriageRefused):
    """The user's role does not allow this action."""


def change_for(
    user: UserRecord,
    action: str,
    fields: Mapping[str, str],
    *,
    as_of: dt.date | None,
    max_snooze_days: int,
    admins: list[str],
) -> Change:
    """The store change an action asks for; TriageRefused (ActionForbidden for a role
    that may not) with a message for the person when it cannot be made."""
    if action not in ACTIONS:
        raise TriageRefused(f"'{action[:30]}' is not an action")
    if not user.works_exceptions:
        raise ActionForbidden("your role can read the worklist but not change it")
    if action in ("uphold", "reject") and not user.rules_on_disputes:
        raise ActionForbidden("only the team's SPO rules on a dispute")
    comment = fields.get("comment") or None
    if action == "done":
        return done_change(comment)
    if action == "acknowledge":
        return triage_change("acknowledged", comment, None, None)
    if action == "snooze":
        return triage_change("snoozed", comment, _snooze_date(fields, as_of, max_snooze_days), None)
    if action == "dispute":
        return triage_change("disputed", comment, None, fields.get("reason") or "")
    if action in ("uphold", "reject"):
        return ruling_change(action == "uphold", comment)
    if action == "assign":
        return assign_change(fields.get("assignee") or None, admins)
    if action == "clear":
        return triage_change("none", comment, None, None)
    return comment_change(comment)


def _snooze_date(fields: Mapping[str, str], as_of: dt.date | None, max_days: int) -> dt.date:
    text = (fields.get("until") or "").strip()
    if not text:
        raise TriageRefused("enter the date to snooze until")
    try:
        until = dt.date.fromisoformat(text)
    except ValueError:
        raise TriageRefused(
            "enter the snooze date as a real date, for example 2027-01-31"
        ) from None
    earliest = as_of or today_in_london()  # the worklist's today: the latest run's as-of date
    latest = earliest + dt.timedelta(days=max_days)
    if until <= earliest:
        raise TriageRefused(f"the snooze date must be after {earliest:%-d %B %Y}")
    if until > latest:
        raise TriageRefused(f"a snooze can last {max_days} days at most: until {latest:%-d %B %Y}")
    return until
