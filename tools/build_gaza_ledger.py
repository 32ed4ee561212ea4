"""Regenerate examples/gaza-2023/ledger.jsonl from the sourced day table (gaza-2023-facts.md).

Kept so the ledger can be audited and rebuilt: every figure below carries its source ids. Times of
day marked APPROX are not given by any source to the minute; the note on each event says so.
Run: python tools/build_gaza_ledger.py > examples/gaza-2023/ledger.jsonl
"""

from __future__ import annotations

import json
from itertools import count

from example_events import ev, events

_ids = count(1)


def pid() -> str:
    """Next pseudonymous captive id (no real names anywhere)."""
    return f"g23-c{next(_ids):03d}"


def captives(women: int, children: int, men: int = 0) -> list[dict[str, str]]:
    out = []
    for cat, n in (("women", women), ("children", children), ("men", men)):
        out += [{"id": pid(), "category": cat, "status": "live"} for _ in range(n)]
    return out


APPROX = "time of day APPROX: not given to the minute by the sources"
ev(
    "terms",
    "terms_agreed",
    "2023-11-22T10:00",
    "qatar",
    ["T1", "T3", "T5", "T6"],
    note="Qatar and Hamas announced the agreement on 22 Nov; Israel's cabinet approved it overnight 21-22 Nov. "
    + APPROX,
)

# Day 1, Fri 24 Nov: 13 (9 women, 4 children) under the deal; 10 Thai + 1 Filipino separately.
ev(
    "d1-release",
    "captives_released",
    "2023-11-24T16:00",
    "qatar",
    ["D1a", "D1b", "T9"],
    "2023-11-24T22:00",
    "Handover about 16:00 (T9). " + APPROX,
    track="framework",
    captives=captives(9, 4),
)
ev(
    "d1-separate",
    "captives_released",
    "2023-11-24T16:00",
    "qatar",
    ["D1b", "D1g"],
    "2023-11-24T22:00",
    "10 Thai + 1 Filipino on a separate track (D1g). Thailand first said 12 Thai (D1c, X1). "
    + APPROX,
    track="separate",
    live=11,
)
ev(
    "d1-prisoners",
    "prisoners_released",
    "2023-11-24T22:00",
    "qatar",
    ["D1b", "T24"],
    "2023-11-24T23:30",
    "Qatar: 39 (24 women, 15 minors). " + APPROX,
    act="prisoners-day-1",
    count=39,
)
ev(
    "d1-prisoners-icrc",
    "prisoners_released",
    "2023-11-24T22:00",
    "icrc",
    ["T24"],
    "2023-11-25T09:00",
    "The ICRC said it facilitated 33; the gap is probably the 11 released directly in East Jerusalem (X2). "
    + APPROX,
    act="prisoners-day-1",
    count=33,
)
ev(
    "d1-aid-received",
    "aid_delivered",
    "2023-11-24T23:59",
    "unrwa",
    ["aid-crossings.md 2.4 (UNRWA line list)"],
    "2024-11-11T00:00",
    "Trucks received in Gaza by calendar date, counted from the UNRWA line list.",
    basis="received",
    trucks=200,
    date="2023-11-24",
)
ev(
    "d1-aid-dispatched",
    "aid_delivered",
    "2023-11-24T23:59",
    "ocha",
    ["D1a"],
    "2023-11-25T12:00",
    "OCHA: 200 dispatched from Nitzana, 137 offloaded at the UNRWA reception point; a different basis, not compared.",
    basis="dispatched",
    trucks=200,
    fuel_litres=129000,
    date="2023-11-24",
)

# Day 2, Sat 25 Nov: 13 (OCHA: 5 women, 8 children); 4 Thai. Handover delayed to late night.
ev(
    "d2-claim-delay",
    "claim",
    "2023-11-25T18:00",
    "hamas",
    ["D2d"],
    None,
    "Reported reasons for the delayed handover. " + APPROX,
    text="The handover was delayed because aid deliveries to northern Gaza and the selection of prisoners did not follow the agreement.",
    concerns=["aid", "prisoners"],
)
ev(
    "d2-release",
    "captives_released",
    "2023-11-25T23:30",
    "qatar",
    ["D2a", "D2b", "D2c"],
    "2023-11-26T02:00",
    "Split per OCHA (5 women, 8 children); PMO/Reuters give 6 women, 7 children/teens (X3). Reached Israel late at night (D2b). "
    + APPROX,
    track="framework",
    captives=captives(5, 8),
)
ev(
    "d2-separate",
    "captives_released",
    "2023-11-25T23:30",
    "qatar",
    ["D2b"],
    "2023-11-26T02:00",
    "4 Thai. " + APPROX,
    track="separate",
    live=4,
)
ev(
    "d2-prisoners",
    "prisoners_released",
    "2023-11-26T01:30",
    "qatar",
    ["D2b"],
    "2023-11-26T08:00",
    "39 (6 women, 33 minors). " + APPROX,
    count=39,
)
ev(
    "d2-aid-received",
    "aid_delivered",
    "2023-11-25T23:59",
    "unrwa",
    ["aid-crossings.md 2.4 (UNRWA line list)"],
    "2024-11-11T00:00",
    None,
    basis="received",
    trucks=199,
    date="2023-11-25",
)

