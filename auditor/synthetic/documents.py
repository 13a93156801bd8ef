"""Documents uploaded to the case: the CAS form, the RSR calculation, the court report
or oral report notes, and others (CPS pack, previous convictions, diversity form,
police and children's services responses).

An active event sentenced from 2014-06-01 has every document documents_missing asks
for, uploaded within three working days of sentence (court reports before it); a few
are uploaded without the event (only where the person has a single active event, and
never before the sentence date, so they still count).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.allocations import rsr_scored
from auditor.synthetic.dates import day_number, wd
from auditor.synthetic.events import REQUIRED_FROM
from auditor.synthetic.world import Values, World, column

LABELS = {
    "CPS_PACK": "CPS pack",
    "PRE_CONS": "Previous convictions",
    "COURT_REPORT": "Pre-sentence report",
    "ORAL_REPORT_NOTES": "Oral report notes",
    "CASE_ALLOCATION": "Case allocation (CAS) form",
    "RSR_CALCULATION": "RSR calculation",
    "DIVERSITY_FORM": "Diversity monitoring form",
    "POLICE_RESPONSE": "Police domestic abuse unit response",
    "CHILDREN_SERVICES_RESPONSE": "Children's services response",
    "OTHER": "Correspondence",
}
EXTRAS = {"CPS_PACK": 0.12, "PRE_CONS": 0.05, "DIVERSITY_FORM": 0.05, "OTHER": 0.06}


def document_rows(
    pid: np.ndarray | pl.Series, event_id: Values, doc_type: Values, created: Values, kind: str
) -> pl.DataFrame:
    n = len(pid)
    return pl.DataFrame(
        [
            column(pid, pl.Int64, n).alias("pid"),
            column(event_id, pl.Int64, n).alias("event_id"),
            column(doc_type, pl.String, n).alias("document_type"),
            column(created, pl.Int64, n).alias("created"),
            column(kind, pl.String, n).alias("kind"),
        ]
    )


def build_documents(
    world: World, events: pl.DataFrame, allocations: pl.DataFrame, responses: pl.DataFrame
) -> pl.DataFrame:
    rng = world.rng("documents")
    scored = allocations.filter(rsr_scored(world.d))["event_id"]
    rows = events.filter(
        (pl.col("s") >= day_number(REQUIRED_FROM))
        & (pl.col("edge").fill_null("") != "clean5")
        & (
            pl.col("is_active")
            | pl.col("role").is_in(["future"])
            | pl.Series(rng.random(events.height) < 0.3)
        )
    ).with_columns(scored=pl.col("event_id").is_in(scored.implode()))
    frames = [_upload(rng, rows, "CASE_ALLOCATION", pl.lit(True), rows["s"].to_numpy())]
    current = rows.filter(pl.col("is_active"))
    s = current["s"].to_numpy()
    report = pl.col("court_report_type")
    frames += [
        _upload(rng, current, "RSR_CALCULATION", pl.col("scored"), s),
        _upload(rng, current, "COURT_REPORT", report.is_in(["CJF", "CJS"]), s - 10),
        _upload(rng, current, "ORAL_REPORT_NOTES", report == "CJO", s),
    ]
    frames += [_upload(rng, current, t, pl.lit(True), s - 20, share=p) for t, p in EXTRAS.items()]
    frames.append(_responses(rng, responses))
    frame = _unlink(rng, pl.concat(frames), events).with_columns(soft_deleted=pl.lit(False))
    duplicates = frame.filter(pl.Series(rng.random(frame.height) < 0.004)).with_columns(
        soft_deleted=pl.lit(True)
    )
    frame = pl.concat([frame, duplicates]).sort(
        "created", "pid", "document_type", maintain_order=True
    )
    return frame.with_row_index("document_id", offset=1)


def _upload(
    rng: np.random.Generator,
    rows: pl.DataFrame,
    doc_type: str,
    wanted: pl.Expr,
    base: np.ndarray,
    share: float = 1.0,
) -> pl.DataFrame:
    """Documents of one type for the rows where wanted, uploaded 0–3 working days after
    ``base`` (court reports and the like: before the sentence)."""
    mask = (
        rows.select((wanted & pl.Series(rng.random(rows.height) < share)).fill_null(False))
        .to_series()
        .to_numpy()
    )
    created = wd(base[mask], rng.integers(0, 4, mask.sum()))
    return document_rows(
        rows["pid"].filter(pl.Series(mask)),
        rows["event_id"].filter(pl.Series(mask)),
        doc_type,
        created,
        "upload",
    )


def _responses(rng: np.random.Generator, responses: pl.DataFrame) -> pl.DataFrame:
    kept = responses.filter(pl.Series(rng.random(responses.height) < 0.5))
    doc_type = np.where(
        kept["kind"].to_numpy() == "police_response",
        "POLICE_RESPONSE",
        "CHILDREN_SERVICES_RESPONSE",
    )
    return document_rows(kept["pid"], kept["event_id"], doc_type, kept["on"], "response")


def _unlink(rng: np.random.Generator, frame: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """5 % of the uploads of a single-active-event person's active event, made on or
    after the sentence date, are recorded without the event."""
    info = events.select("event_id", "s", "is_active", "active_events")
    joined = frame.join(info, on="event_id", how="left", maintain_order="left")
    unlink = (
        joined["is_active"].fill_null(False)
        & (joined["active_events"] == 1).fill_null(False)
        & (joined["created"] >= joined["s"]).fill_null(False)
        & pl.Series(rng.random(frame.height) < 0.05)
    )
    return frame.with_columns(event_id=pl.when(unlink).then(None).otherwise(pl.col("event_id")))
