"""The calendar chart: the ceiling, the simulated band and mean, and the observed series by day,
with the dated events marked (matplotlib; PNG and SVG, as ``truce.aid.plot`` writes them)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from truce.aid.daily.report import CalendarReport
from truce.aid.plot import _pyplot, _save


def plot_calendar(report: CalendarReport, out_dir: str | Path) -> list[Path]:
    """Write ``calendar.png`` and ``calendar.svg`` into ``out_dir``; the paths written."""
    plt = _pyplot()
    rows = report.rows
    days = [r.day for r in rows]
    fig, ax = plt.subplots(figsize=(max(8.0, 0.13 * len(rows) + 3), 5.2))
    # events: shade the days each closes or limits; a dotted line where a recorded one starts
    shaded: set[tuple[int, object]] = set()
    for r in rows:
        for e in r.events:
            if e.unquantified:
                if e.on == r.day:
                    ax.axvline(r.day, color="grey", lw=0.8, ls=":")
                    ax.annotate(
                        e.source.split(":", 1)[0][:12],
                        (r.day, 1.0),
                        xycoords=("data", "axes fraction"),
                        rotation=90,
                        fontsize=6,
                        va="top",
                        color="grey",
                    )
                continue
            key = (e.index, r.day)
            if key in shaded:
                continue
            shaded.add(key)
            color = "#f4b6b6" if e.disputed is None else "#f7d9a8"
            ax.axvspan(r.day, r.day + timedelta(days=1), color=color, alpha=0.5, lw=0)
    ax.step(
        [*days, days[-1] + timedelta(days=1)],
        [*(r.ceiling for r in rows), rows[-1].ceiling],
        where="post",
        color="#4c72b0",
        lw=1.5,
        label="ceiling (route on the day)",
    )
    sim = [r for r in rows if r.simulated is not None and r.band is not None]
    if sim:
        mid = [r.day + timedelta(hours=12) for r in sim]
        ax.fill_between(
            mid,
            [r.band[0] for r in sim if r.band is not None],
            [r.band[1] for r in sim if r.band is not None],
            color="#55a868",
            alpha=0.3,
            lw=0,
            label="simulated, 2.5-97.5% of replications",
        )
        ax.plot(
            mid,
            [r.simulated.mean for r in sim if r.simulated is not None],
            color="#55a868",
            lw=1.2,
            label="simulated mean",
        )
    obs = [r for r in rows if r.observed is not None]
    if obs:
        ax.plot(
            [r.day + timedelta(hours=12) for r in obs],
            [r.observed for r in obs],
            "o-",
            color="black",
            ms=2.5,
            lw=0.7,
            label="observed (received)",
        )
    if report.holdout is not None:
        ax.axvline(report.holdout.start, color="black", lw=1, ls="--")
        ax.annotate(
            f"hold-out: mean error {report.holdout.error:+.1%}, r = {report.holdout.correlation:.2f}",
            (report.holdout.start, 0.90),
            xycoords=("data", "axes fraction"),
            fontsize=8,
            xytext=(4, 0),
            textcoords="offset points",
            va="top",
        )
    top = max([r.ceiling for r in rows] + [float(r.observed or 0) for r in rows] + [1.0])
    ax.set_ylim(0, top * 1.15)
    ax.set_ylabel("trucks/day")
    ax.set_title(
        f"{report.route}: {report.start.isoformat()} to {report.end.isoformat()} "
        "(shaded: days an event closes or limits; amber: disputed)",
        fontsize=9,
    )
    ax.legend(loc="upper left", fontsize=7)
    fig.autofmt_xdate()
    return _save(plt, fig, out_dir, "calendar")
