"""Inline SVG charts: no script, no network, readable without a browser's help."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
BAD = "#d62728"
GOOD = "#4e79a7"


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _text(x: float, y: float, text: str, *, anchor: str = "start", cls: str = "") -> str:
    cls_attr = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{cls_attr}>{escape(text)}</text>'


def hbar_chart(
    rows: Sequence[tuple[str, float, str]],
    *,
    label: str,
    width: int = 720,
    value_format: str = "{:g}",
    max_value: float | None = None,
    colors: Sequence[str] = (),
) -> str:
    """Horizontal bars, one per (name, value, shown value text) row; empty rows give a note."""
    if not rows:
        return '<p class="empty">nothing recorded</p>'
    bar_h, gap, left, right = 18, 6, 220, 120
    top = max(max_value or 0.0, *(v for _n, v, _t in rows)) or 1.0
    span = width - left - right
    height = len(rows) * (bar_h + gap) + gap
    parts = [
        (
            f'<svg class="chart hbar" role="img" aria-label="{escape(label)}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        )
    ]
    for i, (name, value, shown) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(value / top * span, 1.0 if value > 0 else 0.0)
        fill = colors[i] if i < len(colors) else GOOD
        short = name if len(name) <= 32 else name[:31] + "…"
        parts.append(_text(left - 6, y + bar_h - 5, short, anchor="end"))
        parts.append(
            f'<rect class="bar" x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{fill}">'
            f"<title>{escape(name)}: {escape(shown)}</title></rect>"
        )
        parts.append(_text(left + w + 4, y + bar_h - 5, shown, cls="value"))
    parts.append("</svg>")
    return "".join(parts)


def stacked_columns(
    days: Sequence[str], series: Mapping[str, Mapping[str, int]], *, label: str, height: int = 260
) -> str:
    """One column per day, stacked by series (site); the legend names the series' colours."""
    if not days:
        return '<p class="empty">nothing recorded</p>'
    left, bottom, top_pad = 48, 70, 12
    col_w = max(6, min(36, 900 // len(days)))
    width = left + len(days) * (col_w + 4) + 20
    totals = [sum(s.get(day, 0) for s in series.values()) for day in days]
    peak = max(totals) or 1
    plot_h = height - bottom - top_pad
    parts = [
        (
            f'<svg class="chart columns" role="img" aria-label="{escape(label)}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        ),
        (
            f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
            f'y2="{height - bottom}" class="axis"/>'
        ),
        _text(left - 6, top_pad + 10, str(peak), anchor="end", cls="value"),
        _text(left - 6, height - bottom, "0", anchor="end", cls="value"),
    ]
    for i, day in enumerate(days):
        x = left + 4 + i * (col_w + 4)
        y = float(height - bottom)
        for j, (name, counts) in enumerate(series.items()):
            n = counts.get(day, 0)
            if not n:
                continue
            h = n / peak * plot_h
            y -= h
            parts.append(
                f'<rect class="bar" x="{x}" y="{y:.1f}" width="{col_w}" height="{h:.1f}" '
                f'fill="{color(j)}">'
                f"<title>{escape(day)} {escape(name)}: {n}</title></rect>"
            )
        parts.append(
            f'<text x="{x + col_w / 2:.1f}" y="{height - bottom + 8}" class="tick" '
            f'transform="rotate(60 {x + col_w / 2:.1f} {height - bottom + 8})">{escape(day)}</text>'
        )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="key"><i style="background:{color(j)}"></i>{escape(name)}</span>'
        for j, name in enumerate(series)
    )
    return "".join(parts) + f'<div class="legend">{legend}</div>'
