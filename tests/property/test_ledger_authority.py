"""Adversarial property test of the ledger's authority (issue 10): random appends by random
parties, with and without keys (right, wrong or none), corrections of anyone's events,
amendments and assents, key changes, backdated ``recorded_at``. Whatever is accepted:

- no accepted entry changes an event another party declared (corrections and key changes
  only by the party concerned);
- no earlier ``--as-of`` answer changes;
- the ledger verifies after every append that returned normally;
- a refused append changes nothing.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from truce.api import status
from truce.app.deal_schemas import status_out
from truce.errors import LedgerError
from truce.events import EVENT_ADAPTER, Event
from truce.ledger.authority import LEDGER_TYPES
from truce.ledger.directory import LedgerDir
from truce.ledger.log import signing
from truce.ledger.record import record
from truce.terms import load_terms, parse_terms

ROOT = Path(__file__).resolve().parents[2]
TERMS = ROOT / "examples" / "gaza-2023" / "terms.toml"
ACTORS = ("hamas", "israel", "qatar", "icrc", "importer")
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

op = st.fixed_dictionaries(
    {
        "actor": st.sampled_from(ACTORS),
        "kind": st.sampled_from(
            ("claim", "release", "prisoners", "correct", "amend", "assent", "key_add", "revoke")
        ),
        "sign": st.sampled_from(("own", "none", "other")),
        "target": st.integers(0, 30),
        "party": st.sampled_from(ACTORS[:4]),
        "retro": st.booleans(),
        "backdate_days": st.integers(0, 1200),
        "count": st.integers(0, 40),
        "tick": st.integers(1, 100_000),
    }
)


class World:
    """One ledger under attack, with every party's keys as far as the test knows them."""

    def __init__(self, path: Path) -> None:
        self.now = T0
        self.keys: dict[str, list[Ed25519PrivateKey]] = {}
        hamas = signing.new_key()
        self.keys["hamas"] = [hamas]
        text = TERMS.read_text().replace(
            '{ id = "hamas", name = "Hamas" }',
            f'{{ id = "hamas", name = "Hamas", public_key = '
            f'"{signing.public_key_text(hamas.public_key())}" }}',
        )
        tpath = path.parent / "keyed.toml"
        tpath.write_text(text)
        self.d = LedgerDir.init(path, tpath, at=T0)
        base = load_terms(tpath).model_dump(mode="json", by_alias=True, exclude_none=True)
        base["exchange"]["prisoners_per_captive"] = 5
        self.amended = base
        self.amended_digest = parse_terms(base).digest()
        self.answers: list[tuple[datetime, dict[str, Any]]] = []
        self.n = 0

    def clock(self) -> datetime:
        return self.now

    def answer(self, as_of: datetime) -> dict[str, Any]:
        d = self.d
        d.reload()
        out = status_out(status(d.terms, d.history(), as_of=as_of)).model_dump(mode="json")
        return {k: out[k] for k in ("pause_days", "ends_at", "counted", "prisoners_due")}

    def event(self, o: dict[str, Any]) -> Event:
        self.n += 1
        actor = o["actor"]
        recorded = datetime(2023, 11, 26, tzinfo=UTC) + timedelta(days=o["backdate_days"])
        base: dict[str, Any] = {
            "id": f"e{self.n}",
            "at": "2023-11-26T12:00+02:00",
            "recorded_at": recorded.isoformat(),
            "declared_by": actor,
            "recorded_by": "importer" if actor == "importer" else "test",
        }
        kind = o["kind"]
        deal = [r.event for r in self.d.all_records if r.event.type not in LEDGER_TYPES]
        if kind == "correct" and not deal:
            kind = "claim"
        if kind == "claim":
            base |= {"type": "claim", "text": "t"}
        elif kind == "release":
            base |= {"type": "captives_released", "live": o["count"] + 1}
        elif kind == "prisoners":
            base |= {"type": "prisoners_released", "count": o["count"]}
        elif kind == "correct":
            target = deal[o["target"] % len(deal)]
            body = target.model_dump(mode="json", exclude_defaults=True)
            body |= {k: v for k, v in base.items() if k != "declared_by"}
            body["declared_by"] = actor if o["retro"] else target.declared_by
            body["supersedes"] = target.id
            base = body
        elif kind == "amend":
            base |= {
                "type": "terms_set",
                "effective_at": "2023-11-25T07:00+02:00",
                "retroactive": o["retro"],
                "terms": self.amended,
                "digest": self.amended_digest,
            }
        elif kind == "assent":
            base |= {
                "type": "terms_agreed",
                "terms_digest": self.amended_digest,
                "retroactive": o["retro"],
            }
        else:
            k = signing.new_key()
            self.keys.setdefault(o["party"], [])
            pub = signing.public_key_text(k.public_key())
            if kind == "revoke" and self.keys[o["party"]]:
                pub = signing.public_key_text(self.keys[o["party"]][-1].public_key())
            base |= {
                "type": "key_added" if kind == "key_add" else "key_revoked",
                "party": o["party"],
                "public_key": pub,
            }
            self._pending_key = (o["party"], k, kind)
        return EVENT_ADAPTER.validate_python(base)


def _check_authority(d: LedgerDir) -> None:
    """Every correction is its declarer's, of the same type; every change to a keyed party's
    keys is that party's own."""
    by_id = {r.event.id: r.event for r in d.all_records}
    keyed: set[str] = {p.id for p in d.terms.parties.all() if p.public_key}
    for r in d.all_records:
        ev = r.event
        if ev.supersedes:
            t = by_id[ev.supersedes]
            assert t.declared_by == ev.declared_by and t.type == ev.type
        if ev.type in ("key_added", "key_revoked"):
            if ev.party in keyed or ev.type == "key_revoked":
                assert ev.declared_by == ev.party
            keyed.add(ev.party)
        if ev.declared_by in keyed and ev.type not in ("key_added",):
            assert r.sig is not None or ev.declared_by not in keyed


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(ops=st.lists(op, min_size=1, max_size=12))
def test_random_appends_never_overrule_another_party(ops: list[dict[str, Any]]) -> None:
    from truce.ledger.verify import verify

    with tempfile.TemporaryDirectory() as tmp:
        w = World(Path(tmp) / "d")
        try:
            for o in ops:
                w._pending_key = None  # type: ignore[attr-defined]
                ev = w.event(o)
                w.now += timedelta(seconds=o["tick"])
                asked = w.now
                w.answers.append((asked, w.answer(asked)))
                w.now += timedelta(seconds=1)
                actor = o["actor"]
                key = None
                if o["sign"] == "own" and w.keys.get(actor):
                    key = w.keys[actor][-1]
                elif o["sign"] == "other":
                    key = signing.new_key()
                before = w.d.store.head()
                try:
                    record(
                        w.d,
                        [ev],
                        ["prop"],
                        as_party=None if key is None else actor,
                        key=key,
                        clock=w.clock,
                    )
                except LedgerError:
                    assert w.d.store.head() == before  # a refusal changes nothing
                    event(f"refused {o['kind']}")
                    continue
                event(f"accepted {o['kind']}")
                pk = w._pending_key  # type: ignore[attr-defined]
                if pk is not None and pk[2] == "key_add":
                    w.keys[pk[0]].append(pk[1])
                verify(w.d)
                _check_authority(w.d)
            for asked, then in w.answers:
                assert w.answer(asked) == then, f"the answer as of {asked} changed"
        finally:
            w.d.close()
