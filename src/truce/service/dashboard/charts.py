"""Small bar and line charts as inline SVG, drawn from the status's day table. Each chart is a
picture of a table the page also shows (its text alternative); colours come from the
stylesheet by class, so the charts print and follow the page's contrast. No script, no style
attribute (the service's Content-Security-Policy allows neither inline)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT, PAD = 640, 220, 36


@dataclass(frozen=True)
class Series:
    """One named series of a chart, drawn with the CSS class ``css`` (``s1`` .. ``s4``)."""

    label: str
    values: Sequence[float | None]
    css: str


def _scale(series: Sequence[Series], line: float | None) -> float:
    top = max([v for s in series for v in s.values if v is not None] + [line or 0, 1])
    step = 10 ** max(len(str(int(top))) - 1, 0)
    return float(-(-top // step) * step)


def bars(
    title_id: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    line: float | None = None,
    line_label: str = "",
) -> str:
    """Grouped bars per category (a pause day), with an optional horizontal reference line
    (a commitment). Returns an ``<svg>`` labelled by the element ``title_id``."""
    n = max(len(categories), 1)
    top = _scale(series, line)
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    group = plot_w / n
    bar = group * 0.8 / max(len(series), 1)
    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(title_id)}" preserveAspectRatio="xMinYMin meet">'
    ]
    for frac in (0, 0.5, 1):
        y = PAD + plot_h * (1 - frac)
        out.append(f'<line class="grid" x1="{PAD}" x2="{WIDTH - PAD}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="tick" x="{PAD - 4}" y="{y + 4:.1f}">{_num(top * frac)}</text>')
    for i, cat in enumerate(categories):
        x0 = PAD + i * group + group * 0.1
        for j, s in enumerate(series):
            v = s.values[i]
            if v is None:
                continue
            h = plot_h * v / top
            out.append(
                f'<rect class="{s.css}" x="{x0 + j * bar:.1f}" y="{PAD + plot_h - h:.1f}" '
                f'width="{bar * 0.92:.1f}" height="{h:.1f}"><title>{escape(s.label)}, '
                f"{escape(cat)}: {_num(v)}</title></rect>"
            )
        out.append(
            f'<text class="cat" x="{PAD + i * group + group / 2:.1f}" y="{HEIGHT - PAD + 16}">'
            f"{escape(cat)}</text>"
        )
    if line is not None:
        y = PAD + plot_h * (1 - line / top)
        out.append(
            f'<line class="ref" x1="{PAD}" x2="{WIDTH - PAD}" y1="{y:.1f}" y2="{y:.1f}">'
            f"<title>{escape(line_label)}: {_num(line)}</title></line>"
        )
    out.append("</svg>")
    return "".join(out)


def cumulative(values: Sequence[float | None]) -> list[float]:
    """Running totals (a missing day adds nothing)."""
    total, out = 0.0, []
    for v in values:
        total += v or 0
        out.append(total)
    return out


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"
