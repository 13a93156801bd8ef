"""Duplicate events entered in error and soft-deleted: a record linked to one is hidden
with it (soft deletion cascades), so it no longer counts for the real event."""

from __future__ import annotations

import polars as pl

from auditor.synthetic.faults.injection import Injection, among


def add_deleted_duplicates(ctx: Injection, targets: pl.DataFrame) -> pl.DataFrame:
    """A soft-deleted copy of each target event; returns event_id -> duplicate_id."""
    events = ctx.caseload.events
    first_id = ctx.next_id(events, "event_id")
    copies = events.filter(among("event_id", targets["event_id"])).sort(
        "event_id", maintain_order=True
    )
    mapping = copies.select("event_id", "pid").with_columns(
        duplicate_id=pl.int_range(pl.len(), dtype=pl.Int64) + first_id
    )
    duplicates = copies.with_columns(
        event_id=mapping["duplicate_id"],
        soft_deleted=pl.lit(True),
        is_active=pl.lit(False),
        role=pl.lit("duplicate"),
    )
    ctx.update(events=pl.concat([events, duplicates], how="vertical_relaxed"))
    return mapping


def link_to_deleted_duplicates(
    ctx: Injection, frame: pl.DataFrame, rows: pl.Expr, targets: pl.DataFrame
) -> pl.DataFrame:
    """Relink the masked rows of ``frame`` (contacts or documents) to a deleted duplicate
    of their event (rows without an event: of the person's first target event)."""
    mapping = add_deleted_duplicates(ctx, targets)
    by_event = mapping.select("event_id", linked_duplicate="duplicate_id")
    by_person = (
        mapping.group_by("pid", maintain_order=True)
        .first()
        .select("pid", person_duplicate="duplicate_id")
    )
    frame = frame.join(by_event, on="event_id", how="left", maintain_order="left").join(
        by_person, on="pid", how="left", maintain_order="left"
    )
    new_event = pl.coalesce("linked_duplicate", "person_duplicate")
    frame = frame.with_columns(event_id=pl.when(rows).then(new_event).otherwise(pl.col("event_id")))
    return frame.drop("linked_duplicate", "person_duplicate")
