"""Regenerate examples/gaza-2025/ledger.jsonl from the sourced ledger table of
shared/data/gaza-2025-phase1.md (A.2, A.4).

Kept so the ledger can be audited and rebuilt: every figure below carries its source ids. Times of
day marked APPROX are not given to the minute by any source; the note on each event says so, and
they were chosen only so that events fall on the date and in the order the sources give.
Releases are recorded as the reference party's (Qatar's) declarations of the public record, as in
the 2023 example; claims are attributed to the party that made them. Captive ids are pseudonymous.
Releases name the scheduled batch they answer (``batch``) where the sources tie them to one;
the 30 Jan release and the remains of 20-21 Feb name none (the engine matches them by the
schedule: they fall in no batch's window). The disputed 620 prisoners of 22-27 Feb ship as two
readings: ``ledger.jsonl`` ties them to the six living captives of 22 Feb (ynet, A37),
``ledger-a36.jsonl`` to the four bodies of 27 Feb (Reuters, A36).
Run: python tools/build_gaza2025_ledger.py > examples/gaza-2025/ledger.jsonl
     python tools/build_gaza2025_ledger.py a36 > examples/gaza-2025/ledger-a36.jsonl
"""

from __future__ import annotations

import json
import sys
from itertools import count

from example_events import ev, events

REF = "qatar"
APPROX = "time of day APPROX: not given to the minute by the sources"
_ids = count(1)
READING = sys.argv[1] if len(sys.argv) > 1 else "a37"
"""Which reading of the 620 (D-A7): a37 (the six living captives of 22 Feb) or a36 (the four
bodies of 27 Feb)."""
TIED_TO = {"a37": "day-35", "a36": "final-week"}[READING]
READING_NOTE = {
    "a37": "Reading A37 (ynet): the 620 answer the six living captives of 22 Feb (batch day-35); "
    "Reuters ties them to the four bodies of 27 Feb (A36; ledger-a36.jsonl).",
    "a36": "Reading A36 (Reuters: the bodies were traded 'for 620'): the 620 answer the four "
    "bodies of 27 Feb (batch final-week); ynet ties them to the six living captives of 22 Feb "
    "(A37; ledger.jsonl).",
}[READING]


def captives(status: str = "live", **by_category: int) -> list[dict[str, str]]:
    """Pseudonymous captives (g25-c001, ...) by category; no real names anywhere."""
    out = []
    for cat, n in by_category.items():
        cat = cat.replace("_", "-")
        out += [
            {"id": f"g25-c{next(_ids):03d}", "category": cat, "status": status} for _ in range(n)
        ]
    return out


