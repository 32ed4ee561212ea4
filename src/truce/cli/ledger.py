"""The ledger commands of `truce`: init, record, amend, assent, log, verify, checkpoint, prove,
verify-proof, export, keys, sync, clone, compare, backup, people, forget. A thin layer over
truce.ledger."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.markup import escape
from rich.table import Table

from truce.app.ledger import (
    assent_to_amendment,
    change_key,
    compare_ledgers,
    log_entries,
    propose_amendment,
    verify_ledger,
)
from truce.app.ledger_schemas import AmendmentOut, VerifyFailed
from truce.cli.common import JsonOpt, app, now, out, parse_time
from truce.errors import BadInput, IntegrityError
from truce.ledger.directory import LOG_NAME, LedgerDir, passphrase
from truce.ledger.export import AUDIENCES, FORMATS, export
from truce.ledger.log import checkpoint as cpt
from truce.ledger.log import signing
from truce.ledger.record import read_file, record
from truce.ledger.replicate import sync
from truce.ledger.verify import head_text, verify
from truce.render import safe

DirArg = Annotated[Path, typer.Argument(help="Ledger directory (made by `truce init`).")]


keys_app = typer.Typer(help="Signing keys: make one, register or revoke it in a ledger.")
people_app = typer.Typer(help="Personal data kept apart from the ledger, encrypted per person.")
app.add_typer(keys_app, name="keys")
app.add_typer(people_app, name="people")


@app.command()
def init(
    directory: DirArg,
    terms: Annotated[Path, typer.Option("--terms", help="Terms file (TOML) to bind.")],
    store: Annotated[
        str,
        typer.Option("--store", help='"sqlite" (DIR/ledger.db) or a URL: postgresql+psycopg://...'),
    ] = "sqlite",
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="The reference party's private key, where the terms give it a public key: "
            "it signs the base terms.",
        ),
    ] = None,
) -> None:
    """Create a ledger directory bound to a terms file."""
    pk = signing.load_private_key(key, passphrase()) if key is not None else None
    try:
        d = LedgerDir.init(directory, terms, at=now(), store=store, key=pk)
    except BadInput as exc:
        if exc.where == "key":
            raise BadInput(str(exc).split(": ", 1)[1], where="--key") from None
        raise
    with d:
        out.print(f"created ledger {d.ledger_id} in {escape(str(directory))}")
        out.print(f"  terms digest {d.base.digest[:16]} ({escape(d.terms.agreement.name)})")
        out.print(f"  log key {escape(str(directory / 'keys' / 'log.pub'))}")


@app.command("record")
def record_cmd(
    directory: DirArg,
    file: Annotated[Path, typer.Argument(help="Events (.jsonl) or a day summary (.csv).")],
    as_party: Annotated[
        str | None, typer.Option("--as", help="The declaring party: every event must be its.")
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="The party's private key file: sign every event."),
    ] = None,
) -> None:
    """Append events (the one way to append): checked first; a bad file changes nothing."""
    with LedgerDir.open(directory) as d:
        events, origins = read_file(d, file)
        pk = signing.load_private_key(key, passphrase()) if key is not None else None
        known = _known_people(d)
        res = record(d, events, origins, as_party=as_party, key=pk, known_people=known)
        if res.added:
            out.print(
                f"recorded {len(res.added)} events (seq {res.added[0].seq}-{res.added[-1].seq})"
            )
        if res.already:
            out.print(f"{len(res.already)} already stored with the same content (retries)")
        out.print(f"head: {head_text(d.store.head())}")


@app.command("amend")
def amend_cmd(
    directory: DirArg,
    terms: Annotated[Path, typer.Argument(help="The amended terms file (TOML), whole.")],
    effective_at: Annotated[
        str,
        typer.Option("--effective-at", help="When it takes effect (ISO 8601 with offset)."),
    ],
    as_party: Annotated[str, typer.Option("--as", help="The party proposing it.")],
    key: Annotated[Path | None, typer.Option("--key", help="Sign with this key.")] = None,
    retroactive: Annotated[
        bool,
        typer.Option(
            "--retroactive",
            help="Ask for it to apply from --effective-at even to days that began before "
            "every assent was recorded (each assent must say so too).",
        ),
    ] = False,
    source: Annotated[
        str | None, typer.Option("--source", help="Where the amendment is documented.")
    ] = None,
) -> None:
    """Propose amended terms from --effective-at; in force once every party the terms name
    has assented (`truce assent`), never for days already begun unless all say so."""
    from truce.terms import load_terms

    zone = load_terms(terms).agreement.zone
    eff = parse_time(effective_at, zone, "--effective-at")
    assert eff is not None
    pk = signing.load_private_key(key, passphrase()) if key is not None else None
    res = propose_amendment(
        directory,
        terms,
        effective_at=eff,
        as_party=as_party,
        now=now(),
        key=pk,
        retroactive=retroactive,
        source=source,
    )
    out.print(f"proposed amendment {res.amendment} (seq {res.seq}, digest {res.digest[:16]})")
    _amendment_state(res)


@app.command("assent")
def assent_cmd(
    directory: DirArg,
    amendment: Annotated[str, typer.Argument(help="The amendment's event id (terms-N).")],
    as_party: Annotated[str, typer.Option("--as", help="The party assenting.")],
    key: Annotated[Path | None, typer.Option("--key", help="Sign with this key.")] = None,
    retroactive: Annotated[
        bool,
        typer.Option(
            "--retroactive",
            help="Assent to it applying from its effective time even to days already begun.",
        ),
    ] = False,
) -> None:
    """Record a party's assent to a proposed amendment (a terms_agreed event naming it)."""
    pk = signing.load_private_key(key, passphrase()) if key is not None else None
    res = assent_to_amendment(
        directory, amendment, as_party=as_party, now=now(), key=pk, retroactive=retroactive
    )
    out.print(f"{as_party} assented to {amendment} (seq {res.seq})")
    _amendment_state(res)


