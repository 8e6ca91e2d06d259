"""The talon as an A5 PDF, drawn with reportlab on a canvas (fast: no layout engine needed)."""
from __future__ import annotations

import io
from functools import lru_cache
from importlib.resources import files

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ..domain.talon import TITLE, TalonView

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
MARGIN = 12 * mm
QR_SIZE = 30 * mm


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Register the shipped DejaVu fonts (Cyrillic); once per process, on first use."""
    fonts = files("tickets") / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(fonts / "DejaVuSans-Bold.ttf")))


def talon_rows(view: TalonView) -> list[tuple[str, str]]:
    rows = [
        ("Медицинская организация", view.organization_name),
        ("Адрес", view.organization_address),
        ("Врач", view.doctor_full_name),
        ("Специальность", view.specialty),
        ("Кабинет", view.room),
        ("Услуга", view.service_name),
        ("Дата и время приёма", view.when_text),
        ("Пациент", view.patient_full_name),
    ]
    if view.policy_masked:
        rows.append(("Полис ОМС", view.policy_masked))
    return [(label, value) for label, value in rows if value]


def _qr_drawing(payload: str, size: float) -> Drawing:
    drawing = Drawing(size, size)
    drawing.add(QrCodeWidget(payload, barLevel="M", barWidth=size, barHeight=size, barBorder=2))
    return drawing


class _Writer:
    """Draws wrapped text top-down and keeps track of the cursor."""

    def __init__(self, canvas: Canvas, top: float, width: float):
        self.c = canvas
        self.y = top
        self.width = width

    def lines(self, text: str, font: str, size: float, x: float, width: float | None = None,
              leading: float | None = None) -> None:
        leading = leading or size * 1.3
        for line in simpleSplit(text, font, size, width or self.width) or [""]:
            self.c.setFont(font, size)
            self.c.drawString(x, self.y, line)
            self.y -= leading


def render_pdf(view: TalonView) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    page_width, page_height = A5
    c = Canvas(buffer, pagesize=A5, invariant=1, pageCompression=1)
    c.setTitle(f"{TITLE} № {view.number}")
    c.setAuthor("Registratura")
    c.setCreator("Registratura")
    content_width = page_width - 2 * MARGIN
    top = page_height - MARGIN

    renderPDF.draw(_qr_drawing(view.qr_payload, QR_SIZE), c, page_width - MARGIN - QR_SIZE, top - QR_SIZE)
    w = _Writer(c, top - 14, content_width - QR_SIZE - 4 * mm)
    w.lines(TITLE, FONT_BOLD, 14, MARGIN, leading=20)
    w.lines(f"№ {view.number}", FONT_BOLD, 20, MARGIN, leading=18)
    w.lines(f"Код проверки: {view.verification_code}", FONT, 8.5, MARGIN)
    w.y = min(w.y, top - QR_SIZE) - 6 * mm
    c.setLineWidth(0.6)
    c.line(MARGIN, w.y + 4 * mm, page_width - MARGIN, w.y + 4 * mm)

    w.width = content_width
    label_width = 40 * mm
    for label, value in talon_rows(view):
        row_top = w.y
        w.lines(label, FONT, 8.5, MARGIN, width=label_width - 2 * mm, leading=11)
        label_end = w.y
        w.y = row_top
        emphasized = label in ("Дата и время приёма", "Врач", "Кабинет")
        w.lines(value, FONT_BOLD if emphasized else FONT, 10.5, MARGIN + label_width,
                width=content_width - label_width, leading=13.5)
        w.y = min(w.y, label_end) - 2.5 * mm

    c.line(MARGIN, w.y + 1 * mm, page_width - MARGIN, w.y + 1 * mm)
    w.y -= 4 * mm
    for note in view.notes:
        w.lines("• " + note, FONT, 8.5, MARGIN, leading=11)
        w.y -= 1 * mm
    c.showPage()
    c.save()
    return buffer.getvalue()
