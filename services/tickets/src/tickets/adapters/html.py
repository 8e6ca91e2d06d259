"""The printable talon page (Jinja2, the same templates folder Flask uses; no external assets)."""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape
from reportlab.graphics.barcode import qrencoder

from ..domain.talon import TITLE, TalonView
from .pdf import talon_rows


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=PackageLoader("tickets", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def qr_svg(payload: str, border: int = 2) -> str:
    """An inline SVG QR code: one path of dark modules, so the page needs no image files."""
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(payload)
    qr.make()
    count = qr.getModuleCount()
    side = count + 2 * border
    parts = []
    for r, row in enumerate(qr.modules):
        for c, dark in enumerate(row):
            if dark:
                parts.append(f"M{c + border} {r + border}h1v1h-1z")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
            f'shape-rendering="crispEdges" role="img" aria-label="QR-код талона">'
            f'<rect width="{side}" height="{side}" fill="#fff"/>'
            f'<path fill="#000" d="{"".join(parts)}"/></svg>')


def render_html(view: TalonView) -> str:
    from markupsafe import Markup

    return environment().get_template("talon.html").render(
        title=TITLE, view=view, rows=talon_rows(view), qr=Markup(qr_svg(view.qr_payload)))
