"""Drawing the 申请审核表: one A4 page with ReportLab, the photo, the sections and the QR code."""

from __future__ import annotations

import io
import logging
from xml.sax.saxutils import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.documents.fonts import document_fonts, missing_characters
from app.documents.form import FormContent, Rows

log = logging.getLogger(__name__)
PLACEHOLDER = "〓"
PAGE_WIDTH = A4[0] - 36 * mm
LABEL_WIDTH = 42 * mm
PHOTO_SIZE = (25 * mm, 35 * mm)  # a 1-inch ID photo
QR_SIZE = 32 * mm
NUMBER_WIDTHS = (24, 42, 18, 32, 22, 36)  # mm: label, value × 3 across the page (174 mm)
GRID = colors.HexColor("#888888")
SHADE = colors.HexColor("#f0f0f0")


def qr_image(text: str) -> bytes:
    """Return a PNG of the QR code of ``text`` (black on white, with its quiet zone)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").get_image().convert("L").save(out, "PNG")
    return out.getvalue()


class _Styles:
    """The paragraph styles of one document, in its own fonts."""

    def __init__(self, regular: str, bold: str) -> None:
        base = {"fontName": regular, "fontSize": 10, "leading": 14, "wordWrap": "CJK"}
        self.cell = ParagraphStyle("cell", **base)
        self.label = ParagraphStyle("label", **{**base, "fontName": bold})
        self.heading = ParagraphStyle("heading", **{**base, "fontName": bold, "fontSize": 12, "leading": 18,
                                                    "spaceBefore": 6, "spaceAfter": 3})
        self.title = ParagraphStyle("title", **{**base, "fontName": bold, "fontSize": 17, "leading": 24,
                                                "alignment": 1, "spaceAfter": 4})
        self.small = ParagraphStyle("small", **{**base, "fontSize": 8, "leading": 11})

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """Return a paragraph of plain text (escaped: user input is never markup)."""
        return Paragraph(escape(text or ""), style or self.cell)


def _grid(s: _Styles, rows: list[list], widths: list[float], shade_columns: tuple[int, ...] = (0,)) -> Table:
    table = Table(rows, colWidths=widths)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), s.cell.fontName),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    style += [("BACKGROUND", (c, 0), (c, -1), SHADE) for c in shade_columns]
    table.setStyle(TableStyle(style))
    return table


def _pairs(s: _Styles, rows: Rows, width: float) -> Table:
    rows = rows or [("", "")]  # an empty section still prints its (empty) frame
    return _grid(s, [[s.p(k, s.label), s.p(v)] for k, v in rows], [LABEL_WIDTH, width - LABEL_WIDTH])


def _applicant(s: _Styles, content: FormContent) -> Table:
    """The applicant's rows beside the photo."""
    photo_cell_width = PHOTO_SIZE[0] + 8 * mm
    rows = _pairs(s, content.applicant, PAGE_WIDTH - photo_cell_width)
    if content.photo:
        photo = Image(io.BytesIO(content.photo), width=PHOTO_SIZE[0], height=PHOTO_SIZE[1], kind="proportional")
    else:
        photo = s.p(content.photo_placeholder)
    outer = Table([[rows, photo]], colWidths=[PAGE_WIDTH - photo_cell_width, photo_cell_width])
    outer.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), s.cell.fontName),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, 0), "CENTER"),
        ("BOX", (1, 0), (1, 0), 0.5, GRID), ("LEFTPADDING", (0, 0), (0, 0), 0),
        ("RIGHTPADDING", (0, 0), (0, 0), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]))
    return outer


def _footer(s: _Styles, content: FormContent) -> Table:
    qr = Image(io.BytesIO(qr_image(content.verification_url)), width=QR_SIZE, height=QR_SIZE)
    text = [s.p(content.qr_caption, s.label), s.p(content.verification_url, s.small), s.p(content.printed_at, s.small)]
    table = Table([[qr, text]], colWidths=[QR_SIZE + 6 * mm, PAGE_WIDTH - QR_SIZE - 6 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("FONTNAME", (0, 0), (-1, -1), s.cell.fontName)]))
    return table


def _number_widths(cells: int) -> list[float]:
    if cells == len(NUMBER_WIDTHS):
        return [w * mm for w in NUMBER_WIDTHS]
    return [PAGE_WIDTH / cells] * cells


def render_form(content: FormContent) -> bytes:
    """Return the PDF of one application's form."""
    missing = missing_characters(content.texts())
    if missing:
        # A rare character outside the font (e.g. CJK extension B in a name) is printed as 〓,
        # the typesetter's mark for "character to be filled in by hand", never as an empty box.
        log.warning("form %s: no glyph for %r", content.number_line[0][1], "".join(sorted(missing)))
        content = content.replace_characters(missing, PLACEHOLDER)
    out = io.BytesIO()
    with document_fonts(content.texts()) as (regular, bold):
        s = _Styles(regular, bold)
        number_cells = [cell for key, value in content.number_line for cell in (s.p(key, s.label), s.p(value))]
        story = [
            s.p(content.title, s.title),
            _grid(s, [number_cells], _number_widths(len(number_cells)),
                  shade_columns=tuple(range(0, len(number_cells), 2))),
            s.p(content.headings["applicant"], s.heading), _applicant(s, content),
            s.p(content.headings["request"], s.heading), _pairs(s, content.request, PAGE_WIDTH),
            s.p(content.headings["opinion"], s.heading), _pairs(s, content.opinion, PAGE_WIDTH),
            s.p(content.headings["decision"], s.heading), _pairs(s, content.decision, PAGE_WIDTH),
            Spacer(1, 6 * mm), _footer(s, content),
        ]
        document = SimpleDocTemplate(
            out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
            title=content.title, author="", subject=content.number_line[0][1], creator="", producer="",
            # start every page in our font too, so no unembedded standard font is even referenced
            initialFontName=regular,
        )
        document.build(story)
    return out.getvalue()

