"""The embedded CJK font: an OFL TrueType font from PyPI, cut per document, never a missing glyph."""

from __future__ import annotations

import io
from importlib.resources import files

from fontTools.ttLib import TTFont
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from app.documents import fonts
from app.documents.form import FormContent
from app.documents.pdf import PLACEHOLDER, render_form


def test_the_font_is_ofl_truetype_from_the_installed_package():
    licence = (files(fonts.FONT_PACKAGE) / fonts.LICENSE_FILE).read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    with TTFont(fonts.font_path(), lazy=True) as font:
        assert "glyf" in font and "CFF " not in font  # TrueType outlines: ReportLab can embed them


def test_common_and_rare_name_characters_are_covered():
    assert not fonts.missing_characters(["医师执业注册申请审核表 欧阳娜娜 堃喆昇玥珺 ABCxyz 0-9（）：，。、·—"])
    assert fonts.missing_characters(["李\U00020000明 😀"]) == {"\U00020000", "😀"}


def test_cuts_are_regular_and_bold_and_small():
    regular, bold = fonts._cut(frozenset("医师W"))
    with TTFont(io.BytesIO(regular)) as r, TTFont(io.BytesIO(bold)) as b:
        assert (r["OS/2"].usWeightClass, b["OS/2"].usWeightClass) == (400, 700)
        assert "fvar" not in r and b["hmtx"]["W"][0] > r["hmtx"]["W"][0]
    assert len(regular) < 20_000


def test_a_character_outside_the_font_is_printed_as_a_placeholder(app):
    content = FormContent(
        title="医师执业注册申请审核表", number_line=[("申请编号", "A202611300000001")],
        applicant=[("姓名", "李\U00020000明")], request=[], opinion=[], decision=[],
        headings={"applicant": "一", "request": "二", "opinion": "三", "decision": "四"},
        qr_caption="扫描二维码", verification_url="http://localhost/verify/x",
    )
    with app.test_request_context():
        pdf = render_form(content)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert f"李{PLACEHOLDER}明" in text and "\U00020000" not in text
    assert not [n for n in pdfmetrics.getRegisteredFontNames() if n.startswith("NotoSansSC")]
