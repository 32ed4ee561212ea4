"""The ledger commands of `truce`: init, record, amend, assent, log, verify, checkpoint, prove,
verify-proof, export, keys, sync, clone, compare, backup, people, forget. Each parses its
options, loads keys, reads the clock, calls one truce.app function and prints the result."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel
from rich.markup import escape
from rich.table import Table

from truce.app.ledger import (
    assent_to_amendment,
    change_key,
    compare_ledgers,
    export_ledger,
    log_entries,
    new_key,
    propose_amendment,
    record_events,
    verify_ledger,
)
from truce.app.ledger_admin import backup_ledger, clone_ledger, init_ledger, sync_ledger
from truce.app.ledger_schemas import AmendmentOut, HeadOut, VerifyFailed
from truce.app.people import add_people, forget_person
from truce.app.proofs import (
    cosign_checkpoint,
    make_checkpoint,
    prove_consistency,
    prove_inclusion,
    verify_proof_bundle,
    witness_checkpoint,
)
from truce.cli.common import JsonOpt, TargetArg, app, now, out, parse_time, remote
from truce.client import events_from_file
from truce.errors import BadInput, IntegrityError
from truce.ledger.directory import passphrase
from truce.ledger.export import AUDIENCES, FORMATS
from truce.ledger.log import signing
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
    as_json: JsonOpt = False,
) -> None:
    """Create a ledger directory bound to a terms file."""
    res = init_ledger(directory, terms, now=now(), store=store, key=_load_key(key))
    if as_json:
        _json(res)
        return
    out.print(f"created ledger {res.ledger} in {escape(res.directory)}")
    out.print(f"  terms digest {res.terms_digest[:16]} ({escape(res.agreement)})")
    out.print(f"  log key {escape(res.log_key)}")


@app.command("record")
def record_cmd(
    directory: TargetArg,
    file: Annotated[Path, typer.Argument(help="Events (.jsonl) or a day summary (.csv).")],
    as_party: Annotated[
        str | None, typer.Option("--as", help="The declaring party: every event must be its.")
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="The party's private key file: sign every event."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Append events (the one way to append): checked first; a bad file changes nothing.
    To a served ledger (a URL), events are signed here with --key and sent as the token's role."""
    client = remote(directory)
    if client is not None:
        with client:
            res = client.record(events_from_file(client, file), key=_load_key(key))
    else:
        res = record_events(
            Path(directory), file, now=datetime.now(UTC), as_party=as_party, key=_load_key(key)
        )  # the log's stamp keeps microseconds
    if as_json:
        _json(res)
        return
    if res.added:
        out.print(f"recorded {len(res.added)} events (seq {res.added[0]}-{res.added[-1]})")
    if res.already:
        out.print(f"{res.already} already stored with the same content (retries)")
    out.print(f"head: {_head(res.head)}")


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
    pk = _load_key(key)
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
    pk = _load_key(key)
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
    directory: TargetArg,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option("--checkpoint", help="A checkpoint note held elsewhere to check against."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-derive every hash, signature and checkpoint; name the first bad sequence number."""
    client = remote(directory)
    if client is not None:
        if checkpoint:
            raise BadInput("checks against held checkpoints need the directory", param="checkpoint")
        with client:
            res = client.verify()
    else:
        res = verify_ledger(Path(directory), checkpoint or [])
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
    if res.quorum is not None:
        met = "met" if res.quorum_met else "NOT met"
        who = ", ".join(res.witnessed_by) or "none"
        out.print(
            f"  witnessed: {who} ({len(res.witnessed_by)} of {res.witnesses}; "
            f"quorum {res.quorum}: {met})"
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
    witness: Annotated[
        list[str] | None,
        typer.Option(
            "--witness",
            help="A C2SP tlog-witness (its add-checkpoint URL) to ask for a cosignature; "
            "repeat for several.",
        ),
    ] = None,
) -> None:
    """Sign the log's size and root (the log key), or cosign as a witness party, or ask
    witnesses over HTTP to cosign it."""
    if witness:
        res = witness_checkpoint(directory, witness, _post_text)
    elif cosign is None:
        res = make_checkpoint(directory)
    else:
        res = cosign_checkpoint(directory, cosign, key=_load_key(key), now=now(), state=state)
    sys.stdout.write(res.note)


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
    if (event_id is None) == (from_size is None):
        raise BadInput("give an EVENT_ID (inclusion) or --from SIZE (consistency)")
    bundle = (
        prove_inclusion(directory, event_id, size)
        if event_id is not None
        else prove_consistency(directory, from_size or 0, size)
    )
    text = json.dumps(bundle.model_dump(mode="json"), indent=2) + "\n"
    if out_file is None:
        sys.stdout.write(text)
        return
    out_file.write_text(text)
    article = "an" if bundle.kind == "inclusion" else "a"
    out.print(f"wrote {article} {bundle.kind} proof at size {bundle.size} to {out_file}")


@app.command("verify-proof")
def verify_proof_cmd(
    bundle: Annotated[Path, typer.Argument(help="A proof bundle from `truce prove`.")],
    log_key: Annotated[
        Path | None,
        typer.Option("--log-key", help="The log's public key file (DIR/keys/log.pub)."),
    ] = None,
) -> None:
    """Check a proof bundle offline, without the ledger: exit 3 if it does not verify."""
    try:
        text = bundle.read_text()
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror}", where=str(bundle)) from None
    pub = signing.parse_public_key(log_key.read_text().strip()) if log_key else None
    out.print(f"ok: {escape(verify_proof_bundle(text, pub).proves)}")


@app.command("export")
def export_cmd(
    directory: TargetArg,
    fmt: Annotated[str, typer.Option("--format", help=" | ".join(FORMATS))] = "jsonl",
    audience: Annotated[
        str, typer.Option("--audience", help=f"One of {', '.join(AUDIENCES)}.")
    ] = "public",
    include_personal: Annotated[
        bool, typer.Option("--include-personal", help="Add names and other personal fields.")
    ] = False,
    out_file: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
) -> None:
    """Export events (jsonl, csv, parquet) or the day summary (days) for an audience (from a
    served ledger: the audience of the token's role)."""
    client = remote(directory)
    if client is not None:
        if fmt == "parquet":
            raise BadInput("a served ledger exports jsonl, csv or days", param="fmt")
        with client:
            text: str | None = client.export(fmt, include_personal)
        if out_file is not None:
            out_file.write_text(text or "")
            text = None
    else:
        text = export_ledger(
            Path(directory),
            fmt=fmt,
            audience=audience,
            include_personal=include_personal,
            out=out_file,
        )
    if text is not None:  # None: written to --out
        sys.stdout.write(text)


@app.command("sync")
def sync_cmd(
    directory: DirArg,
    source: Annotated[
        str,
        typer.Argument(
            help="Another copy of the same ledger: a directory, or a served ledger's URL "
            "(read through its tlog tiles; the token in TRUCE_TOKEN)."
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Pull new entries from another copy; refuse anything inconsistent with ours."""
    client = remote(source)
    if client is not None:
        from truce.app.remote import sync_from_url

        with client:
            res = sync_from_url(directory, source, client.tlog)
    else:
        res = sync_ledger(directory, Path(source))
    if as_json:
        _json(res)
        return
    out.print(f"pulled {res.pulled} entries; head {_head(res.head)}")
    _withheld(res.withheld_from)


def _withheld(seq: int | None) -> None:
    """Say where a copy from a served ledger stops for this token's role, and why."""
    if seq is not None:
        out.print(
            f"stopped before seq {seq}: withheld from this token's role until it is public "
            "(a mediator-only list is public once that day's release is recorded)"
        )


@app.command("clone")
def clone_cmd(
    source: Annotated[
        str,
        typer.Argument(
            help="The ledger directory to copy, or a served ledger's URL (through its tlog "
            "tiles; the token in TRUCE_TOKEN: a role that may not read every entry gets the "
            "log up to the first it may not read)."
        ),
    ],
    dest: Annotated[Path, typer.Argument(help="A new directory for this party's copy.")],
    store: Annotated[
        str, typer.Option("--store", help='"sqlite" or a SQLAlchemy URL for the copy.')
    ] = "sqlite",
    as_json: JsonOpt = False,
) -> None:
    """Make this party's own copy of a ledger (then keep it current with `truce sync`)."""
    client = remote(source)
    if client is not None:
        from truce.app.remote import clone_from_url

        with client:
            files = {
                "terms.toml": client.file("terms.toml"),
                "keys/log.pub": client.file("log.pub"),
            }
            res = clone_from_url(source, client.ledger_id, dest, client.tlog, files, store)
    else:
        res = clone_ledger(Path(source), dest, store)
    if as_json:
        _json(res)
        return
    out.print(f"cloned {res.events} events into {res.directory}; head {_head(res.head)}")
    _withheld(res.withheld_from)


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
    as_json: JsonOpt = False,
) -> None:
    """An online backup (SQLite backup API) that is verified before it is reported."""
    res = backup_ledger(directory, dest)
    if as_json:
        _json(res)
        return
    out.print(f"backup verified: {res.events} events; head {_head(res.head)}")


@keys_app.command("new")
def keys_new(
    party: Annotated[str, typer.Argument(help="The party the key is for.")],
    out_file: Annotated[Path, typer.Option("--out", help="Private key file to create.")],
) -> None:
    """Make an Ed25519 key (PKCS8, mode 0600, encrypted with TRUCE_PASSPHRASE if set)."""
    res = new_key(party, out_file, passphrase())
    out.print(f"{party}: {res.public_key} (key id {res.key_id})")
    out.print(
        f"  private key in {escape(res.private_key_file)}; share only the public key "
        f"({escape(res.public_key_file)})"
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
    pk = _load_key(key)
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
    for p in add_people(directory, file).people:
        out.print(f"{escape(p.where)}: {p.pseudonym}")


@app.command("forget")
def forget_cmd(
    directory: DirArg,
    person: Annotated[str, typer.Argument(help="The person's pseudonym (p-...).")],
) -> None:
    """Erase a person's personal data (destroy their key, vacuum); the log still verifies."""
    res = forget_person(directory, person, now=now())
    out.print(f"forgot {res.person}: key and personal fields destroyed")


def _load_key(key: Path | None) -> Ed25519PrivateKey | None:
    """A party's private key from its file (decrypted with TRUCE_PASSPHRASE), if one is given."""
    return signing.load_private_key(key, passphrase()) if key is not None else None


def _head(head: HeadOut) -> str:
    """A log head in one line: size and base64 root."""
    return f"size {head.size}, root {head.root}"


def _json(res: BaseModel) -> None:
    """Print a result as one line of JSON (what `truce schema NAME` describes)."""
    sys.stdout.write(json.dumps(res.model_dump(mode="json")) + "\n")


def _post_text(url: str, body: str) -> tuple[int, str]:
    """POST a text body (for a C2SP witness); connection failures are StoreError (exit 5)."""
    import httpx

    from truce.errors import StoreError

    try:
        r = httpx.post(
            url, content=body.encode(), headers={"Content-Type": "text/plain"}, timeout=30
        )
    except httpx.HTTPError as exc:
        raise StoreError(f"cannot reach the witness {url}: {exc}") from None
    return r.status_code, r.text


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