# Day 3, Sun 26 Nov: 13 (4 women, 9 children); 1 Russian-Israeli man outside the framework; 3 Thai.
ev(
    "d3-release",
    "captives_released",
    "2023-11-26T18:00",
    "qatar",
    ["D3a", "D3b", "D3d"],
    "2023-11-26T23:00",
    APPROX,
    track="framework",
    captives=captives(4, 9),
)
ev(
    "d3-outside",
    "captives_released",
    "2023-11-26T18:00",
    "qatar",
    ["D3b", "D3d", "E12"],
    "2023-11-26T23:00",
    "A Russian-Israeli man released outside the framework (Hamas: a gesture to Russia). The PMO counted him among 14 Israelis; OCHA among foreign nationals (X4). "
    + APPROX,
    track="outside",
    captives=captives(0, 0, 1),
)
ev(
    "d3-separate",
    "captives_released",
    "2023-11-26T18:00",
    "qatar",
    ["D3b", "D3d"],
    "2023-11-26T23:00",
    "3 Thai. " + APPROX,
    track="separate",
    live=3,
)
ev(
    "d3-prisoners",
    "prisoners_released",
    "2023-11-26T22:00",
    "qatar",
    ["D3b"],
    "2023-11-27T08:00",
    "39 minors. " + APPROX,
    count=39,
)
ev(
    "d3-aid-received",
    "aid_delivered",
    "2023-11-26T23:59",
    "unrwa",
    ["aid-crossings.md 2.4 (UNRWA line list)"],
    "2024-11-11T00:00",
    None,
    basis="received",
    trucks=201,
    date="2023-11-26",
)

# Day 4, Mon 27 Nov: 11 (2 women, 9 children); extension #1 of 2 days announced by Qatar.
ev(
    "ext-1",
    "extension_agreed",
    "2023-11-27T18:00",
    "qatar",
    ["D4b", "D4c", "D4d", "D4g", "D4h"],
    "2023-11-27T19:00",
    "Qatar MOFA announced +2 days to 07:00 Thu 30 Nov, 'hours before' the expiry; Hamas and the US NSC confirmed. "
    + APPROX,
    days=2,
    committed={"live": 20},
)
ev(
    "d4-release",
    "captives_released",
    "2023-11-27T22:00",
    "qatar",
    ["D4a", "D4c", "D4e"],
    "2023-11-27T23:30",
    "Release about 22:00 after a dispute over the lists (D4e). " + APPROX,
    track="framework",
    captives=captives(2, 9),
)
ev(
    "d4-prisoners",
    "prisoners_released",
    "2023-11-28T02:00",
    "qatar",
    ["D4b", "D4c"],
    "2023-11-28T08:00",
    "33 (3 women, 30 minors). " + APPROX,
    count=33,
)
ev(
    "d4-aid-received",
    "aid_delivered",
    "2023-11-27T23:59",
    "unrwa",
    ["aid-crossings.md 2.4 (UNRWA line list)"],
    "2024-11-11T00:00",
    "27 Nov (106) and 28 Nov (300) average 203: possibly late logging (unverified).",
    basis="received",
    trucks=106,
    date="2023-11-27",
)

# Day 5, Tue 28 Nov: 10 (9 women, 1 girl); 2 Thai.
ev(
    "d5-release",
    "captives_released",
    "2023-11-28T19:00",
    "qatar",
    ["D5a", "D5b"],
    "2023-11-28T23:00",
    APPROX,
    track="framework",
    captives=captives(9, 1),
)
ev(
    "d5-separate",
    "captives_released",
    "2023-11-28T19:00",
    "qatar",
    ["D5a"],
    "2023-11-28T23:00",
    "2 Thai. " + APPROX,
    track="separate",
    live=2,
)
ev(
    "d5-prisoners",
    "prisoners_released",
    "2023-11-28T23:00",
    "qatar",
    ["D5a"],
    "2023-11-29T08:00",
    "30 (15 women, 15 minors). " + APPROX,
    count=30,
)
ev(
    "d5-aid-received",
    "aid_delivered",
    "2023-11-28T23:59",
    "unrwa",
    ["aid-crossings.md 2.4 (UNRWA line list)"],
    "2024-11-11T00:00",
    None,
    basis="received",
    trucks=300,
    date="2023-11-28",
)

