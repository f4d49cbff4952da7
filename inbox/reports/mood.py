"""The Stimmungsbarometer: the polarity of a German citizen message, negative, neutral or positive.

A lexicon of our own (mood_de.txt) with negation, intensifiers and contrast, run locally with no model to
download. It is built for what citizens write to a city: questions are neutral unless they carry a judgement,
a polite "Danke im Voraus" closing a request is not praise, and "nicht schlecht" is mildly positive.
Measured on tests/data/mood_de.tsv by bench/mood.py. Pure Python: no Flask, no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
LABELS = (NEGATIVE, NEUTRAL, POSITIVE)
LEXICON_FILE = Path(__file__).with_name("mood_de.txt")

NEGATORS = {"nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals", "kaum", "ohne",
            "nichts"}
INTENSIFIERS = {"sehr": 1.5, "total": 1.5, "voellig": 1.6, "absolut": 1.6, "extrem": 1.6, "wirklich": 1.4,
                "echt": 1.3, "richtig": 1.3, "so": 1.2, "ganz": 1.2, "besonders": 1.4, "aeusserst": 1.6,
                "massl": 1.6, "masslos": 1.6, "zutiefst": 1.6, "unglaublich": 1.5, "mega": 1.5, "super": 1.4,
                "einfach": 1.2, "ueberhaupt": 1.3, "voll": 1.3, "herzlich": 1.3, "herzlichen": 1.3,
                "vielen": 1.2, "grosses": 1.3, "grosse": 1.3, "grossen": 1.2, "einzige": 1.2, "ausgesprochen": 1.4,
                "riesig": 1.4, "unheimlich": 1.4, "wahnsinnig": 1.5, "ziemlich": 1.2, "komplett": 1.5,
                "vollkommen": 1.5, "hoechst": 1.5}
CONTRAST = {"aber", "jedoch", "doch", "allerdings", "trotzdem"}
POLITE = {"bitte", "voraus"}
THANKS = {"danke", "dank", "dankeschoen", "bedank*"}
# "Endlich ist der Radweg fertig" is relief; "Wann wird das endlich repariert?" is impatience.
IMPATIENT = "endlich"
# How far back (in words, within a clause) a negator or intensifier reaches.
REACH = 3
TOKEN = re.compile(r"[a-z0-9]+|:-?[()]|[^\sa-z0-9]", re.IGNORECASE)
CLAUSE_END = {".", "!", "?", ";", ",", ":"}
FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# "Seit drei Wochen", "seit Monaten": how long a citizen has waited is a complaint in itself.
WAITING = re.compile(r"\bseit (?:\w+ )?(?:tagen|wochen|monaten|jahren|stunden|einer stunde|einem jahr)\b")


@dataclass(frozen=True)
class Mood:
    """A message's polarity and the score behind it (negative below -threshold, positive above it)."""

    label: str
    score: float


@dataclass(frozen=True)
class _Lexicon:
    words: dict[str, float]
    # Stems by their first three letters, longest first, so a token is checked against a handful, not all.
    prefixes: dict[str, tuple[tuple[str, float], ...]]
    phrases: dict[tuple[str, ...], float]
    longest: int


def fold(text: str) -> str:
    """Lower case with umlauts spelled out, so "Bürgerbüro" and "Buergerbuero" read alike."""
    return unicodedata.normalize("NFC", text).lower().translate(FOLD)


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    words, prefixes, phrases = {}, [], {}
    for line in LEXICON_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, weight = line.rsplit("\t", 1)
        term = fold(term.strip())
        if " " in term:
            phrases[tuple(TOKEN.findall(term))] = float(weight)
        elif term.endswith("*"):
            prefixes.append((term[:-1], float(weight)))
        else:
            words[term] = float(weight)
    grouped: dict[str, list[tuple[str, float]]] = {}
    for stem, weight in sorted(prefixes, key=lambda item: -len(item[0])):
        grouped.setdefault(stem[:3], []).append((stem, weight))
    return _Lexicon(words, {k: tuple(v) for k, v in grouped.items()}, phrases,
                    max((len(p) for p in phrases), default=1))


def _word_weight(lexicon: _Lexicon, token: str) -> float | None:
    weight = _entry(lexicon, token)
    if weight is None and token.startswith("un") and len(token) > 5:
        # "unzufrieden", "unschön", "ungut": the un- of a good word makes it bad.
        positive = _entry(lexicon, token[2:])
        weight = -positive if positive and positive > 0 else None
    return weight


def _entry(lexicon: _Lexicon, token: str) -> float | None:
    if token in lexicon.words:
        return lexicon.words[token]
    candidates = lexicon.prefixes.get(token[:3], ())
    return next((w for stem, w in candidates if token.startswith(stem) and len(token) - len(stem) <= 8), None)


