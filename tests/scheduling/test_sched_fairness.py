import pytest

from scheduling.fairness import fair_shares, rounding_loss, scaled


def test_shares_follow_contract_hours():
    shares = fair_shares(12, {"full": 40, "half": 20}, {"full": 99, "half": 99})
    assert shares == pytest.approx({"full": 8, "half": 4})


def test_capped_editor_leaves_the_rest_to_others():
    shares = fair_shares(12, {"a": 1, "b": 1, "c": 1}, {"a": 1, "b": 99, "c": 99})
    assert shares == pytest.approx({"a": 1, "b": 5.5, "c": 5.5})
    assert sum(shares.values()) == pytest.approx(12)


def test_no_claim_or_no_capacity_means_no_share():
    shares = fair_shares(6, {"a": 0, "b": 10, "c": 10}, {"a": 5, "b": 0, "c": 99})
    assert shares == pytest.approx({"a": 0, "b": 0, "c": 6})


def test_total_beyond_all_caps_fills_every_cap():
    assert fair_shares(10, {"a": 1, "b": 3}, {"a": 2, "b": 3}) == pytest.approx({"a": 2, "b": 3})


def test_rounding_loss_in_tenths():
    assert scaled(5.25) == 52 and rounding_loss(52) == 2
    assert rounding_loss(58) == 2 and rounding_loss(50) == 0