# Day 6, Wed 29 Nov: 2 Russian-Israeli women outside the framework earlier in the day; 10 (5 women, 5 minors); 4 Thai.
d6_outside = ev(
    "d6-outside",
    "captives_released",
    "2023-11-29T14:00",
    "qatar",
    ["D6a", "D6b", "E12"],
    "2023-11-29T20:00",
    "Released 'earlier in the day' outside the framework (D6a). " + APPROX,
    track="outside",
    captives=captives(2, 0),
)
ev(
    "d6-release",
    "captives_released",
    "2023-11-29T20:00",
    "qatar",
    ["D6a", "D6b", "D6c"],
    "2023-11-29T23:00",
    APPROX,
    track="framework",
    captives=captives(5, 5),
)
ev(
    "d6-separate",
    "captives_released",
    "2023-11-29T20:00",
    "qatar",
    ["D6a", "D6b"],
    "2023-11-29T23:00",
    "4 Thai, outside the framework. " + APPROX,
    track="separate",
    live=4,
)
ev(
    "d6-prisoners",
    "prisoners_released",
    "2023-11-29T23:30",
    "qatar",
    ["D6b"],
    "2023-11-30T08:00",
    "30 (14 women, 16 minors). " + APPROX,
    count=30,
)
ev(
    "d6-aid-received",
    "aid_delivered",
    "2023-11-29T23:59",
    "unrwa",
    ["aid-crossings.md 2.4 (UNRWA line list)"],
    "2024-11-11T00:00",
    None,
    basis="received",
    trucks=104,
    date="2023-11-29",
)

# Night of 29-30 Nov: a list of 7 live + 3 bodies, rejected; then 8 live + 2 credited, accepted; extension #2.
ev(
    "list-7a",
    "list_announced",
    "2023-11-30T04:30",
    "hamas",
    ["D7c", "D7f"],
    "2023-11-30T05:00",
    "7 women and children plus the bodies of 3 people. " + APPROX,
    for_day=7,
    live=7,
    bodies=3,
)
ev(
    "list-7a-rejected",
    "list_rejected",
    "2023-11-30T05:30",
    "israel",
    ["D7c"],
    "2023-11-30T06:00",
    APPROX,
    list="list-7a",
)
ev(
    "list-7b",
    "list_announced",
    "2023-11-30T06:30",
    "hamas",
    ["D7b", "D7c"],
    "2023-11-30T06:40",
    "8 living captives, with the 2 released outside the framework on 29 Nov counted toward the day. "
    + APPROX,
    for_day=7,
    live=8,
    credit=2,
)
ev(
    "list-7b-accepted",
    "list_accepted",
    "2023-11-30T06:54",
    "israel",
    ["D7b", "D7c"],
    "2023-11-30T06:58",
    "'Minutes before' the 07:00 expiry (D7b). " + APPROX,
    list="list-7b",
)
ev(
    "ext-2",
    "extension_agreed",
    "2023-11-30T06:55",
    "qatar",
    ["D7b", "D7d"],
    "2023-11-30T07:10",
    "+1 day to 07:00 Fri 1 Dec 'under the same conditions' (D7d), agreed minutes before 07:00 (D7b). "
    + APPROX,
    days=1,
    for_list="list-7b",
)
credited = [c["id"] for c in d6_outside["captives"]]  # type: ignore[union-attr]
ev(
    "credit-7",
    "credit_granted",
    "2023-11-30T06:55",
    "qatar",
    ["D7b", "D7c", "D7f"],
    "2023-11-30T07:10",
    "Qatar: 30 prisoners for 10 hostages 'including two Russian citizens ... released yesterday' (D7b). "
    + APPROX,
    toward_day=7,
    count=2,
    releases=["d6-outside"],
    captives=credited,
)

# Day 7, Thu 30 Nov: 8 (6 women, 2 minors), with the 2 credited = 10.
ev(
    "d7-release",
    "captives_released",
    "2023-11-30T19:00",
    "qatar",
    ["D7a", "D7e"],
    "2023-11-30T23:00",
    "Released in two groups (2 + 6, D7e). " + APPROX,
    track="framework",
    captives=captives(6, 2),
)
ev(
    "d7-prisoners",
    "prisoners_released",
    "2023-11-30T23:30",
    "qatar",
    ["D7a"],
    "2023-12-01T08:00",
    "30 (7 women, 23 minors). " + APPROX,
    count=30,
)
ev(
    "d7-aid-received",
    "aid_delivered",
    "2023-11-30T23:59",
    "unrwa",
    ["aid-crossings.md 2.4 (UNRWA line list)"],
    "2024-11-11T00:00",
    None,
    basis="received",
    trucks=99,
    date="2023-11-30",
)

# End, Fri 1 Dec: claims from both sides, recorded as made; the engine does not adjudicate them.
ev(
    "claim-end-israel",
    "claim",
    "2023-12-01T07:15",
    "israel",
    ["E1", "E2", "E5"],
    None,
    "IDF statement about 07:15 (E2).",
    text="Hamas violated the operational pause, fired toward Israeli territory, and did not supply a list of further women and children by 07:00.",
    concerns=["pause", "lists"],
)
ev(
    "claim-end-hamas",
    "claim",
    "2023-12-01T09:00",
    "hamas",
    ["E3", "E4"],
    None,
    APPROX,
    text="Israel rejected its overnight offers, which included elderly captives and bodies, and is responsible for the resumption of fighting.",
    concerns=["pause", "lists"],
)
ev(
    "pause-ended",
    "pause_ended",
    "2023-12-01T07:00",
    "israel",
    ["E1", "E2", "E8"],
    "2023-12-01T07:15",
    "The pause expired at about 07:00 and fighting resumed (E1, E8).",
)

events.sort(key=lambda e: (e["at"], e["id"]))
for e in events:
    print(json.dumps(e, ensure_ascii=False))
