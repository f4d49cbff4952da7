"""Fair shares of the unpopular shifts (weekends, late shifts, holidays), pro rata to contract hours.

Raw counts penalise part-timers and editors with personal limits: a 20-hour editor doing half
the late shifts of a full-timer is fair, not an outlier. Each editor's share of a category is
therefore proportional to their pro-rata contract minutes in the period, capped at what they can
take (days they are present, personal limits); what a capped editor cannot take is spread over
the others ("water filling"). The solver penalises each editor's distance from that share.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Deviations are counted in tenths of a shift so that shares stay integers in the model.
SCALE = 10


def fair_shares(total: float, weights: Mapping[object, float], caps: Mapping[object, float]) -> dict[object, float]:
    """Split ``total`` proportionally to ``weights`` without giving anyone more than their cap.

    Args:
        total: What is to be shared (e.g. the late shifts demanded in the month).
        weights: Each member's claim, e.g. pro-rata contract minutes; non-positive means no share.
        caps: The most each member can take.

    Returns:
        ``{member: share}``; the shares add up to ``total`` unless the caps together are smaller.
    """
    shares = {k: 0.0 for k in weights}
    active = {k for k, w in weights.items() if w > 0 and caps.get(k, 0) > 0}
    left = float(total)
    while active and left > 1e-9:
        rate = left / sum(weights[k] for k in active)
        full = {k for k in active if rate * weights[k] >= caps[k]}
        if not full:
            for k in active:
                shares[k] = rate * weights[k]
            break
        for k in full:
            shares[k] = float(caps[k])
            left -= caps[k]
        active -= full
    return shares


def scaled(share: float) -> int:
    """A share in tenths of a shift."""
    return round(share * SCALE)


def rounding_loss(scaled_share: int) -> int:
    """Least deviation (in tenths) any whole number of shifts has from a scaled share."""
    rest = scaled_share % SCALE
    return min(rest, SCALE - rest)
