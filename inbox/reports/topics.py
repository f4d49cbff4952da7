"""Topics without tags: the terms of citizen messages, and which of them rise against the previous period.

German capitalizes nouns, so a capitalized word that does not open a sentence is taken as a term; greetings,
closings and words every message has are left out. Pure Python, used by the rollup and the reports.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß-]*|[.!?\n]")
MIN_LENGTH = 4
MAX_LENGTH = 40
STOP = {w.lower() for w in (
    "Hallo Guten Tag Morgen Abend Grüße Grüßen Gruß Dank Danke Vielen Bitte Frage Fragen Antwort Stadt "
    "Sehr Damen Herren Frau Herr Liebe Lieber Team Ihnen Sie Ihr Ihre Wir Ich Mit Freundlichen Beste "
    "Heute Gestern Woche Wochen Monat Monaten Jahr Jahren Stunde Stunden Minuten Uhr Montag Dienstag "
    "Mittwoch Donnerstag Freitag Samstag Sonntag Info Infos Information Informationen Leute Menschen").split()}
# A term must occur in this many messages of a period before it can be called rising.
MIN_MESSAGES = 3


def terms(text: str) -> set[str]:
    """The terms of one message (in lower case, each once)."""
    found, sentence_start = set(), True
    for token in WORD.findall(text or ""):
        if token in ".!?\n":
            sentence_start = True
            continue
        word = token.strip("-")
        if not sentence_start and word[:1].isupper() and MIN_LENGTH <= len(word) <= MAX_LENGTH:
            term = word.lower()
            if term not in STOP:
                found.add(term)
        sentence_start = False
    return found


def rising(current: dict[str, int], previous: dict[str, int], current_days: int, previous_days: int,
           limit: int = 15) -> list[tuple[str, int, int, float]]:
    """Terms that occur clearly more often than before: (term, now, before, factor), strongest rise first.

    Counts are per day, so periods of different lengths compare; one message of smoothing keeps a term that
    is new from dividing by zero.
    """
    rows = []
    for term, count in current.items():
        if count < MIN_MESSAGES:
            continue
        before = previous.get(term, 0)
        factor = (count / current_days) / ((before + 1) / previous_days)
        if factor > 1.5:
            rows.append((term, count, before, round(factor, 1)))
    rows.sort(key=lambda r: (-r[3], -r[1], r[0]))
    return rows[:limit]
