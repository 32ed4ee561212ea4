"""The briefing's charts, drawn from the status result alone (matplotlib, SVG, inline): the
timeline of releases on each side with the extensions, cumulative releases, and aid delivered
against the commitment.

The charts carry no words: axis ticks are figures, and the titles, legends and axis names are
the page's own text in the page's language (matplotlib cannot lay out Arabic or Hebrew), beside
each chart. SVG output is reproducible: a fixed hash salt, no date, ids prefixed per chart so
that three charts can share one page."""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from truce.app.deal_schemas import StatusOut
from truce.errors import MissingExtra

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import Formatter

HOLDER = "#4477aa"
"""Captives released (the holder's releases)."""
RECEIVER = "#ee6677"
"""Prisoners released (the receiver's releases)."""
EXTENSION = "#228833"
"""Extensions granted."""
AID = "#ccbb44"
"""Aid delivered."""
COMMITMENT = "#222222"
"""The aid commitment."""
DUE = "#aa3377"
"""Prisoners due."""

_SALT = "truce-briefing"
_LOCK = threading.Lock()  # rc_context sets matplotlib's global settings: one chart at a time
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)')
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", flags=re.S)


@dataclass(frozen=True)
class Chart:
    """One chart: its id on the page and its SVG markup (no XML prolog)."""

    id: str
    svg: str


def _figure(width: float, height: float) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise MissingExtra("matplotlib", "report") from exc
    return Figure(figsize=(width, height))


def _svg(fig: Figure, chart_id: str) -> Chart:
    """The figure as inline SVG, byte for byte the same for the same figure."""
    import matplotlib

    buf = io.StringIO()
    with _LOCK, matplotlib.rc_context({"svg.hashsalt": _SALT, "svg.fonttype": "path"}):
        fig.savefig(
            buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight"
        )
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = _METADATA.sub("", text)  # matplotlib's RDF block: namespace URLs, nothing to show
    text = _ID.sub(lambda m: f'id="{chart_id}-{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{chart_id}-", text)
    text = text.replace("<svg ", f'<svg id="{chart_id}" class="chart" role="img" ', 1)
    return Chart(chart_id, text.strip())


def _style(ax: Axes, xs: list[int]) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.set_xticks(xs if len(xs) <= 31 else xs[:: max(1, len(xs) // 15)])


def timeline(s: StatusOut) -> Chart | None:
    """Per pause day: captives released (up), prisoners released (down), and a marker above
    each day on which days were granted (its height: the days). None: no pause days."""
    days = [d for d in s.days if d.phase != "ahead"]
    if not days:
        return None
    fig = _figure(6.4, 2.6)
    ax = fig.subplots()
    xs = [d.day for d in days]
    up = [d.live_released + d.bodies_released for d in days]
    down = [-d.prisoners_released for d in days]
    for x, p in zip(xs, ax.bar(xs, up, color=HOLDER, width=0.6).patches, strict=True):
        p.set_gid(f"captives-{x}")
    for x, p in zip(xs, ax.bar(xs, down, color=RECEIVER, width=0.6).patches, strict=True):
        p.set_gid(f"prisoners-{x}")
    top = max([*up, 1])
    for d in days:
        if d.days_granted:
            ax.plot(
                [d.day],
                [top * 1.15],
                marker="^",
                color=EXTENSION,
                markersize=6 + 2 * d.days_granted,
            )[0].set_gid(f"extension-{d.day}")
            ax.annotate(
                f"+{d.days_granted}",
                (d.day, top * 1.15),
                textcoords="offset points",
                xytext=(8, -3),
                fontsize=8,
                color=EXTENSION,
            )
    ax.axhline(0, color="#888888", linewidth=0.6)
    ax.set_ylim(min([*down, -1]) * 1.1, top * 1.35)
    ax.yaxis.set_major_formatter(_abs_formatter())
    _style(ax, xs)
    return _svg(fig, "chart-timeline")


def _abs_formatter() -> Formatter:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{abs(v):g}")


def cumulative(s: StatusOut) -> Chart | None:
    """Running totals per pause day: captives released alive, prisoners released, and
    prisoners due under the terms as encoded. None: no pause days."""
    days = [d for d in s.days if d.phase != "ahead"]
    if not days:
        return None
    fig = _figure(6.4, 2.4)
    ax = fig.subplots()
    xs = [d.day for d in days]
    live = _running([d.live_released for d in days])
    released = _running([d.prisoners_released for d in days])
    due = _running([float(d.prisoners_due) for d in days])
    ax.plot(xs, live, color=HOLDER, marker="o", markersize=3)[0].set_gid("cum-captives")
    ax.plot(xs, released, color=RECEIVER, marker="o", markersize=3)[0].set_gid("cum-prisoners")
    ax.plot(xs, due, color=DUE, linestyle="--", linewidth=1)[0].set_gid("cum-due")
    ax.set_ylim(bottom=0)
    _style(ax, xs)
    return _svg(fig, "chart-cumulative")


def _running(values: list[float] | list[int]) -> list[float]:
    out: list[float] = []
    total = 0.0
    for v in values:
        total += v
        out.append(total)
    return out


def aid(s: StatusOut, commitment: int | None) -> Chart | None:
    """Aid delivered per pause day (on the terms' basis; a day not recorded is left empty)
    against the committed trucks a day. None: the terms commit to no aid, or no pause days."""
    days = [d for d in s.days if d.phase != "ahead"]
    if commitment is None or not days:
        return None
    fig = _figure(6.4, 2.2)
    ax = fig.subplots()
    known = [d for d in days if d.aid_trucks is not None]
    bars = ax.bar([d.day for d in known], [d.aid_trucks or 0 for d in known], color=AID, width=0.6)
    for d, p in zip(known, bars.patches, strict=True):
        p.set_gid(f"aid-{d.day}")
    ax.axhline(commitment, color=COMMITMENT, linestyle="--", linewidth=1).set_gid("commitment")
    ax.set_ylim(bottom=0)
    _style(ax, [d.day for d in days])
    return _svg(fig, "chart-aid")


__all__ = [
    "AID",
    "COMMITMENT",
    "DUE",
    "EXTENSION",
    "HOLDER",
    "RECEIVER",
    "Chart",
    "aid",
    "cumulative",
    "timeline",
]
