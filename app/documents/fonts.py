"""The CJK font of the printed forms: Noto Sans SC, from PyPI, cut to the characters of one PDF.

Why this font: it is under the SIL Open Font License 1.1 (embedding and subsetting allowed; the
licence text ships beside it), covers the Han characters of GB 18030 in common use plus Latin,
and arrives with ``pip`` inside the ``justmytype-intl-cjk`` wheel (Google Fonts' build), so
``make run`` needs no apt step. It is the TrueType-outline (``glyf``) build: ReportLab's TTFont
cannot embed the CFF outlines of the Noto Sans CJK ``.otf``/``.otc`` files that other PyPI
packages ship (``cvttf-notosanscjk-*``, ``manimgx-fonts-cjk``).

It is a variable font whose default instance is Thin, and pinning the weight of all 30,000
glyphs takes minutes. So for each document we cut it to the characters the document uses and
pin the weight axis of that cut to Regular (400) and Bold (700): about a second, cached per
character set; ReportLab then embeds the cut (a few KB). A character the font lacks is found
before drawing (``missing_characters``), never drawn as an empty box.
"""

from __future__ import annotations

import functools
import io
import itertools
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib.resources import files

from fontTools import subset
from fontTools.ttLib import TTFont as FontToolsFont
from fontTools.varLib import instancer
from reportlab.lib import fonts as rl_fonts
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_PACKAGE = "justmytype_intl_cjk"
FONT_FILE = "fonts/ofl/notosanssc/NotoSansSC[wght].ttf"
LICENSE_FILE = "fonts/ofl/notosanssc/OFL.txt"
REGULAR, BOLD = 400, 700

# Tables no printed form needs (layout, vertical metrics, the advance-width variations that the
# glyph variations' phantom points already carry); dropping them once makes every cut ~3× faster.
UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "STAT", "vhea", "vmtx", "HVAR")

_counter = itertools.count(1)
_lock = threading.Lock()
_prepared: bytes | None = None


class MissingGlyphs(ValueError):
    """The text uses characters the font cannot draw."""


def font_path() -> str:
    """Return the path of the installed variable font file."""
    return str(files(FONT_PACKAGE) / FONT_FILE)


def _base_font() -> bytes:
    """Return the variable font without the tables we never use (built once per process)."""
    global _prepared
    with _lock:
        if _prepared is None:
            with FontToolsFont(font_path(), lazy=True) as font:
                for tag in UNUSED_TABLES:
                    if tag in font:
                        del font[tag]
                font["post"].formatType = 3.0  # no glyph names: smaller and much faster to read
                out = io.BytesIO()
                font.save(out)
            _prepared = out.getvalue()
        return _prepared


@functools.cache
def _cmap() -> frozenset[int]:
    """Return the code points the font can draw."""
    with FontToolsFont(io.BytesIO(_base_font()), lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing_characters(texts: Iterable[str]) -> set[str]:
    """Return the printable characters of ``texts`` that the font cannot draw."""
    drawable = _cmap()
    return {c for text in texts for c in text if c.isprintable() and not c.isspace() and ord(c) not in drawable}


@functools.lru_cache(maxsize=32)
def _cut(characters: frozenset[str]) -> tuple[bytes, bytes]:
    """Return the regular and bold static fonts holding only ``characters`` (cached by set)."""
    missing = missing_characters(characters)
    if missing:
        raise MissingGlyphs("".join(sorted(missing)))
    with FontToolsFont(io.BytesIO(_base_font()), lazy=True) as font:
        options = subset.Options()
        options.layout_features = []
        options.hinting = False
        options.notdef_outline = True
        options.glyph_names = False
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in characters])
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
    variable = out.getvalue()
    cuts = []
    for weight in (REGULAR, BOLD):
        with FontToolsFont(io.BytesIO(variable)) as font:
            instancer.instantiateVariableFont(font, {"wght": weight}, inplace=True)
            out = io.BytesIO()
            font.save(out)
        cuts.append(out.getvalue())
    return cuts[0], cuts[1]


def _named(cut: bytes, name: str) -> io.BytesIO:
    """Return a copy of a cut font under its own PostScript name.

    ReportLab keys faces by PostScript name: every document's font needs its own, or a later
    document would silently reuse an earlier document's (smaller) glyph set.
    """
    with FontToolsFont(io.BytesIO(cut)) as font:
        font["name"].setName(name, 6, 3, 1, 0x409)
        font["name"].setName(name, 6, 1, 0, 0)
        out = io.BytesIO()
        font.save(out)
    out.seek(0)
    return out


@contextmanager
def document_fonts(texts: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Register a regular and a bold font covering ``texts`` for one document; yield their names.

    Each document gets fonts of its own, unregistered afterwards, so a long-running server does
    not accumulate them in ReportLab's global registry.
    """
    characters = frozenset({c for text in texts for c in text if c.isprintable() and not c.isspace()} | {" "})
    cuts = _cut(characters)
    with _lock:
        serial = next(_counter)
    names = [f"NotoSansSC-{weight}-{serial}" for weight in (REGULAR, BOLD)]
    try:
        for name, cut in zip(names, cuts, strict=True):
            pdfmetrics.registerFont(TTFont(name, _named(cut, name)))
        yield names[0], names[1]
    finally:
        for name in names:
            _unregister(name)


def _unregister(name: str) -> None:
    """Remove a document's font from ReportLab's registries (they have no public call for it)."""
    font = pdfmetrics._fonts.pop(name, None)
    if font is not None:
        pdfmetrics._dynFaceNames.pop(font.face.name, None)
    lowered = name.lower()
    for key in [k for k, v in rl_fonts._tt2ps_map.items() if v == name or k[0] == lowered]:
        del rl_fonts._tt2ps_map[key]
    rl_fonts._ps2tt_map.pop(lowered, None)
