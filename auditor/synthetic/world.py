"""The fixed inputs of one generation: as-of date, seed, random streams and name pools.

Each part of the generator draws from its own named random stream, derived from the seed
and the part's name, so that a change in one part never shifts the numbers of another.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from auditor.synthetic.dates import day_number
from auditor.synthetic.names import NamePools, name_pools


@dataclass(frozen=True)
class World:
    as_of: dt.date
    seed: int
    pools: NamePools = field(repr=False)

    @classmethod
    def create(cls, as_of: dt.date, seed: int) -> World:
        return cls(as_of=as_of, seed=seed, pools=name_pools(seed))

    @property
    def d(self) -> int:
        """D as a day number."""
        return day_number(self.as_of)

    def rng(self, stream: str) -> np.random.Generator:
        """The random stream of one part of the generator."""
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode())])


def _draw(
    rng: np.random.Generator, choices: list[str], weights: list[float], size: int
) -> np.ndarray:
    """``size`` indexes into ``choices``, drawn with the given relative weights."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(choices), size=size, p=p / p.sum())


def pick(
    rng: np.random.Generator, choices: list[str], weights: list[float], size: int
) -> np.ndarray:
    """``size`` draws of ``choices`` with the given relative weights, as an object array."""
    return np.array(choices, dtype=object)[_draw(rng, choices, weights, size)]


def pick_series(
    rng: np.random.Generator, choices: list[str], weights: list[float], size: int
) -> pl.Series:
    """Like :func:`pick`, as a polars string series (fast for millions of rows)."""
    return pl.Series(choices, dtype=pl.String).gather(_draw(rng, choices, weights, size))


Values = object  # a scalar, a numpy array or a polars series (see column)


def column(values: Values, dtype: pl.DataType | type[pl.DataType], size: int) -> pl.Series:
    """A polars column from a scalar, a numpy array (None or NaN = null) or a series."""
    if isinstance(values, pl.Series):
        return values.cast(dtype)
    if values is None or isinstance(values, str | int):
        return pl.repeat(values, size, dtype=dtype, eager=True)
    array = np.asarray(values)  # type: ignore[call-overload]
    if array.dtype == object:
        return pl.Series(array.tolist(), dtype=dtype, strict=False)
    series = pl.Series(array)
    if series.dtype.is_float():
        series = series.fill_nan(None)
    return series.cast(dtype)


def with_nulls(values: np.ndarray, null: np.ndarray) -> np.ndarray:
    """An object array of ``values`` with None where ``null`` is true."""
    out = np.asarray(values).astype(object)
    out[np.asarray(null, dtype=bool)] = None
    return out