def _amendment_state(res: AmendmentOut) -> None:
    if res.in_force_as is not None:
        out.print(f"terms version {res.in_force_as} in force from {res.effective_at}")
    else:
        out.print(f"not in force yet: awaiting the assent of {', '.join(res.waiting_for)}")


@app.command("log")
def log_cmd(
    directory: DirArg,
    type_: Annotated[str | None, typer.Option("--type", help="Only this event type.")] = None,
    party: Annotated[str | None, typer.Option("--party", help="Only this party's.")] = None,
    since: Annotated[int, typer.Option("--from", help="From this sequence number.")] = 1,
    audience: Annotated[
        str, typer.Option("--audience", help=f"One of {', '.join(AUDIENCES)}.")
    ] = "mediator",
    as_json: JsonOpt = False,
) -> None:
    """The ledger, readable and filterable."""
    entries = log_entries(directory, type_=type_, party=party, since=since, audience=audience)
    if as_json:
        for e in entries:
            sys.stdout.write(json.dumps(e.model_dump(mode="json"), ensure_ascii=False) + "\n")
        return
    table = Table("seq", "at", "type", "declared by", "what", "signed", "seen by")
    for e in entries:
        ev = e.event
        table.add_row(
            str(e.seq),
            str(ev["at"]),
            str(ev["type"]),
            safe(str(ev["declared_by"])),
            safe(_what(ev)),
            (e.signed_with or "")[:8],
            e.visibility,
        )
    out.print(table)


