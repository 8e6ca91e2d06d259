"""Talons rendered per second by one process (PDF + printable HTML), as a worker renders them.

Run: ``.venv/bin/python services/tickets/bench_render.py [--seconds 5]``. Target: at least 20/s.
"""
from __future__ import annotations

import argparse
import sys
import time

from tickets.adapters.html import render_html
from tickets.adapters.pdf import render_pdf
from tickets.domain.talon import talon_view, verification_code


def sample_data(i: int) -> dict:
    return {
        "appointment": {
            "id": f"bench-{i}", "start": f"2026-12-{1 + i % 28:02d}T0{3 + i % 6}:15:00+00:00",
            "organization": {"name": "ГАУЗ «Городская клиническая поликлиника № 1» г. Оренбурга",
                             "address": "г. Оренбург, ул. Советская, д. 1"},
            "doctor": {"full_name": "Сергеева Анна Викторовна", "specialty": "Терапия", "room": str(100 + i % 50)},
            "service": {"name": "Приём врача-терапевта участкового"},
            "patient": {"full_name": "Кузнецов Илья Андреевич"},
        },
        "timezone": "Asia/Yekaterinburg",
        "contact": {"policy_last4": "9153"},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to render")
    args = parser.parse_args(argv)
    render_pdf(talon_view(sample_data(0), "0", "X", "8-800-200-56-03"))  # fonts load once, not timed
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < args.seconds:
        number = f"0001-{count:06d}"
        view = talon_view(sample_data(count), number, verification_code("bench", number), "8-800-200-56-03")
        render_pdf(view)
        render_html(view)
        count += 1
    rate = count / (time.perf_counter() - started)
    sys.stdout.write(f"{rate:.1f} talons/s (PDF + HTML, one process, {count} in {args.seconds:g} s)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
