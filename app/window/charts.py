"""Charts drawn on the server as SVG: no script, no CDN; every number is also in the page's table."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

MAIN = "#1f5fa8"  # the site's main colour (--brand)
SHADES = ("#e3e7ec", "#c9d3e0", "#a9bbd6", "#86a2cc", "#5b85bd", "#3a6fb0", "#1f5fa8")
TEXT = "#222"


def _number(value: int) -> str:
    return f"{value:,}"


def _svg(uid: str, title: str, description: str, width: int, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="{uid}-t {uid}-d" id="{uid}">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(description)}</desc>'
        + "".join(body) + "</svg>"
    )


def funnel_chart(uid: str, title: str, bars: Sequence[tuple[str, int]]) -> Markup:
    """Draw horizontal bars, one per stage, scaled to the largest, with the count and share of the first."""
    width, label_w, row_h = 480, 120, 34
    top = max((v for _l, v in bars), default=0) or 1
    base = bars[0][1] if bars else 0
    body, parts = [], []
    for i, (label, value) in enumerate(bars):
        y = 8 + i * row_h
        w = round((width - label_w - 110) * value / top)
        share = f"{value * 100 / base:.0f}%" if base else "--"
        parts.append(f"{label} {_number(value)}（{share}）")
        body.append(
            f'<text x="{label_w - 8}" y="{y + 21}" text-anchor="end" font-size="14" fill="{TEXT}">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{max(w, 1)}" height="24" fill="{MAIN}" rx="2"/>'
            f'<text x="{label_w + max(w, 1) + 6}" y="{y + 21}" font-size="14" fill="{TEXT}" '
            f'style="font-variant-numeric: tabular-nums">{_number(value)}（{share}）</text>'
        )
    return _svg(uid, title, "；".join(parts), width, 16 + len(bars) * row_h, body)


def stacked_chart(uid: str, title: str, legend: Sequence[str], rows: Sequence[tuple[str, Sequence[int]]]) -> Markup:
    """Draw one 100% bar per row split into the legend's segments (the legend itself is HTML: see legend_items)."""
    width, label_w, row_h = 480, 110, 30
    bar_w = width - label_w - 10
    body, parts = [], []
    for r, (name, values) in enumerate(rows):
        y = 4 + r * row_h
        whole = sum(values)
        body.append(f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" font-size="14" fill="{TEXT}">{escape(name)}</text>')
        x = float(label_w)
        for i, value in enumerate(values):
            if not whole or not value:
                continue
            w = bar_w * value / whole
            body.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="22" fill="{SHADES[i % len(SHADES)]}" '
                        f'stroke="#fff" stroke-width="1"><title>{escape(name)} {escape(legend[i])} {_number(value)}</title></rect>')
            x += w
        parts.append(f"{name}：" + "，".join(f"{legend[i]} {_number(v)}" for i, v in enumerate(values)))
    return _svg(uid, title, "；".join(parts), width, 8 + len(rows) * row_h, body)


def legend_items(legend: Sequence[str]) -> list[tuple[str, str]]:
    """Return (colour, label) of each segment of :func:`stacked_chart`, for the page's HTML legend."""
    return [(SHADES[i % len(SHADES)], str(label)) for i, label in enumerate(legend)]