ev(
    "terms",
    "terms_agreed",
    "2025-01-18T01:00",
    "israel",
    ["A7"],
    note=f"Israeli government decision early Saturday, 2025-01-18 (A7). {APPROX}",
)
ev(
    "n-0119",
    "names_given",
    "2025-01-19T10:30",
    REF,
    ["A10", "A11"],
    note="The names of the three captives of day 1 came on 19 Jan, the day of the handover, and the "
    f"start waited for them (D-A1; A10, A11). The date suffices: any time that day is less than the "
    f"24 h notice before the handover. {APPROX}",
    batch="day-01",
    live=3,
)
ev(
    "c-0119-names",
    "claim",
    "2025-01-19T11:15",
    "israel",
    ["A10", "A11"],
    text="The start was delayed because the captives' names came late.",
    concerns=["terms"],
    note="D-A1: the start (08:30 local as scheduled) came at 11:15 local (A10).",
)
ev(
    "c-0119-technical",
    "claim",
    "2025-01-19T11:15",
    "hamas",
    ["A10", "A11"],
    text="The delay in giving the names was due to technical reasons.",
    concerns=["terms"],
    note="D-A1.",
)
ev(
    "r-0119",
    "captives_released",
    "2025-01-19T16:00",
    REF,
    ["A14", "A15", "A16"],
    note=f"Batch day-01: 3 women. {APPROX}",
    captives=captives(women=3),
    batch="day-01",
)
ev(
    "p-0119",
    "prisoners_released",
    "2025-01-20T01:00",
    REF,
    ["A14", "A15", "A16"],
    note="Freed about 01:00 on 2025-01-20 (A16); 3 x 30 = 90 (derived). Readings of the 90: 69 "
    "women + 21 teenage boys (A15); 69 women, 1 minor, 8 male minors, 12 men (A14).",
    count=90,
    batch="day-01",
)
ev(
    "r-0125",
    "captives_released",
    "2025-01-25T12:00",
    REF,
    ["A17", "A18", "A19"],
    note=f"Batch day-07: 4 female soldiers. A civilian woman was not freed ahead of them (D-A2, A55). {APPROX}",
    captives=captives(female_soldiers=4),
    batch="day-07",
)
ev(
    "p-0125",
    "prisoners_released",
    "2025-01-25T18:00",
    REF,
    ["A17", "A18", "A19"],
    note=f"4 x 50 = 200 (derived). Serving life: 120 (A17) or 121 (IPS, A18). {APPROX}",
    count=200,
    batch="day-07",
)
ev(
    "c-0125-priority",
    "claim",
    "2025-01-25T20:00",
    "israel",
    ["A55"],
    text="The deal prioritised the release of civilians.",
    concerns=["r-0125"],
    note=f"D-A2: a civilian woman was not freed ahead of the soldiers (A55); Israel delayed the return of displaced people to the north (A17); resolved with the releases of 30 Jan and 1 Feb (A23). {APPROX}",
)
ev(
    "c-0127-list",
    "claim",
    "2025-01-27T12:00",
    "israel",
    ["A23"],
    text="The list shows 8 of the 33 dead and 25 alive.",
    concerns=["terms"],
    note=f"D-A3. {APPROX}",
)
ev(
    "r-0130",
    "captives_released",
    "2025-01-30T12:00",
    REF,
    ["A20", "A21", "A22"],
    note=f"Off the A8 schedule (days 1, 7, 14, ...): day 12 (D-A2). 1 civilian woman, 1 female soldier, 1 civilian man aged 80 (recorded as men-over-50). {APPROX}",
    captives=captives(women=1, female_soldiers=1, men_over_50=1),
)
ev(
    "r-0130-thai",
    "captives_released",
    "2025-01-30T12:00",
    REF,
    ["A20"],
    track="separate",
    live=5,
    note=f"5 Thai nationals under 'a separate deal negotiated by the Thai government' (A20): not counted. {APPROX}",
)
ev(
    "p-0130",
    "prisoners_released",
    "2025-01-30T21:00",
    REF,
    ["A20", "A21", "A22", "A57"],
    note=f"30 + 50 + 30 = 110 (derived from A.1 #6-8); 30 serving life (A21); Hamas: includes 30 children (A57). Israel held them about 5 h until the mediators committed to safe exits (D-A4, A22). {APPROX}",
    count=110,
)
ev(
    "r-0201",
    "captives_released",
    "2025-02-01T12:00",
    REF,
    ["A24", "A25"],
    note=f"Batch day-14 (day 14 is 2025-02-01): 3 men; category not established. {APPROX}",
    captives=captives(men=3),
    batch="day-14",
)
ev(
    "p-0201",
    "prisoners_released",
    "2025-02-01T18:00",
    REF,
    ["A24", "A25"],
    note=f"183 = 18 serving life + 54 long sentences + 111 Gaza detainees (A24); reading: 'at least 73' serving life (A25). Due unknown (men: no sourced price). {APPROX}",
    count=183,
    batch="day-14",
)
ev(
    "r-0208",
    "captives_released",
    "2025-02-08T12:00",
    REF,
    ["A19", "A27"],
    note=f"Batch day-21: 3 men; category not established. {APPROX}",
    captives=captives(men=3),
    batch="day-21",
)
ev(
    "p-0208",
    "prisoners_released",
    "2025-02-08T18:00",
    REF,
    ["A19", "A27"],
    note=f"183: 18 serving life (A27), 54 long sentences (A19); 111 others (derived). {APPROX}",
    count=183,
    batch="day-21",
)
ev(
    "c-0210-postpone",
    "claim",
    "2025-02-10T18:00",
    "hamas",
    ["A28"],
    text="The release of 15 Feb is postponed until further notice, because of delayed returns, shootings and aid shortfalls.",
    concerns=["terms"],
    note=f"D-A5. {APPROX}",
)
ev(
    "c-0210-violation",
    "claim",
    "2025-02-10T20:00",
    "israel",
    ["A28", "A29"],
    text="The postponement is a complete violation; the ceasefire ends unless captives are returned by Saturday noon.",
    concerns=["c-0210-postpone"],
    note=f"D-A5 (A28; the cabinet, A29). {APPROX}",
)
ev(
    "r-0215",
    "captives_released",
    "2025-02-15T12:00",
    REF,
    ["A32", "A33b"],
    note=f"Batch day-28: 3 male civilians; category not established. {APPROX}",
    captives=captives(men=3),
    batch="day-28",
)
ev(
    "p-0215",
    "prisoners_released",
    "2025-02-15T18:00",
    REF,
    ["A32", "A33b"],
    note=f"369 = 36 serving life + 333 detained from Gaza (A32). {APPROX}",
    count=369,
    batch="day-28",
)
coffins = captives("body", children=2, men=1)
ev(
    "r-0220",
    "captives_released",
    "2025-02-20T12:00",
    REF,
    ["A34", "A35"],
    note=f"4 coffins, as handed over; the 4th is recorded with an id outside the captives' series. {APPROX}",
    captives=[*coffins, {"id": "g25-x001", "status": "body"}],
)
ev(
    "c-0220-remains",
    "claim",
    "2025-02-20T23:00",
    "israel",
    ["A35"],
    text="One coffin did not hold the named captive: a violation of utmost severity.",
    concerns=["r-0220"],
    note=f"D-A6. {APPROX}",
)
ev(
    "r-0220-corrected",
    "captives_released",
    "2025-02-20T12:00",
    REF,
    ["A34", "A35"],
    rec="2025-02-21T08:00",
    supersedes="r-0220",
    note="Correction of r-0220: 3 identified (2 children, 1 man); the 4th remains were not of the "
    "named captive 'nor any other hostage' (A35), so they are not a release. Recorded the next "
    "morning (APPROX).",
    captives=coffins,
)
ev(
    "r-0221",
    "captives_released",
    "2025-02-21T23:00",
    REF,
    ["A36"],
    note=f"The correct remains for the 4th coffin, on the night of 21 Feb (D-A6). The sources stored give no category. {APPROX}",
    captives=[{"id": f"g25-c{next(_ids):03d}", "status": "body"}],
)
ev(
    "r-0222",
    "captives_released",
    "2025-02-22T12:00",
    REF,
    ["A37", "A38", "A39", "A40", "A41"],
    note=f"Batch day-35: 6 men against 3 scheduled (2 had been in Gaza about a decade; 1 handed over without a ceremony); the last living captives of phase 1. The 620 prisoners due were held back (D-A7). {APPROX}",
    captives=captives(men=6),
    batch="day-35",
)
ev(
    "c-0222-holdback",
    "claim",
    "2025-02-23T12:00",
    "hamas",
    ["A47"],
    text="The delay in freeing the prisoners is a serious violation; there will be no phase-2 talks until they are freed.",
    concerns=["r-0222"],
    note=f"D-A7. {APPROX}",
)
ev(
    "r-0227",
    "captives_released",
    "2025-02-27T01:00",
    REF,
    ["A36", "A42", "A47"],
    note=f"4 bodies (men), without a ceremony, small hours of 27 Feb (D-A7). {APPROX}",
    captives=captives("body", men=4),
    batch="final-week",
)
ev(
    "h-0222",
    "release_held_back",
    "2025-02-22T23:00",
    "israel",
    ["A37", "A39", "A47"],
    side="receiver",
    batch=TIED_TO,
    held=620,
    note="D-A7: Israel held back the 620 over the handover ceremonies; they were returned to their "
    f"cells after 13 h on buses (A37). {READING_NOTE} {APPROX}",
)
ev(
    "p-0227",
    "prisoners_released",
    "2025-02-27T03:00",
    REF,
    ["A36", "A37", "A42", "A43", "A44", "A46", "A48"],
    note="643 (IPS, A44); A42: 596 overnight 26-27 Feb plus 46 still to come = 642 (unresolved). "
    "The 620 held back since 22 Feb are among them; the other 23 (643 - 620, derived) are tied "
    f"to no batch by any source, and the event, one release, names one batch. {READING_NOTE} 456 "
    "to Gaza, 37 to Ramallah, 5 to East Jerusalem (A43), 97 to Egypt (A43, A46). APPROX: small "
    "hours of 27 Feb.",
    count=643,
    batch=TIED_TO,
)

for e in events:
    print(json.dumps(e, ensure_ascii=False))
