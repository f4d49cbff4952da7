"""Text from outside (URLs, forms, platform payloads) made safe to compare, store and show.

PostgreSQL text columns cannot hold NUL, and psycopg cannot even send a string with a lone
surrogate (JSON's "\\ud800" decodes to one): either makes a query fail, and a stored event fail
for good. A String(n) column refuses longer values on PostgreSQL. The functions here are the one
way to deal with that: refuse (`is_odd`), clean, and fit a value to its column's own length.
"""

from __future__ import annotations

import hashlib
import re

# NUL, and any code point of the surrogate range: in a Python str these are always lone (json.loads
# joins proper pairs into one character).
_ODD = re.compile("[\x00\ud800-\udfff]")
CUT = "…"


def is_odd(value: str) -> bool:
    """Whether value holds a NUL or a lone surrogate."""
    return _ODD.search(value) is not None


def clean(value: str) -> str:
    """value without NUL, lone surrogates replaced by U+FFFD (as a decoder shows unreadable bytes)."""
    if _ODD.search(value) is None:
        return value
    return _ODD.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", value)


def clean_deep(value):
    """clean() on every string in a JSON-like value (dict keys too)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean_deep(k): clean_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_deep(v) for v in value]
    return value


def column_length(column) -> int | None:
    """The length of a String(n) column (a Table column or a model attribute), None when unlimited."""
    column = getattr(column, "expression", column)  # a model attribute (Message.external_id) names its column
    return getattr(column.type, "length", None)


def fit(value: str, column) -> str:
    """Free text (a name, a subject) cleaned and, when longer than the column allows, cut with an ellipsis."""
    value = clean(value)
    limit = column_length(column)
    if limit is None or len(value) <= limit:
        return value
    return value[:limit - len(CUT)] + CUT


def fit_id(value: str, column) -> str:
    """An identifier the column can hold, the same for the same input, different for different ones.

    Cutting or cleaning an id could make two different ones equal (two messages merged into one),
    so an id that is too long or holds odd characters keeps a readable, cleaned start and ends in
    "#" and the SHA-256 of the whole original. Applied to its own result it changes nothing.
    """
    limit = column_length(column)
    if not is_odd(value) and (limit is None or len(value) <= limit):
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    if limit is not None and limit <= len(digest) + 1:
        return digest[:limit]  # a short column keeps only (as much as fits of) the digest
    start = clean(value)
    if limit is not None:
        start = start[:limit - len(digest) - 1]
    return f"{start}#{digest}"
