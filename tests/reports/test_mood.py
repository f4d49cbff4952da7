"""The Stimmungsbarometer's analyser: rules on single sentences, and its quality on our labelled messages."""

import csv
from pathlib import Path

import pytest

from inbox.reports.mood import NEGATIVE, NEUTRAL, POSITIVE, classify, macro_f1

DATA = Path(__file__).resolve().parents[1] / "data"
SHORT = {"neg": NEGATIVE, "neu": NEUTRAL, "pos": POSITIVE}


@pytest.mark.parametrize(("text", "expected"), [
    ("Das Bürgerbüro war sehr freundlich.", POSITIVE),
    ("Das Bürgerbüro war nicht freundlich.", NEGATIVE),
    ("Die Online-Terminvergabe funktioniert nicht.", NEGATIVE),
    ("Das war gar nicht schlecht.", POSITIVE),
    ("Ich bin unzufrieden.", NEGATIVE),
    ("Ich bin sehr enttäuscht.", NEGATIVE),
    ("Ich bin sehr enttaeuscht.", NEGATIVE),
    ("Wann wird der Sperrmüll abgeholt? Vielen Dank im Voraus!", NEUTRAL),
    ("Danke für die schnelle Antwort!", POSITIVE),
    ("Danke für nichts.", NEGATIVE),
    ("Guten Tag, wo finde ich das Fundbüro? Mit freundlichen Grüßen", NEUTRAL),
    ("Endlich ist der Radweg fertig!", POSITIVE),
    ("Wann wird das endlich repariert?", NEGATIVE),
    ("Der Service war gut, aber die Wartezeit war eine Zumutung.", NEGATIVE),
    ("Seit drei Wochen ist die Laterne aus.", NEGATIVE),
    ("", NEUTRAL),
])
def test_rules_on_single_messages(text, expected):
    assert classify(text).label == expected


def _load(name: str) -> list[tuple[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return [(SHORT[row["label"]], row["text"]) for row in csv.DictReader(handle, delimiter="\t")]


@pytest.mark.parametrize("name", ["mood_de.tsv", "mood_de_unseen.tsv"])
def test_macro_f1_on_our_labelled_messages_is_at_least_070(name):
    rows = _load(name)
    gold, predicted = [g for g, _ in rows], [classify(t).label for _, t in rows]
    assert macro_f1(gold, predicted) >= 0.70


def test_the_labelled_set_is_large_and_balanced_enough():
    rows = _load("mood_de.tsv")
    assert len(rows) >= 300
    assert min(sum(1 for g, _ in rows if g == label) for label in SHORT.values()) >= 90


def test_macro_f1_is_one_for_perfect_and_low_for_constant_answers():
    gold = [NEGATIVE, NEUTRAL, POSITIVE, NEUTRAL]
    assert macro_f1(gold, gold) == 1.0
    assert macro_f1(gold, [NEUTRAL] * 4) == pytest.approx((0 + 2 / 3 + 0) / 3)
