"""Tables for `truce simulate` and `truce compare-deals` on terms with stages."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def _mean(d: dict[str, float] | None, fmt: str = ",.1f") -> str:
    """A distribution's mean, or "unknown" where the due has no sourced price."""
    return "unknown" if d is None else format(d["mean"], fmt)


def _due(p: dict[str, Any], key: str) -> str:
    """A total over the batches: its mean where every due is known, else how often it is not."""
    if p["due_unknown"] == 1 or p[key] is None:
        return "unknown"
    if p["due_unknown"] > 0:
        return f"unknown in {p['due_unknown']:.1%} of runs"
    return f"{p[key]['mean']:,.2f}"


def _assumptions(out: Console, a: dict[str, Any]) -> None:
    out.print("[bold]assumptions[/] (the same levers for both sides):")
    out.print(f"  terms {escape(a['terms'])}")
    for side in ("holder", "receiver"):
        levers = {k: v for k, v in a[side].items() if k not in ("note", "source")}
        out.print(f"  {side}: {escape(json.dumps(levers))}")
    for bid, mix in a["batch_mix"].items():
        parts = dict(mix.get("by_category", {})) | (
            {"bodies": mix["bodies"]} if mix.get("bodies") else {}
        )
        out.print(f"  batch {escape(bid)} (assumed mix): {escape(json.dumps(parts))}")
    for cat, price in a["assumed_prices"].items():
        out.print(f"  {escape(cat)}: assumed price {price['prisoners_per_captive']:g} per captive")
    if a["unknown_prices"]:
        out.print(f"  no price (due unknown): {escape(', '.join(a['unknown_prices']))}")
    for line in a["model"]:
        out.print(f"  {escape(line)}")


def render_staged(out: Console, s: dict[str, Any]) -> None:
    """Per stage, each batch two-sided (captives, prisoners), then totals and assumptions."""
    out.print(
        f"[bold]{escape(s['scenario'])}[/]: {s['runs']:,} runs, seed {s['seed']}, "
        f"{s['kernel']} kernel (staged terms)"
    )
    for st in s["stages"]:
        days = _mean(st["days"])
        out.print(
            f"[bold]stage {escape(st['id'])}[/]: began in {st['began']:.1%} of runs, "
            f"lasted {days} days on average, to its last handover (at least its encoded length)"
        )
        t = Table(
            "batch",
            "captives due",
            "handed over",
            "late",
            "short",
            "prisoners due",
            "released",
            "late",
            "short",
        )
        for b in st["batches"]:
            c, p = b["captives"], b["prisoners"]
            t.add_row(
                escape(b["id"]),
                str(c["due"]),
                f"{c['released']['mean']:,.2f}",
                f"{c['late']:.1%}",
                f"{c['short']:.1%}",
                _mean(p["due"]),
                _mean(p["released"]),
                f"{p['late']:.1%}",
                f"{p['short']:.1%}",
            )
        if st["batches"]:
            out.print(t)
        n = st["next_event"]
        if n is not None:
            out.print(
                f"  next stage's event happened in {n['happened']:.1%} of the runs where this "
                f"stage began (the holder ended the talks in {n['holder_ended']:.1%}, the "
                f"receiver in {n['receiver_ended']:.1%})"
            )
    c, p = s["captives_released"], s["prisoners"]
    out.print(
        f"captives handed over (mean): {c['total']['mean']:,.2f} ({c['living']['mean']:,.2f} "
        f"living, {c['bodies']['mean']:,.2f} bodies, {c['not_split']['mean']:,.2f} not split)"
    )
    out.print(
        f"prisoners due (mean): {_due(p, 'due')}, released {_due(p, 'released')}; "
        f"batches with a known due: {p['due_known_part']['mean']:,.1f} due, "
        f"{p['released_known_part']['mean']:,.1f} released; a due is unknown in "
        f"{p['due_unknown']:.1%} of runs"
    )
    for key, word in (("batches_late", "late"), ("batches_short", "short")):
        d = s[key]
        out.print(
            f"batches {word} per run (mean): holder {d['holder']['mean']:.2f}, "
            f"receiver {d['receiver']['mean']:.2f}"
        )
    _assumptions(out, s["assumptions"])


def render_staged_comparison(out: Console, c: dict[str, Any]) -> None:
    """The staged deal and one all-at-once exchange side by side, assumptions underneath."""
    out.print(f"[bold]{escape(c['scenario'])}[/]: {c['runs']:,} runs, seed {c['seed']}")
    t = Table("mean per run", "stages", "all at once")
    a, b = c["staged"], c["all_at_once"]
    rows: tuple[tuple[str, str, str], ...] = (
        ("captives handed over", "captives_released", "total"),
        ("  living", "captives_released", "living"),
        ("  bodies", "captives_released", "bodies"),
        ("prisoners due (known part)", "prisoners", "due_known_part"),
        ("prisoners released (known part)", "prisoners", "released_known_part"),
        ("days to the last handover", "days", ""),
        ("late batches, holder", "batches_late", "holder"),
        ("late batches, receiver", "batches_late", "receiver"),
    )
    for label, key, sub in rows:
        x, y = (d[key][sub] if sub else d[key] for d in (a, b))
        t.add_row(label, _mean(x, ",.2f"), _mean(y, ",.2f"))
    for key in ("due", "released"):
        t.add_row(f"prisoners {key}", _due(a["prisoners"], key), _due(b["prisoners"], key))
    t.add_row(
        "probability it stops before the end",
        f"{a['stop_probability']:.1%}",
        f"{b['stop_probability']:.1%}",
    )
    out.print(t)
    out.print("[bold]the same runs and draws for both deals[/]")
    for line in b["assumptions"]:
        out.print(f"  all at once: {escape(line)}")
    _assumptions(out, c["assumptions"])
