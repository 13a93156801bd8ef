"""The machinery every fault kind shares: disjoint persons, counts, and the record of
the exceptions a fault causes.

Each faulty person gets exactly one fault kind, so faults never interact. A kind picks
its persons among candidates whose shape isolates the fault, splits them between the
forms the fault takes (the branches of its rule, and its boundaries), edits their rows
and records, for each exception the edit causes, one ground-truth row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from auditor.synthetic.caseload import Caseload
from auditor.synthetic.contacts import contact_rows
from auditor.synthetic.dates import add_months, day_number, wd
from auditor.synthetic.events import REQUIRED_FROM
from auditor.synthetic.facts import active_persons
from auditor.synthetic.faults.rates import RATES


@dataclass(frozen=True)
class Form:
    """One way a fault shows: its name, share of the kind's faults, and candidates."""

    name: str
    share: float
    pids: np.ndarray
    at_least: int = 1


@dataclass
class Injection:
    caseload: Caseload
    scale: float
    rng: np.random.Generator
    used: np.ndarray
    rows: list[pl.DataFrame] = field(default_factory=list)

    @classmethod
    def start(cls, caseload: Caseload, scale: float) -> Injection:
        facts = caseload.facts
        used = facts["soft_deleted"].to_numpy().copy()
        return cls(caseload, scale, caseload.world.rng("faults"), used)

    @property
    def d(self) -> int:
        return self.caseload.world.d

    @property
    def year_ago(self) -> int:
        """D − 12 months: an assessment older than this no longer counts."""
        return int(add_months(np.array([self.d]), -12)[0])

    # --- persons ------------------------------------------------------------------

    def free(self, pids: np.ndarray | pl.Series) -> np.ndarray:
        """The distinct persons of ``pids`` not yet used by another fault."""
        unique = np.unique(np.asarray(pids, dtype=np.int64))
        return unique[~self.used[unique]]

    def take(self, pids: np.ndarray | pl.Series, count: int) -> np.ndarray:
        """Up to ``count`` free persons of ``pids``, chosen at random and marked used."""
        free = self.free(pids)
        if count <= 0 or len(free) == 0:
            return free[:0]
        chosen = np.sort(self.rng.choice(free, size=min(count, len(free)), replace=False))
        self.used[chosen] = True
        return chosen

    def plan(self, check: str, forms: list[Form]) -> dict[str, np.ndarray]:
        """Persons per form: the kind's rate of its candidates, at least one per form."""
        candidates = self.free(np.concatenate([f.pids for f in forms]))
        total = round(RATES[check].rate * self.scale * len(candidates))
        if self.scale <= 0:
            return {f.name: candidates[:0] for f in forms}
        return {f.name: self.take(f.pids, max(f.at_least, round(total * f.share))) for f in forms}

    # --- records ------------------------------------------------------------------

    def record(
        self,
        check: str,
        pid: np.ndarray | pl.Series,
        subject: np.ndarray | pl.Series | None,
        description: str,
    ) -> None:
        """One ground-truth row per person (and subject) of a fault."""
        n = len(pid)
        if n == 0:
            return
        subjects = pl.repeat("", n, eager=True) if subject is None else pl.Series(subject)
        frame = {
            "check": pl.repeat(check, n, eager=True),
            "pid": pl.Series(np.asarray(pid, dtype=np.int64)),
            "subject": subjects.cast(pl.String),
            "description": pl.repeat(description, n, eager=True),
        }
        self.rows.append(pl.DataFrame(frame))

    def update(self, **frames: pl.DataFrame) -> None:
        self.caseload = self.caseload.with_frames(**frames)

    # --- shared views ---------------------------------------------------------------

    def active_persons(self) -> pl.DataFrame:
        """Active persons not deleted (faults are made on them)."""
        return active_persons(self.caseload.facts).filter(~pl.col("soft_deleted"))

    def single_event_persons(self) -> np.ndarray:
        """Active persons with one active event and no merged one (P is its sentence date)."""
        alone = self.active_persons().filter((pl.col("active_events") == 1) & ~pl.col("has_merged"))
        return alone["pid"].to_numpy()

    def due_events(
        self, n: int, disposals: list[str] | None = None, since_2014: bool = False
    ) -> pl.DataFrame:
        """Active events whose n working days have run out at D (D > wd(s, n))."""
        events = self.caseload.events.filter(pl.col("is_active"))
        due = self.d > wd(events["s"].to_numpy(), n)
        events = events.filter(pl.Series(due))
        if disposals is not None:
            events = events.filter(pl.col("disposal_type_code").is_in(disposals))
        if since_2014:
            events = events.filter(pl.col("s") >= day_number(REQUIRED_FROM))
        return events

    def edge_pids(self, label: str, pids: np.ndarray) -> np.ndarray:
        """The persons of ``pids`` whose event sits on an edge (events.edge_labels)."""
        on_edge = self.caseload.facts.filter(pl.col("edge") == label)["pid"].to_numpy()
        return np.intersect1d(pids, on_edge)

    def next_id(self, frame: pl.DataFrame, column: str) -> int:
        return int(frame.select(pl.col(column).max().fill_null(0)).item()) + 1

    def add_contacts(
        self,
        contacts: pl.DataFrame,
        rows: pl.DataFrame,
        code: str,
        kind: str,
        on: np.ndarray,
        hour: int,
    ) -> pl.DataFrame:
        """``contacts`` and one new contact per row of ``rows`` (its pid, and event_id if
        it has one), dated and recorded ``on`` at ``hour`` o'clock."""
        event_id = rows["event_id"] if "event_id" in rows.columns else None
        new = contact_rows(rows["pid"], event_id, code, on, on, kind).with_columns(
            contact_id=pl.int_range(pl.len()).cast(contacts.schema["contact_id"])
            + self.next_id(contacts, "contact_id"),
            at=pl.lit(hour * 3600, dtype=pl.Int64),
            soft_deleted=pl.lit(False),
        )
        return pl.concat([contacts, new.select(contacts.columns)], how="vertical_relaxed")


MASK = "_set_where_mask"  # set_where's work column


def of(pids: np.ndarray) -> pl.Expr:
    """Rows of the given persons."""
    return pl.col("pid").is_in(pl.Series(pids, dtype=pl.Int64).implode())


def among(column: str, values: np.ndarray | pl.Series) -> pl.Expr:
    return pl.col(column).is_in(pl.Series(values).implode())


def set_where(frame: pl.DataFrame, mask: pl.Expr, **values: object) -> pl.DataFrame:
    """Replace columns on the rows where mask holds (evaluated once, not per column)."""
    exprs = []
    for name, value in values.items():
        new = value if isinstance(value, pl.Expr) else pl.lit(value, dtype=frame.schema[name])
        exprs.append(pl.when(pl.col(MASK)).then(new).otherwise(pl.col(name)).alias(name))
    return frame.with_columns(mask.alias(MASK)).with_columns(exprs).drop(MASK)


def persons_of(frame: pl.DataFrame) -> np.ndarray:
    return frame["pid"].unique().sort().to_numpy()


def persons_with_one(frame: pl.DataFrame) -> np.ndarray:
    """Persons with exactly one row of ``frame``."""
    return persons_of(frame.filter(pl.len().over("pid") == 1))
