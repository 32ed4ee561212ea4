"""Who may append what: the rules every ledger entry passes, applied in the one path every
writer takes (``record``, ``sync``, ``clone``, ``verify``; later the service).

Pure: decoded entries in, updated state or a refusal out. docs/ledger.md ("Who may do what")
states the rules in words; each check below names the rule it enforces. The rules about
corrections (``supersedes``) live with the event history (``truce.history``), so a
plain events file is held to them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from truce.errors import BadInput, LedgerError, SignatureError
from truce.events import Event, KeyAdded, KeyRevoked, TermsAgreed, TermsSet
from truce.ledger.load import IMPORTER
from truce.ledger.log import signing
from truce.terms import Terms, parse_terms
from truce.versions import Amendment, fixed_difference

LEDGER_TYPES = ("terms_set", "key_added", "key_revoked")
"""Events that govern the ledger itself (its terms and keys), not the deal."""


class Refused(LedgerError):
    """An entry the ledger's rules refuse; ``kind`` says which rule (rules, signature, time)."""

    def __init__(self, message: str, *, where: str | None = None, kind: str = "rules") -> None:
        super().__init__(message, where=where)
        self.kind = kind


@dataclass(frozen=True)
class TermsVersion:
    """Terms in force from ``effective_at`` (the base terms: from the start), set at ``seq``;
    ``known_at`` is when the log had every assent it needs (None: not stamped)."""

    version: int
    seq: int
    effective_at: datetime
    terms: Terms
    digest: str
    ref: str
    known_at: datetime | None = None


@dataclass
class Pending:
    """An amendment proposed at ``seq`` that does not take effect until every party the terms
    name has assented; ``assents`` maps each assenting party to its ``retroactive`` flag."""

    seq: int
    event: TermsSet
    terms: Terms
    assents: dict[str, bool] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"event:{self.event.id}"


def terms_version(ev: TermsSet, seq: int, version: int) -> TermsVersion:
    """A terms_set event (at ``seq``) read as terms; its digest must match its terms."""
    try:
        terms = parse_terms(ev.terms, where=f"seq {seq}")
    except BadInput as exc:
        raise Refused(str(exc)) from None
    digest = terms.digest()
    if digest != ev.digest:
        raise Refused(f"terms digest {ev.digest[:16]} does not match the terms ({digest[:16]})")
    return TermsVersion(version, seq, ev.effective_at, terms, digest, f"event:{ev.id}")


