"""Benchmark the rota solver on a realistic December for growing teams, and on a family of generated instances.

Usage:
    python bench/solve.py                      # 8, 12, 20, 40 editors, 2 workers, 10 s limit
    python bench/solve.py --sizes 20 --tune    # compare worker counts and parameters for one size
    python bench/solve.py --family --limit 60  # generated: 2-5 shift types, 14/28 days, 8-40 editors, tight/loose
    python bench/solve.py --family --types 3 --days 28 --editors 20 --demand tight --params '{"symmetry_level": 4}'
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scheduling import (  # noqa: E402
    Absence,
    AbsenceKind,
    BusinessCalendar,
    DayType,
    Editor,
    EditorLimits,
    Override,
    Rota,
    RotaProblem,
    ShiftModel,
    ShiftTemplate,
    WeeklyHours,
    Wish,
    on_shift,
    solve,
    validate,
)

YEAR, MONTH = 2026, 12
TUNING = {
    "package default (max_lp_sym added)": {},
    "plain CP-SAT": {"extra_subsolvers": []},
    "linearization 2": {"linearization_level": 2},
    "symmetry 4": {"symmetry_level": 4},
    "max_lp_sym + quick_restart only": {"subsolvers": ["max_lp_sym", "quick_restart"]},
}


def calendar() -> BusinessCalendar:
    """Essen hours, NW holidays, short hours on 24 and 31 December."""
    short = [Override.hours(dt.date(YEAR, 12, d), dt.date(YEAR, 12, d), "09:00-14:00", "verkürzt") for d in (24, 31)]
    return BusinessCalendar.essen_default("NW", short)


def model(size: int) -> ShiftModel:
    """Headcount that grows with the team: 8 editors need 3 early, 2 late and 2 on weekends."""
    return ShiftModel.essen_default(early=max(2, round(size * 0.35)), late=max(2, round(size * 0.25)),
                                    weekend=max(1, round(size * 0.2)))


def team(size: int, rng: random.Random) -> list[Editor]:
    """Mostly full time, some part time, a few personal limits."""
    editors = []
    for i in range(1, size + 1):
        hours = 30.0 if i % 4 == 3 else 20.0 if i % 5 == 4 else 39.0
        limits = EditorLimits(max_shifts={"S": 6} if i % 3 == 0 else {}, max_weekends=2 if i % 6 == 1 else None,
                              min_consecutive_days_off=2 if i % 7 == 2 else None)
        editors.append(Editor(i, f"Redakteur {i}", hours, limits=limits))
    return editors


def absences(editors: list[Editor], rng: random.Random) -> list[Absence]:
    """Christmas vacation for a third of the team, a short vacation here and there, one sickness."""
    result = []
    for e in editors:
        if rng.random() < 0.33:
            result.append(Absence(e.id, dt.date(YEAR, 12, 21), dt.date(YEAR, 12, 31)))
        elif rng.random() < 0.3:
            start = dt.date(YEAR, 12, rng.randint(1, 14))
            result.append(Absence(e.id, start, start + dt.timedelta(days=rng.randint(2, 4))))
    result.append(Absence(editors[0].id, dt.date(YEAR, 12, 8), dt.date(YEAR, 12, 10), AbsenceKind.SICK))
    return result


def wishes(editors: list[Editor], rng: random.Random) -> list[Wish]:
    """Two wishes per editor: a day off and a preferred shift."""
    result = []
    for e in editors:
        result.append(Wish(e.id, dt.date(YEAR, 12, rng.randint(1, 31)), None, rng.randint(1, 5)))
        day = dt.date(YEAR, 12, rng.randint(1, 18))
        result.append(Wish(e.id, day, "T" if day.weekday() >= 5 else rng.choice("FS"), rng.randint(1, 3)))
    return result


def problem(size: int) -> RotaProblem:
    rng = random.Random(size)
    editors = team(size, rng)
    return RotaProblem.month(calendar(), model(size), editors, YEAR, MONTH, absences=absences(editors, rng),
                             wishes=wishes(editors, rng))


def run(size: int, limit: float, workers: int, params: dict | None = None) -> dict:
    p = problem(size)
    r = solve(p, time_limit=limit, workers=workers, params=params)
    violations = len(validate(r.rota, p.editors, p.calendar, p.absences)) if r.rota else -1
    return {"size": size, "status": r.status, "first": r.time_to_first, "total": r.wall_time,
            "objective": r.objective, "gap": r.gap, "fair": r.fairness, "share": r.fair_share_deviation,
            "under": sum(s.needed - s.present for s in r.understaffed),
            "over": sum(s.present - s.needed for s in r.overstaffed), "violations": violations,
            "wishes": f"{r.wishes_honoured}/{r.wishes_total}", "rota": r.rota, "calendar": p.calendar}


HEADER = (f"{'editors':>7} {'status':>8} {'first s':>8} {'total s':>8} {'objective':>10} {'gap %':>6} "
          f"{'spread w/l/h':>12} {'share dev w/l/h':>15} {'under':>5} {'over':>5} {'wishes':>7} {'viol':>4}")


def row(label: str, r: dict) -> str:
    fair = "/".join(str(r["fair"].get(k, 0)) for k in ("weekend", "late", "holiday"))
    share = "/".join(f"{r['share'].get(k, 0):.1f}" for k in ("weekend", "late", "holiday"))
    first = f"{r['first']:.2f}" if r["first"] is not None else "-"
    objective = f"{r['objective']:.0f}" if r["objective"] is not None else "-"
    gap = f"{100 * r['gap']:.2f}" if r["gap"] is not None else "-"
    return (f"{label:>7} {r['status']:>8} {first:>8} {r['total']:>8.2f} {objective:>10} {gap:>6} {fair:>12} "
            f"{share:>15} {r['under']:>5} {r['over']:>5} {r['wishes']:>7} {r['violations']:>4}")


def lookup_rates(cal: BusinessCalendar, rota: Rota, calls: int = 50_000, rounds: int = 3) -> str:
    """Calls per second of ``is_open``, ``on_shift`` and both (one routing decision) at random instants."""
    rng = random.Random(7)
    start = dt.datetime(YEAR, MONTH, 1, tzinfo=dt.UTC).timestamp()
    instants = [dt.datetime.fromtimestamp(start + rng.random() * 31 * 86400, dt.UTC) for _ in range(calls)]
    checks = {"is_open": lambda t: cal.is_open(t), "on_shift": lambda t: on_shift(rota, t),
              "both": lambda t: cal.is_open(t) and on_shift(rota, t)}
    parts = []
    for name, check in checks.items():
        rates = []
        for _ in range(rounds):
            began = time.perf_counter()
            for t in instants:
                check(t)
            rates.append(calls / (time.perf_counter() - began))
        parts.append(f"{name} {min(rates):,.0f}-{max(rates):,.0f}/s")
    return f"lookups ({calls:,} random instants in the month, {rounds} rounds): " + ", ".join(parts)


# --- the generated family -----------------------------------------------------------------------

WORK, ALL = (DayType.WORKDAY,), tuple(DayType)
OFF = (DayType.WEEKEND, DayType.HOLIDAY)
#: Shift types by count: day shifts first, then a night and a middle shift (24/7 service from 4 types on).
FAMILY_TEMPLATES = {
    2: [("F", "07:00-14:30", ALL, False), ("S", "14:30-22:00", ALL, True)],
    3: [("F", "07:00-14:30", WORK, False), ("S", "14:30-22:00", WORK, True), ("T", "09:00-17:00", OFF, False)],
    4: [("F", "06:00-14:00", ALL, False), ("S", "14:00-22:00", ALL, True), ("N", "22:00-06:00", ALL, True),
        ("T", "09:00-17:00", OFF, False)],
    5: [("F", "06:00-14:00", ALL, False), ("S", "14:00-22:00", ALL, True), ("N", "22:00-06:00", ALL, True),
        ("T", "09:00-17:00", OFF, False), ("M", "10:00-18:30", WORK, False)],
}
FIRST_DAY = dt.date(2027, 3, 1)  # a Monday; 28 days reach over the clock change on 28 March


def family_problem(types: int, days: int, editors: int, tight: bool) -> RotaProblem:
    """One generated instance: demand at ~95 % (tight) or ~70 % (loose) of the team's contract capacity,
    3-4 wishes per editor (days off, shifts wanted and not wanted), mixed contracts and some limits."""
    rng = random.Random(f"{types}-{days}-{editors}-{tight}")
    hours = "00:00-24:00" if types >= 4 else "07:00-22:00"
    calendar = BusinessCalendar(WeeklyHours.simple(hours, "00:00-24:00" if types >= 4 else "09:00-17:00"), "NW")
    templates = tuple(ShiftTemplate.parse(c, c, h, kinds, late=late) for c, h, kinds, late in FAMILY_TEMPLATES[types])
    team = []
    for i in range(1, editors + 1):
        contract = 30.0 if i % 4 == 3 else 20.0 if i % 5 == 4 else 39.0
        limits = EditorLimits(max_shifts={"S": 8} if i % 3 == 0 else {}, max_weekends=2 if i % 6 == 1 else None)
        team.append(Editor(i, f"Redakteur {i}", contract, limits=limits))
    per_day = sum(e.contract_hours_week for e in team) / 7 / 7.5 * (0.95 if tight else 0.7)
    headcount = {}
    for kind in DayType:
        usable = [t for t in templates if kind in t.day_types]
        share = per_day * (1.0 if kind is DayType.WORKDAY else 0.6)
        for t in usable:
            headcount[(t.code, kind)] = max(1, round(share / len(usable)))
    wishes = []
    for e in team:
        for _ in range(rng.randint(3, 4)):
            day = FIRST_DAY + dt.timedelta(days=rng.randrange(days))
            code = rng.choice([t.code for t in templates if calendar.day_type(day) in t.day_types] or [None])
            kind = rng.random()
            wishes.append(Wish(e.id, day, None if kind < 0.4 else code, rng.randint(1, 5), avoid=kind > 0.7))
    return RotaProblem(calendar, ShiftModel(templates, headcount), team, FIRST_DAY,
                       FIRST_DAY + dt.timedelta(days=days - 1), wishes=wishes)


FAMILY_HEADER = (f"{'types':>5} {'days':>4} {'editors':>7} {'demand':>6} {'status':>8} {'objective':>10} "
                 f"{'bound':>10} {'gap %':>6} {'first s':>7} {'<1% s':>7} {'total s':>7} {'viol':>4}")


def family(args) -> None:
    params = json.loads(args.params) if args.params else None
    print(f"Generated family, limit {args.limit:g} s, {args.workers} workers, params {params or 'default'}")
    print(FAMILY_HEADER)
    for types in args.types:
        for days in args.days:
            for size in args.editors:
                for demand in args.demand:
                    p = family_problem(types, days, size, demand == "tight")
                    r = solve(p, time_limit=args.limit, workers=args.workers, params=params)
                    viol = len(validate(r.rota, p.editors, p.calendar, p.absences)) if r.rota else "-"
                    print(f"{types:>5} {days:>4} {size:>7} {demand:>6} {r.status:>8} {_num(r.objective):>10} "
                          f"{_num(r.best_bound):>10} {_num(r.gap, 100, 2):>6} {_num(r.time_to_first, 1, 2):>7} "
                          f"{_num(r.time_to_1pct, 1, 2):>7} {r.wall_time:>7.2f} {viol:>4}", flush=True)


def _num(value: float | None, factor: float = 1, digits: int = 0) -> str:
    return "-" if value is None else f"{value * factor:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 12, 20, 40])
    parser.add_argument("--limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tune", action="store_true", help="compare worker counts and solver parameters")
    parser.add_argument("--family", action="store_true", help="run the generated family instead of December")
    parser.add_argument("--types", type=int, nargs="+", default=[2, 3, 4, 5])
    parser.add_argument("--days", type=int, nargs="+", default=[14, 28])
    parser.add_argument("--editors", type=int, nargs="+", default=[8, 20, 40])
    parser.add_argument("--demand", nargs="+", default=["tight", "loose"], choices=["tight", "loose"])
    parser.add_argument("--params", help="extra CP-SAT parameters as JSON, e.g. '{\"symmetry_level\": 4}'")
    args = parser.parse_args()
    if args.family:
        family(args)
        return
    print(f"December {YEAR}, Essen hours, NW holidays, limit {args.limit:.0f} s, {args.workers} workers")
    print(HEADER)
    last = None
    for size in args.sizes:
        if not args.tune:
            last = run(size, args.limit, args.workers)
            print(row(str(size), last), flush=True)
            continue
        for workers in (1, 2, 4, 8):
            print(row(f"w={workers}", run(size, args.limit, workers)), flush=True)
        for name, params in TUNING.items():
            print(f"  {name}: " + row(str(size), run(size, args.limit, args.workers, params)), flush=True)
    if last is not None and last["rota"] is not None:
        print(lookup_rates(last["calendar"], last["rota"]))


if __name__ == "__main__":
    main()