@app.command("verify")
def verify_cmd(
    directory: DirArg,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option("--checkpoint", help="A checkpoint note held elsewhere to check against."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-derive every hash, signature and checkpoint; name the first bad sequence number."""
    res = verify_ledger(directory, checkpoint or [])
    if as_json:
        sys.stdout.write(json.dumps(res.model_dump(mode="json")) + "\n")
        if isinstance(res, VerifyFailed):
            raise typer.Exit(IntegrityError.exit_code)
        return
    if isinstance(res, VerifyFailed):
        raise IntegrityError(res.error, seq=res.first_bad_seq, kind=res.kind)
    out.print(
        f"ok: {res.events} events, {res.signed} signed; head size {res.size}, root {res.root}"
    )
    for line in res.checkpoints:
        out.print(f"  {escape(line)}")
    if res.cosigners:
        out.print(f"  cosigned by: {', '.join(res.cosigners)}")
    if res.unverified_cosigners:
        out.print(
            "  cosigned, key not registered (not checked): " + ", ".join(res.unverified_cosigners)
        )


@app.command("checkpoint")
def checkpoint_cmd(
    directory: DirArg,
    cosign: Annotated[
        str | None, typer.Option("--cosign", help="Cosign the latest checkpoint as PARTY.")
    ] = None,
    key: Annotated[
        Path | None, typer.Option("--key", help="The cosigning party's private key file.")
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state", help="The party's witness state file (default DIR/witness/PARTY.json)."
        ),
    ] = None,
) -> None:
    """Sign the log's size and root (the log key), or cosign as a witness party."""
    with LedgerDir.open(directory) as d:
        tree = d.tree()
        if cosign is None:
            signed = cpt.sign_checkpoint(
                cpt.Checkpoint(d.origin, tree.size, tree.root()), LOG_NAME, d.log_private_key()
            )
            note = cpt.format_note(signed)
            d.store.add_checkpoint(tree.size, note)
            sys.stdout.write(note)
            return
        if key is None:
            raise BadInput("--cosign needs --key KEYFILE", where="--key")
        cps = d.store.checkpoints()
        if not cps:
            raise BadInput("no checkpoint to cosign: run `truce checkpoint DIR` first")
        pk = signing.load_private_key(key, passphrase())
        _check_cosigner(d, cosign, pk, tree.size + 1)
        size, note = cps[-1]
        signed = cpt.parse_note(note)
        path = state or d.path / "witness" / f"{cosign}.json"
        path.parent.mkdir(exist_ok=True)
        w = cpt.Witness(path, cosign, pk)
        last = w.latest(d.origin)
        old = last[0] if last else 0
        proof = tree.consistency_proof(old, size) if 0 < old < size else []
        cosigned = w.add_checkpoint(
            signed, LOG_NAME, d.log_public_key(), old, proof, int(now().timestamp())
        )
        d.store.add_checkpoint(size, cpt.format_note(cosigned))
        sys.stdout.write(cpt.format_note(cosigned))


@app.command("prove")
def prove_cmd(
    directory: DirArg,
    event_id: Annotated[str | None, typer.Argument(help="Prove this event is in the log.")] = None,
    size: Annotated[
        int | None,
        typer.Option("--size", help="Tree size to prove against (default: latest checkpoint)."),
    ] = None,
    from_size: Annotated[
        int | None,
        typer.Option("--from", help="Prove the log at this size is a prefix of --size."),
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the bundle to this file.")
    ] = None,
) -> None:
    """Print a proof bundle (JSON) that anyone can check offline with `truce verify-proof`."""
    from truce.ledger import proofs

    with LedgerDir.open(directory) as d:
        if (event_id is None) == (from_size is None):
            raise BadInput("give an EVENT_ID (inclusion) or --from SIZE (consistency)")
        bundle = (
            proofs.inclusion(d, event_id, size)
            if event_id is not None
            else proofs.consistency(d, from_size or 0, size)
        )
        text = json.dumps(bundle, indent=2) + "\n"
        if out_file is not None:
            out_file.write_text(text)
            out.print(
                f"wrote {'an' if bundle['kind'] == 'inclusion' else 'a'} {bundle['kind']} proof at size {bundle['size']} to {out_file}"
            )
        else:
            sys.stdout.write(text)


@app.command("verify-proof")
def verify_proof_cmd(
    bundle: Annotated[Path, typer.Argument(help="A proof bundle from `truce prove`.")],
    log_key: Annotated[
        Path | None,
        typer.Option("--log-key", help="The log's public key file (DIR/keys/log.pub)."),
    ] = None,
) -> None:
    """Check a proof bundle offline, without the ledger: exit 3 if it does not verify."""
    from truce.ledger import proofs

    try:
        text = bundle.read_text()
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror}", where=str(bundle)) from None
    pub = signing.parse_public_key(log_key.read_text().strip()) if log_key else None
    out.print(f"ok: {escape(proofs.check(text, pub))}")


@app.command("export")
def export_cmd(
    directory: DirArg,
    fmt: Annotated[str, typer.Option("--format", help=" | ".join(FORMATS))] = "jsonl",
    audience: Annotated[
        str, typer.Option("--audience", help=f"One of {', '.join(AUDIENCES)}.")
    ] = "public",
    include_personal: Annotated[
        bool, typer.Option("--include-personal", help="Add names and other personal fields.")
    ] = False,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
) -> None:
    """Export events (jsonl, csv, parquet) or the day summary (days) for an audience."""
    with LedgerDir.open(directory) as d:
        text = export(d, fmt, audience, include_personal, out_file)
        if text is not None:  # None: written to --out
            sys.stdout.write(text)


@app.command("sync")
def sync_cmd(
    directory: DirArg,
    source: Annotated[Path, typer.Argument(help="Another copy of the same ledger.")],
) -> None:
    """Pull new entries from another copy; refuse anything inconsistent with ours."""
    with LedgerDir.open(directory) as d, LedgerDir.open(source) as s:
        n = sync(d, s)
        out.print(f"pulled {n} entries; head {head_text(d.store.head())}")


@app.command("clone")
def clone_cmd(
    source: Annotated[Path, typer.Argument(help="The ledger directory to copy.")],
    dest: Annotated[Path, typer.Argument(help="A new directory for this party's copy.")],
    store: Annotated[
        str, typer.Option("--store", help='"sqlite" or a SQLAlchemy URL for the copy.')
    ] = "sqlite",
) -> None:
    """Make this party's own copy of a ledger (then keep it current with `truce sync`)."""
    from truce.ledger.replicate import clone

    with LedgerDir.open(source) as s, clone(s, dest, store) as c:
        rep = verify(c)
        out.print(f"cloned {rep.events} events into {dest}; head {head_text(rep.head)}")


@app.command("compare")
def compare_cmd(
    directory: DirArg,
    other: Annotated[Path, typer.Argument(help="Another copy of the same ledger.")],
    as_json: JsonOpt = False,
) -> None:
    """Report where two copies of a ledger diverge."""
    c = compare_ledgers(directory, other)
    if as_json:
        sys.stdout.write(json.dumps(c.model_dump(mode="json")) + "\n")
        return
    out.print(f"{c.relation}: {c.size} vs {c.other_size} entries, {c.common} in common")
    if c.first_difference is not None:
        out.print(f"  first difference at seq {c.first_difference}")


@app.command("backup")
def backup_cmd(
    directory: DirArg,
    dest: Annotated[Path, typer.Argument(help="A new directory for the copy.")],
) -> None:
    """An online backup (SQLite backup API) that is verified before it is reported."""
    import shutil

    from truce.ledger.store.sqlite import SqliteLedger

    with LedgerDir.open(directory) as d:
        if not isinstance(d.store, SqliteLedger):
            raise BadInput("backup copies a SQLite store; for a server use its own tools")
        if dest.exists():
            raise BadInput("already exists", where=str(dest))
        dest.mkdir(parents=True)
        try:
            for name in ("ledger.toml", "terms.toml"):
                shutil.copyfile(directory / name, dest / name)
            (dest / "keys").mkdir(mode=0o700)
            shutil.copyfile(directory / "keys" / "log.pub", dest / "keys" / "log.pub")
            d.store.backup(dest / "ledger.db")
            with LedgerDir.open(dest) as b:
                rep = verify(b)
        except BaseException:
            shutil.rmtree(dest, ignore_errors=True)  # no half-made or unverified backup
            raise
    out.print(f"backup verified: {rep.events} events; head {head_text(rep.head)}")


@keys_app.command("new")
def keys_new(
    party: Annotated[str, typer.Argument(help="The party the key is for.")],
    out_file: Annotated[Path, typer.Option("--out", help="Private key file to create.")],
) -> None:
    """Make an Ed25519 key (PKCS8, mode 0600, encrypted with TRUCE_PASSPHRASE if set)."""
    k = signing.new_key()
    pub_file = out_file.with_name(out_file.name + ".pub")
    if pub_file.exists():
        raise BadInput("already exists; refusing to overwrite it", where=str(pub_file))
    signing.save_private_key(out_file, k, passphrase())
    pub = signing.public_key_text(k.public_key())
    pub_file.write_text(pub + "\n")
    out.print(f"{party}: {pub} (key id {signing.key_id(k.public_key())})")
    out.print(
        f"  private key in {escape(str(out_file))}; share only the public key "
        f"({escape(str(pub_file))})"
    )


@keys_app.command("add")
def keys_add(
    directory: DirArg,
    party: Annotated[str, typer.Argument(help="Whose key.")],
    public_key: Annotated[
        str,
        typer.Argument(help="ed25519:..., or the .pub file `truce keys new` wrote."),
    ],
    as_party: Annotated[
        str,
        typer.Option(
            "--as",
            help="Who records it: the party itself (signing with a current key if it has "
            "one), or for a first key whoever the terms name (parties.first_key).",
        ),
    ],
    key: Annotated[Path | None, typer.Option("--key", help="Sign with this key.")] = None,
) -> None:
    """Register a party's signing key: an event, valid for later events."""
    _key_event(directory, "key_added", party, public_key, as_party, key)


@keys_app.command("revoke")
def keys_revoke(
    directory: DirArg,
    party: Annotated[str, typer.Argument(help="Whose key.")],
    public_key: Annotated[str, typer.Argument(help="ed25519:... of the key to revoke.")],
    as_party: Annotated[str, typer.Option("--as", help="Who records it.")],
    key: Annotated[Path | None, typer.Option("--key", help="Sign with this key.")] = None,
) -> None:
    """Revoke a party's key: events after this one signed with it are refused."""
    _key_event(directory, "key_revoked", party, public_key, as_party, key)


def _key_event(
    directory: Path, kind: str, party: str, public_key: str, as_party: str, key: Path | None
) -> None:
    if not public_key.startswith(signing.PUBLIC_KEY_PREFIX) and Path(public_key).is_file():
        public_key = Path(public_key).read_text().strip()
    pk = signing.load_private_key(key, passphrase()) if key is not None else None
    seq = change_key(directory, kind, party, public_key, as_party=as_party, now=now(), key=pk)
    out.print(f"{kind.replace('_', ' ')} for {party} at seq {seq}")


@people_app.command("add")
def people_add(
    directory: DirArg,
    file: Annotated[
        Path, typer.Argument(help="CSV: role (captive|prisoner), ref, then any fields.")
    ],
) -> None:
    """Register people: prints each one's pseudonym, the only id the ledger may use. The
    whole file is checked first, and stored in one transaction: a bad row stores nothing."""
    from truce.ledger.people import People, read_people_csv

    with LedgerDir.open(directory):
        rows = read_people_csv(file)
        with People.open(directory) as people:
            pids = people.add_all(rows)
        for row, pid in zip(rows, pids, strict=True):
            out.print(f"{escape(row.where)}: {pid}")


@app.command("forget")
def forget_cmd(
    directory: DirArg,
    person: Annotated[str, typer.Argument(help="The person's pseudonym (p-...).")],
) -> None:
    """Erase a person's personal data (destroy their key, vacuum); the log still verifies."""
    from truce.ledger.people import People

    with LedgerDir.open(directory), People.open(directory) as people:
        people.forget(person, now().isoformat())
        out.print(f"forgot {person}: key and personal fields destroyed")


def _check_cosigner(d: LedgerDir, party: str, key: Ed25519PrivateKey, seq: int) -> None:
    """A cosignature is made only by a party, with a key registered to it and valid now."""
    ids = d.terms.parties.ids()
    if party not in ids:
        raise BadInput(
            f"{party!r} is not a party in the terms (expected one of: {', '.join(sorted(ids))})",
            where="--cosign",
        )
    kid = signing.key_id(key.public_key())
    active = d.authority.ring.active(party, seq)
    if kid not in active:
        have = f"its keys: {', '.join(active)}" if active else "it has no registered key"
        raise BadInput(
            f"key {kid} is not a registered key of {party!r} ({have}); nothing stored",
            where="--key",
        )


def _known_people(d: LedgerDir) -> dict[str, set[str]] | None:
    """Pseudonyms registered in people.db by role (None when the ledger keeps no personal
    data), forgotten people included: their pseudonyms stay valid ids."""
    if not (d.path / "people.db").exists():
        return None
    from truce.ledger.people import People

    out: dict[str, set[str]] = {"captive": set(), "prisoner": set()}
    with People.open(d.path) as people:
        for p in people.export(include_personal=False):
            out.setdefault(str(p["role"]), set()).add(str(p["pseudonym"]))
        for p in people.forgotten():  # the role went with the data; the id stays valid
            for ids in out.values():
                ids.add(p["pseudonym"])
    return out


def _what(ev: dict[str, object]) -> str:
    """The event's own fields in one short line (the common ones have their columns)."""
    d = dict(ev)
    for k in ("id", "type", "at", "recorded_at", "declared_by", "recorded_by", "sources", "note"):
        d.pop(k, None)
    if isinstance(d.get("captives"), list):
        d["captives"] = f"{len(d['captives'])} ids"  # type: ignore[arg-type]
    if "terms" in d:
        d["terms"] = "…"
    return ", ".join(f"{k}={v}" for k, v in d.items())[:80]
