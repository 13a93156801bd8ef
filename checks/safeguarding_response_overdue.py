"""safeguarding_response_overdue: a police or children's services check was requested and
no response is logged within ``within_working_days`` of the request or its latest chase."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date

if TYPE_CHECKING:
    from checks.context import CheckContext

# kind -> (request, chase, response) contact categories
KINDS = {
    "police": ("POLICE_CHECK_REQUEST", "POLICE_CHECK_CHASED", "POLICE_CHECK_RESPONSE"),
    "children's services": (
        "CHILDREN_CHECK_REQUEST",
        "CHILDREN_CHECK_CHASED",
        "CHILDREN_CHECK_RESPONSE",
    ),
}


@dataclass(frozen=True)
class SafeguardingResponseOverdue(Check):
    """For each request contact of an active person dated within ``lookback_days`` before D, T is
    the later of the request's date and the latest chase of the same kind dated on or after
    it; the request is overdue when no response of the same kind is dated on or after the
    request and ``D > wd(T, within_working_days)``.

    Report, para 2.38: "the results of checks initiated at the report writing stage by NPS,
    may or may not be received in time for the report (before sentence) or for the
    allocation to an agency and assignment to an offender manager [...] In Oxford NPS staff
    had established a system that tracked the outcome of children's services checks.
    Details of referrals were recorded on a spreadsheet as well as when responses were
    received. [...] It was disappointing that checks with children's services, and in
    particularly checks with police domestic abuse units, were rarely recorded on nDelius,
    either initiating a check or receiving a reply, at the report or start of order stage."
    Recommendation 22: "All staff in the NPS and CRCs should adopt the practice of recording
    on nDelius any requests for information made to children's services and/or police
    domestic abuse units; and also record when information is received or chased up."

    Ambiguity: chases and responses are the person's, whatever their event (the rule ties
    them to the request by kind and date only); only contacts that happened (contact_date ≤
    D) and were recorded by D count. A contact whose type is listed as a request of both
    kinds is judged once per kind and raises one exception, its reasons joined with "; " and
    the earlier due date. The due date is ``wd(T, within_working_days)``.
    """

    within_working_days: int = 10
    lookback_days: int = 365

    name: ClassVar[str] = "safeguarding_response_overdue"
    title: ClassVar[str] = "Police or children's services check response overdue"
    grain: ClassVar[Grain] = "contact"
    severity_rule: ClassVar[str] = "medium"
    paragraphs: ClassVar[tuple[str, ...]] = ("recommendation 22", "para 2.38")

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Request contacts of active persons dated from D − lookback_days to D."""
        return (
            self._requests(ctx).select("crn", subject=pl.col("contact_id").cast(pl.String)).unique()
        )

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        requests = self._requests(ctx)
        pending = _with_latest_chase(ctx, _unanswered(ctx, requests))
        last = pl.max_horizontal("request_date", "last_chased")
        overdue = pending.with_columns(due_date=ctx.wd(last, self.within_working_days)).filter(
            ctx.d > pl.col("due_date")
        )
        per_contact = (
            overdue.with_columns(reason=_reason())
            .sort("contact_id", "kind")
            .group_by("crn", "contact_id")
            .agg(pl.col("reason").str.join("; "), pl.col("due_date").min())
        )
        return findings(
            per_contact,
            subject=pl.col("contact_id").cast(pl.String),
            severity=pl.lit("medium"),
        )

    def _requests(self, ctx: CheckContext) -> pl.LazyFrame:
        """crn, contact_id, kind, code and request_date of the requests in the window."""
        earliest = ctx.d.dt.offset_by(f"-{self.lookback_days}d")
        return (
            _of_kind(ctx, 0)
            .filter(pl.col("contact_date") >= earliest)
            .join(ctx.active_persons, on="crn", how="semi")
            .select("crn", "contact_id", "kind", "contact_type_code", request_date="contact_date")
        )


def _of_kind(ctx: CheckContext, stage: int) -> pl.LazyFrame:
    """Contacts that happened of stage 0 (request), 1 (chase) or 2 (response), with kind."""
    kind_of = {categories[stage]: kind for kind, categories in KINDS.items()}
    return ctx.contacts_of(*kind_of).with_columns(
        kind=pl.col("category").replace_strict(kind_of, return_dtype=pl.String)
    )


def _unanswered(ctx: CheckContext, requests: pl.LazyFrame) -> pl.LazyFrame:
    """Requests with no response of their kind dated on or after the request."""
    responses = _of_kind(ctx, 2).select("crn", "kind", response_date="contact_date")
    answered = (
        requests.join(responses, on=["crn", "kind"])
        .filter(pl.col("response_date") >= pl.col("request_date"))
        .select("contact_id", "kind")
        .unique()
    )
    return requests.join(answered, on=["contact_id", "kind"], how="anti")


def _with_latest_chase(ctx: CheckContext, requests: pl.LazyFrame) -> pl.LazyFrame:
    """Add last_chased: the latest chase of the request's kind dated on or after it."""
    chases = _of_kind(ctx, 1).select("crn", "kind", chase_date="contact_date")
    latest = (
        requests.join(chases, on=["crn", "kind"])
        .filter(pl.col("chase_date") >= pl.col("request_date"))
        .group_by("contact_id", "kind")
        .agg(last_chased=pl.col("chase_date").max())
    )
    return requests.join(latest, on=["contact_id", "kind"], how="left")


def _reason() -> pl.Expr:
    chased = (
        pl.when(pl.col("last_chased").is_null())
        .then(pl.lit("not chased"))
        .otherwise(pl.format("last chased {}", fmt_date(pl.col("last_chased"))))
    )
    return pl.format(
        "no response to the {} check requested {} ({}), {}; response due by {}",
        pl.col("kind"),
        fmt_date(pl.col("request_date")),
        pl.col("contact_type_code"),
        chased,
        fmt_date(pl.col("due_date")),
    )