def _hits(tokens: list[str]) -> list[tuple[int, int, float]]:
    """(start, end, weight) of every lexicon entry in tokens, longest phrase first, never overlapping."""
    lexicon, hits, i = _lexicon(), [], 0
    while i < len(tokens):
        for size in range(min(lexicon.longest, len(tokens) - i), 1, -1):
            weight = lexicon.phrases.get(tuple(tokens[i:i + size]))
            if weight is not None:
                hits.append((i, i + size, weight))
                i += size
                break
        else:
            weight = _word_weight(lexicon, tokens[i])
            if weight is not None:
                hits.append((i, i + 1, weight))
            i += 1
    return hits


def _clause_start(tokens: list[str], index: int) -> int:
    start = index
    while start > 0 and tokens[start - 1] not in CLAUSE_END:
        start -= 1
    return start


def _modifiers(tokens: list[str], start: int, end: int, taken: set[int]) -> tuple[bool, float]:
    """Whether the hit at start:end is negated, and the product of the intensifiers before it."""
    negated, factor = False, 1.0
    for j in range(max(_clause_start(tokens, start), start - REACH), start):
        if j in taken:
            continue
        if tokens[j] in NEGATORS:
            negated = not negated
        factor *= INTENSIFIERS.get(tokens[j], 1.0)
    return negated != _negated_after(tokens, end, taken), factor


def _negated_after(tokens: list[str], end: int, taken: set[int]) -> bool:
    """German puts the negation after the verb: "Das funktioniert nicht", "Das gefällt mir nicht"."""
    for j in range(end, min(end + 2, len(tokens))):
        if tokens[j] in CLAUSE_END or j in taken:
            return False
        if tokens[j] in {"nicht", "nie", "niemals", "kaum"}:
            return True
    return False


def _sentence_ends(tokens: list[str]) -> list[str]:
    """For every token, the punctuation that ends its sentence ("." when the text just stops)."""
    ends, current = [], "."
    for token in reversed(tokens):
        if token in {".", "!", "?"}:
            current = token
        ends.append(current)
    return ends[::-1]


def _scored(tokens: list[str]) -> list[tuple[int, float, bool]]:
    """(position, weight, is_thanks) of each hit after negation and intensifiers."""
    hits = _hits(tokens)
    taken = {k for start, end, _ in hits for k in range(start, end)}
    scored = []
    for start, end, weight in hits:
        negated, factor = _modifiers(tokens, start, end, taken - set(range(start, end)))
        if negated:
            # "nicht gut" is as bad as "gut" is good; "nicht schlecht" only mildly good.
            weight = -weight if weight > 0 else -weight * 0.5
        scored.append((start, weight * factor, tokens[start] in THANKS or tokens[start].startswith("bedank")))
    return scored


def _contrast_weights(tokens: list[str]) -> list[float]:
    """After "aber" the writer's real point follows: what comes after counts more than what came before."""
    weights, seen = [1.0] * len(tokens), None
    for i, token in enumerate(tokens):
        if token in CONTRAST and i > 0:
            seen = i
    if seen is None:
        return weights
    return [0.6 if i < seen else 1.4 for i in range(len(tokens))]


def score(text: str) -> float:
    """The polarity score of text: the weighted sum of its lexicon hits (0 for none)."""
    folded = WAITING.sub(" seit langem ", fold(text or ""))
    tokens = TOKEN.findall(folded)
    if not tokens:
        return 0.0
    ends, contrast = _sentence_ends(tokens), _contrast_weights(tokens)
    request = "?" in tokens or any(t in POLITE for t in tokens)
    total = -1.5 * tokens.count("langem")
    for position, weight, is_thanks in _scored(tokens):
        if tokens[position] == IMPATIENT:
            weight = -2.0 if ends[position] == "?" else 1.0
        if is_thanks and request and weight > 0:
            weight *= 0.4  # "Danke im Voraus" closing a question is politeness, not praise
        elif ends[position] == "?" and abs(weight) < 2:
            weight *= 0.5  # "Ist die Ampel kaputt?" asks; it does not complain
        total += weight * contrast[position]
    return total * _emphasis(text)


def _emphasis(text: str) -> float:
    shouting = sum(1 for w in re.findall(r"\b[A-ZÄÖÜ]{4,}\b", text)) >= 2
    return 1.3 if "!!" in text or shouting else 1.0


def classify(text: str, threshold: float = 1.0) -> Mood:
    """The message's mood: negative at a score of -threshold or below, positive at +threshold or above."""
    value = score(text)
    label = NEGATIVE if value <= -threshold else POSITIVE if value >= threshold else NEUTRAL
    return Mood(label, round(value, 2))


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    """The mean over the three labels of each label's F1 (precision and recall of that label)."""
    scores = []
    for label in LABELS:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if p == label and g != label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)
