"""Median and p90 the same way on both backends: nearest rank, an observed value (percentile_disc).

PostgreSQL computes them where the rows are; SQLite (the embedded default, small data) sends the values here.
The median of an even number of values is the lower of the two middle ones.
"""

from __future__ import annotations

import math
from collections import defaultdict

from sqlalchemy import func, select

from inbox.extensions import db

QUANTILES = (0.5, 0.9)


def nearest_rank(values: list[int], q: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)), 1) - 1]


def quantiles(column, where: list, group_by: tuple = ()) -> dict[tuple, tuple[int, int | None, int | None]]:
    """(group values) -> (count, median, p90) of column over the rows matching where (None values left out)."""
    where = [*where, column.is_not(None)]
    if db.engine.dialect.name == "postgresql":
        query = (select(*group_by, func.count(), *(func.percentile_disc(q).within_group(column) for q in QUANTILES))
                 .where(*where).group_by(*group_by))
        return {tuple(row[:len(group_by)]): tuple(row[len(group_by):]) for row in db.session.execute(query)}
    values: dict[tuple, list[int]] = defaultdict(list)
    for row in db.session.execute(select(*group_by, column).where(*where)):
        values[tuple(row[:-1])].append(row[-1])
    return {key: (len(v), *(nearest_rank(v, q) for q in QUANTILES)) for key, v in values.items()}
