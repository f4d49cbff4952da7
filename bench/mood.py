"""Measure the Stimmungsbarometer on our labelled German citizen messages (tests/data/mood_de.tsv).

Usage:
    python bench/mood.py              # macro-F1 on the whole set and on its two halves, per-label figures
    python bench/mood.py --errors     # also list every message the analyser gets wrong

The lexicon was tuned looking at the errors of the even rows ("dev") only; the odd rows ("held out") show
how it does on messages it was not tuned on.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inbox.reports.mood import LABELS, classify, macro_f1  # noqa: E402

SHORT = {"neg": "negative", "neu": "neutral", "pos": "positive"}


def load(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [(SHORT[row["label"]], row["text"]) for row in csv.DictReader(handle, delimiter="\t")]


def report(name: str, rows: list[tuple[str, str]]) -> None:
    gold = [label for label, _ in rows]
    predicted = [classify(text).label for _, text in rows]
    print(f"{name:<10} n={len(rows):<4} macro-F1 {macro_f1(gold, predicted):.3f}")
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        said = predicted.count(label)
        print(f"    {label:<9} precision {tp / said if said else 0:.2f}  recall {tp / gold.count(label):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "tests/data/mood_de.tsv")
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()
    rows = load(args.data)
    report("all", rows)
    report("dev", rows[0::2])
    report("held out", rows[1::2])
    started = time.perf_counter()
    for _ in range(10):
        for _, text in rows:
            classify(text)
    per_message = (time.perf_counter() - started) / (10 * len(rows))
    print(f"speed      {per_message * 1e6:.0f} µs per message")
    if args.errors:
        for index, (label, text) in enumerate(rows):
            mood = classify(text)
            if mood.label != label:
                half = "dev" if index % 2 == 0 else "held"
                print(f"{half:<4} {label[:3]}->{mood.label[:3]} {mood.score:+.2f} {text}")


if __name__ == "__main__":
    main()
