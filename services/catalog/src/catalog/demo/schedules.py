"""Varied weekly schedules of demo doctors: morning or evening shifts, alternating weeks of
shifts, short Saturdays, a break, 15/20/30-minute slots and a reception quota."""
from __future__ import annotations

import random

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
MORNING = ["08:00", "14:00"]
EVENING = ["14:00", "20:00"]
DAY = ["09:00", "15:00"]
MORNING_BREAK = ["11:00", "11:15"]
EVENING_BREAK = ["17:00", "17:15"]


def random_schedule(rng: random.Random, slot_choices: tuple[int, ...]) -> dict:
    pattern = rng.choices(("morning", "evening", "alternating", "day"), weights=(4, 2, 3, 1))[0]
    if pattern == "alternating":
        odd_first = rng.random() < 0.5
        week = {day: (MORNING if (i % 2 == 0) == odd_first else EVENING)
                for i, day in enumerate(WEEKDAYS)}
        breaks = [MORNING_BREAK, EVENING_BREAK]
    else:
        hours = {"morning": MORNING, "evening": EVENING, "day": DAY}[pattern]
        week = {day: hours for day in WEEKDAYS}
        breaks = [EVENING_BREAK if pattern == "evening" else
                  rng.choice((MORNING_BREAK, ["12:00", "12:30"]))]
    if rng.random() < 0.1:  # a part-time doctor: one weekday off
        week[rng.choice(WEEKDAYS)] = None
    week["sat"] = rng.choice((["08:00", "12:00"], ["09:00", "13:00"])) if rng.random() < 0.3 else None
    week["sun"] = None
    return {"slot_minutes": rng.choice(slot_choices),
            "week": {day: (list(hours) if hours else None) for day, hours in week.items()},
            "breaks": [list(b) for b in breaks],
            "quota": {"reception_percent": rng.choice((0, 10, 20, 20, 30))}}