class Authority:
    """The ledger's governing state, entry by entry: its terms versions and pending
    amendments, its keyring, who has ever had a key, and the last log stamp."""

    def __init__(self, ledger_id: str) -> None:
        self.ledger_id = ledger_id
        self.size = 0
        self.ring = signing.Keyring()
        self.keyed: set[str] = set()  # parties that have, or ever had, a signing key
        self.versions: list[TermsVersion] = []
        self.pending: list[Pending] = []
        self.last_stamp: datetime | None = None
        self.party_ids: frozenset[str] = frozenset()

    def fork(self) -> Authority:
        """An independent copy, to try entries on without touching this one."""
        out = Authority(self.ledger_id)
        out.size = self.size
        out.ring = self.ring.copy()
        out.keyed = set(self.keyed)
        out.versions = list(self.versions)
        out.pending = [Pending(p.seq, p.event, p.terms, dict(p.assents)) for p in self.pending]
        out.last_stamp = self.last_stamp
        out.party_ids = self.party_ids
        return out

    @property
    def terms(self) -> Terms:
        """The base terms (set by the first entry)."""
        return self.versions[0].terms

    def admit(
        self,
        seq: int,
        ev: Event,
        sig: tuple[str, bytes] | None,
        stamp: datetime | None,
        where: str,
        *,
        check_signature: bool = True,
    ) -> None:
        """Check one entry against everything before it and take it in; raise LedgerError
        naming ``where`` if the rules refuse it (then this object must not be used again)."""
        if seq != self.size + 1:
            raise Refused(f"expected seq {self.size + 1}, got {seq}", where=where)
        self._stamp(stamp, where)
        if seq == 1:
            self._base(ev, where)
        elif isinstance(ev, TermsSet) and not self.versions:
            raise Refused("the ledger has no base terms", where=where)
        elif not self.versions:
            raise Refused("the first entry must set the terms (terms_set)", where=where)
        self._party(ev, where)
        self._signature(seq, ev, sig, where, check_signature)
        if ev.type in LEDGER_TYPES and ev.supersedes:
            raise Refused(
                f"a {ev.type} event cannot supersede anything: terms change by amendment, "
                "keys by adding and revoking",
                where=where,
            )
        if isinstance(ev, KeyAdded | KeyRevoked):
            self._key(seq, ev, where)
        elif isinstance(ev, TermsSet) and seq > 1:
            self._propose(seq, ev, stamp, where)
        elif isinstance(ev, TermsAgreed) and ev.terms_digest:
            self._assent(ev, stamp, where)
        self.size = seq

    def pass_over(self, seq: int) -> None:
        """Take in an entry that governs nothing (not a terms, key or assent event) without
        reading it: one that was admitted before, by the process that wrote the engine
        snapshot, over the very same bytes (``LedgerDir._resume``). Set ``last_stamp``
        after the last one."""
        if seq != self.size + 1:
            raise Refused(f"expected seq {self.size + 1}, got {seq}", where=f"seq {seq}")
        self.size = seq

    # -- time ------------------------------------------------------------------------------

    def _stamp(self, stamp: datetime | None, where: str) -> None:
        """Log stamps never go back, and once stamped a log stays stamped."""
        if stamp is None:
            if self.last_stamp is not None:
                raise Refused("an entry without a log stamp after stamped entries", where=where)
            return
        if self.last_stamp is not None and stamp < self.last_stamp:
            raise Refused(
                f"log stamp {stamp.isoformat()} is before the previous entry's "
                f"({self.last_stamp.isoformat()}): the log's clock never goes back",
                where=where,
            )
        self.last_stamp = stamp

    # -- who declares ----------------------------------------------------------------------

    def _base(self, ev: Event, where: str) -> None:
        """The first entry sets the base terms, declared by the reference party they name."""
        if not isinstance(ev, TermsSet):
            raise Refused("the first entry must set the terms (terms_set)", where=where)
        tv = _version(ev, 1, 1, where)
        parties = tv.terms.parties
        if ev.declared_by != parties.reference:
            raise Refused(
                f"the base terms are declared by the reference party {parties.reference!r}, "
                f"not {ev.declared_by!r}",
                where=where,
            )
        self.versions.append(tv)
        self.party_ids = frozenset(parties.ids())
        for p in parties.all():
            if p.public_key:
                try:
                    self.ring.apply(signing.KeyChange(0, p.id, "add", p.public_key))
                except BadInput as exc:
                    raise Refused(f"key of {p.id!r} in the terms: {exc}", where=where) from None
                self.keyed.add(p.id)

    def _party(self, ev: Event, where: str) -> None:
        """Every event is declared by a party the terms name, or by the importer (a bulk load
        of a historical record, which governs nothing)."""
        ids = self.party_ids
        if ev.declared_by not in ids and ev.declared_by != IMPORTER:
            raise Refused(
                f"declared_by {ev.declared_by!r} is not a party in the terms (expected one of: "
                f"{', '.join(sorted(ids | {IMPORTER}))})",
                where=where,
            )
        if ev.declared_by == IMPORTER and ev.type in LEDGER_TYPES:
            raise Refused(
                f"the importer cannot declare a {ev.type} event: it governs the ledger, and "
                "only parties do",
                where=where,
            )

    def _signature(
        self, seq: int, ev: Event, sig: tuple[str, bytes] | None, where: str, check: bool
    ) -> None:
        """A party that has ever had a key signs every event, with a key valid at this seq."""
        if sig is None:
            if ev.declared_by in self.keyed:
                active = self.ring.active(ev.declared_by, seq)
                why = (
                    "sign them with one of its keys"
                    if active
                    else "its keys are all revoked: it appends again once a new key is "
                    "registered (docs/ledger.md, keys)"
                )
                raise Refused(
                    f"party {ev.declared_by!r} has a registered signing key and its events "
                    f"must be signed; {why}",
                    where=where,
                )
            return
        kid, value = sig
        try:
            pub = self.ring.valid(ev.declared_by, kid, seq)
        except SignatureError as exc:
            raise Refused(str(exc), where=where, kind="signature") from None
        if check:
            from truce.ledger.directory import event_json
            from truce.ledger.log.leaf import canonical

            body = canonical(event_json(ev))
            try:
                signing.verify_event(pub, value, self.ledger_id, ev.type, ev.id, body)
            except SignatureError:
                raise Refused(
                    f"signature of {ev.declared_by!r} does not verify",
                    where=where,
                    kind="signature",
                ) from None

    # -- keys ------------------------------------------------------------------------------

    def _key(self, seq: int, ev: KeyAdded | KeyRevoked, where: str) -> None:
        """Keys: only for parties; a party's key is changed by that party (signed, since it has
        one); a party with no active key gets one by the procedure the terms name."""
        parties = self.terms.parties
        if ev.party not in parties.ids():
            raise Refused(
                f"{ev.party!r} is not a party in the terms: keys are registered for parties only",
                where=where,
            )
        has_key = bool(self.ring.active(ev.party, seq))
        if isinstance(ev, KeyRevoked) or has_key:
            if ev.declared_by != ev.party:
                raise Refused(
                    f"{ev.party!r} has a signing key: only {ev.party!r} itself (signing with a "
                    "current key) may add or revoke its keys",
                    where=where,
                )
        else:
            allowed = {
                "self": {ev.party},
                "reference": {parties.reference},
                "either": {ev.party, parties.reference},
            }[parties.key_procedure()]
            if ev.declared_by not in allowed:
                raise Refused(
                    f"{ev.party!r} has no signing key; under the terms (parties.first_key = "
                    f"{parties.key_procedure()!r}) its first key is registered by "
                    f"{' or '.join(repr(a) for a in sorted(allowed))}",
                    where=where,
                )
        try:
            self.ring.apply(
                signing.KeyChange(
                    seq, ev.party, "add" if ev.type == "key_added" else "revoke", ev.public_key
                )
            )
        except BadInput as exc:
            raise Refused(str(exc), where=where) from None
        if ev.type == "key_added":
            self.keyed.add(ev.party)

    # -- amendments ------------------------------------------------------------------------

    def _propose(self, seq: int, ev: TermsSet, stamp: datetime | None, where: str) -> None:
        """An amendment is a proposal until every party the terms name has assented; the
        proposer's own terms_set is its assent."""
        tv = _version(ev, seq, 0, where)
        why = fixed_difference(self.terms, tv.terms)
        if why is not None:
            raise Refused(why, where=where)
        last = self.versions[-1]
        if len(self.versions) > 1 and ev.effective_at < last.effective_at:
            raise Refused(
                f"effective_at {ev.effective_at.isoformat()} is before the terms in force since "
                f"{last.effective_at.isoformat()} (version {last.version})",
                where=where,
            )
        p = Pending(seq, ev, tv.terms)
        self.pending.append(p)
        if ev.declared_by in self.terms.parties.must_assent():
            p.assents[ev.declared_by] = ev.retroactive
        self._complete(p, stamp or ev.recorded_at, where)

    def _assent(self, ev: TermsAgreed, stamp: datetime | None, where: str) -> None:
        """A terms_agreed naming a pending amendment's digest is its declarer's assent."""
        match = [p for p in self.pending if p.terms.digest() == ev.terms_digest]
        if not match or ev.declared_by not in self.terms.parties.must_assent():
            return  # a recorded act with no effect on the terms in force
        p = match[-1]
        if ev.declared_by in p.assents:
            return
        p.assents[ev.declared_by] = ev.retroactive
        self._complete(p, stamp or ev.recorded_at, where)

    def _complete(self, p: Pending, now: datetime, where: str) -> None:
        """Once every assent is in, the amendment is in force from its effective time, but never
        for a day that began before then unless every assent said ``retroactive``."""
        need = self.terms.parties.must_assent()
        if any(a not in p.assents for a in need):
            return
        retro = all(p.assents[a] for a in need)
        eff = p.event.effective_at if retro else max(p.event.effective_at, now)
        last = self.versions[-1]
        if len(self.versions) > 1 and eff < last.effective_at:
            raise Refused(
                f"the amendment {p.event.id!r} would take effect at {eff.isoformat()}, before "
                f"version {last.version} in force since {last.effective_at.isoformat()}",
                where=where,
            )
        self.pending.remove(p)
        self.versions.append(
            TermsVersion(len(self.versions) + 1, p.seq, eff, p.terms, p.terms.digest(), p.ref, now)
        )

    def amendments(self) -> list[Amendment]:
        """The amendments in force, for the engine, each known from its last assent's stamp."""
        return [Amendment(v.effective_at, v.terms, v.ref, v.known_at) for v in self.versions[1:]]

    def waiting_for(self, p: Pending) -> list[str]:
        """The parties whose assent a pending amendment still needs."""
        return [a for a in self.terms.parties.must_assent() if a not in p.assents]


def _version(ev: TermsSet, seq: int, version: int, where: str) -> TermsVersion:
    try:
        return terms_version(ev, seq, version)
    except LedgerError as exc:
        raise Refused(str(exc), where=where) from None


__all__ = ["LEDGER_TYPES", "Authority", "Pending", "TermsVersion", "terms_version"]
