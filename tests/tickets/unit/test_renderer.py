"""The PDF and the printable page carry the talon's content in Cyrillic, and nothing more."""
import re

import pytest

from tickets.adapters.html import qr_svg, render_html
from tickets.adapters.pdf import render_pdf
from tickets.domain.talon import talon_view, verification_code

pytestmark = pytest.mark.unit


def view_of(event):
    data = event["data"]
    number = data["appointment"]["ticket"]["number"]
    return talon_view(data, number, verification_code("k", number), "8-800-200-56-03")


def test_pdf_text_has_every_field_of_the_talon_in_russian(appointment_event, pdf_text):
    pdf = render_pdf(view_of(appointment_event()))
    assert pdf.startswith(b"%PDF")
    text = re.sub(r"\s+", " ", pdf_text(pdf))
    for expected in ("Талон на приём к врачу", "№ 0001-000123", "ГАУЗ «Городская клиническая",
                     "г. Оренбург, ул. Советская, д. 1", "Сергеева Анна Викторовна", "Терапия", "214",
                     "Приём врача-терапевта участкового", "1 декабря 2026 г., 08:15 (вторник)",
                     "Кузнецов Илья Андреевич", "**** **** **** 9153", "за 15 минут", "8-800-200-56-03",
                     "Код проверки"):
        assert expected in text, expected


def test_pdf_has_no_policy_line_when_no_policy_is_given(appointment_event, pdf_text):
    text = pdf_text(render_pdf(view_of(appointment_event(policy_last4=None))))
    assert "Полис" not in text and "****" not in text


def test_pdf_is_deterministic_for_the_same_talon(appointment_event):
    event = appointment_event()
    assert render_pdf(view_of(event)) == render_pdf(view_of(event))


def test_printable_page_has_the_content_a_print_button_and_no_external_assets(appointment_event):
    html = render_html(view_of(appointment_event()))
    for expected in ("Талон на приём к врачу", "0001-000123", "Сергеева Анна Викторовна",
                     "1 декабря 2026 г., 08:15 (вторник)", "**** **** **** 9153", "Печать талона",
                     "window.print()", "@media print", "<svg"):
        assert expected in html, expected
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "<img" not in html


def test_printable_page_escapes_html_in_the_data(appointment_event):
    event = appointment_event()
    event["data"]["appointment"]["patient"]["full_name"] = "<script>alert(1)</script>"
    html = render_html(view_of(event))
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_qr_svg_draws_dark_modules_on_a_white_square():
    svg = qr_svg("TALON:1:ABC")
    assert svg.startswith("<svg") and 'fill="#000"' in svg and svg.count("h1v1h-1z") > 50
