"""Bad input gets a clear, one-paragraph error and changes nothing.

The standard (for every fixture in tests/fixtures/bad/): the CLI exits with status 2, prints
nothing on stdout, prints one paragraph on stderr that names the file (and line or key path)
and says what was wrong and what was expected, and never shows a traceback. The Python API
raises the matching exception class from truce.errors with the same message.

Each fixture is a small variation of a valid example with one thing broken; the first line
of every terms fixture says what. JSONL fixtures are variations of ``base-ledger.jsonl`` (a
valid five-event ledger for examples/gaza-2023/terms.toml); ``days-*.csv`` fixtures are
variations of examples/synthetic-london/days.csv.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

import truce
from truce.cli.common import flag
from truce.engine.decide import Proposal
from truce.errors import BadInput, LedgerError, ProposalError, TermsError
from truce.events import Captive
from truce.history import History
from truce.ledger.load import load_events_jsonl

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "fixtures" / "bad"
GAZA_TERMS = ROOT / "examples" / "gaza-2023" / "terms.toml"
GAZA_LEDGER = ROOT / "examples" / "gaza-2023" / "ledger.jsonl"
LONDON_TERMS = ROOT / "examples" / "synthetic-london" / "terms.toml"
BASE_LEDGER = BAD / "base-ledger.jsonl"


def _truce_exe() -> str:
    """The installed console script next to this interpreter (python -m truce is not relied on)."""
    local = Path(sys.executable).parent / "truce"
    if local.exists():
        return str(local)
    found = shutil.which("truce")
    if found is None:  # pragma: no cover - environment problem, not a truce bug
        pytest.fail("the `truce` console script is not installed next to the interpreter")
    return found


TRUCE = _truce_exe()


def _line_of(path: Path, needle: str) -> int:
    """1-based number of the first line of ``path`` containing ``needle``."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


@dataclass(frozen=True)
class Case:
    """One kind of bad input.

    ``where``: fragments that locate the error (file:line, key path, option name).
    ``expect``: fragments that say what was wrong and what was expected.
    ``forbid``: fragments that must not appear (raw dumps, parser internals).
    ``api``: the same input through the Python API, which must raise ``error``.
    """

    id: str
    args: tuple[str, ...]
    where: tuple[str, ...]
    expect: tuple[str, ...]
    fixture: str | None = None
    forbid: tuple[str, ...] = ()
    error: type[BadInput] = BadInput
    api: Callable[[], object] | None = None
    api_expect: tuple[str, ...] | None = None  # default: where + expect
    usage: bool = False  # a command-line usage error (Click-style help output is acceptable)


def _terms(name: str, where: tuple[str, ...], expect: tuple[str, ...], **kw: object) -> Case:
    path = BAD / name
    return Case(
        id=name,
        args=("validate", str(path)),
        where=where,
        expect=expect,
        fixture=name,
        error=TermsError,
        api=lambda: truce.load_terms(path),
        **kw,  # type: ignore[arg-type]
    )


def _ledger(
    name: str, terms: Path, where: tuple[str, ...], expect: tuple[str, ...], **kw: object
) -> Case:
    path = BAD / name
    return Case(
        id=name,
        args=("status", str(path), "--terms", str(terms)),
        where=where,
        expect=expect,
        fixture=name,
        error=LedgerError,
        # Some inconsistencies are found while loading, others while replaying: either is fine,
        # as long as asking for the status of a bad ledger raises LedgerError.
        api=lambda: truce.status(*truce.load(terms, path)),
        **kw,  # type: ignore[arg-type]
    )


def _gaza_at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=truce.load_terms(GAZA_TERMS).agreement.zone)


def _check_api(proposal: Callable[[], Proposal], at: str = "2023-11-29T12:00") -> object:
    terms, history = truce.load(GAZA_TERMS, GAZA_LEDGER)
    return truce.check(terms, history, proposal(), at=_gaza_at(at))


CHECK = ("check", str(GAZA_LEDGER), "--terms", str(GAZA_TERMS))

CASES: list[Case] = [
    # --- terms ---------------------------------------------------------------------------------
    _terms(
        "terms-unknown-key.toml",
        ("extension.captives_per_dya",),
        ("unknown key", "expected one of", "captives_per_day"),
    ),
    _terms(
        "terms-wrong-type.toml",
        ("extension.captives_per_day",),
        ("expected a whole number", "'ten'"),
    ),
    _terms("terms-negative.toml", ("initial.captives",), ("must be >= 0", "-50")),
    _terms(
        "terms-unknown-zone.toml",
        ("agreement.timezone",),
        ("unknown time zone", "'Asia/Jerusalam'", "IANA"),
    ),
    _terms(
        "terms-dst-gap.toml",
        ("agreement", "start"),
        ("2025-03-30T01:30", "Europe/London", "daylight-saving gap"),
    ),
    _terms(
        "terms-syntax.toml",
        (f"line {_line_of(BAD / 'terms-syntax.toml', 'captives_per_day 10')}, column 18",),
        ("not valid TOML", "expected '='"),
        forbid=("TOMLDecodeError", "(at line"),
    ),
    _terms(
        "terms-float-body-weight.toml",
        ("extension.body_weight",),
        ("as a string", "exact", '"1/2"'),
    ),
    _terms(
        "terms-reference-not-party.toml",
        ("parties", "reference"),
        ("'un'", "not one of the parties", "qatar"),
    ),
    _terms("terms-duplicate-category.toml", ("category",), ("unique", "women")),
    _terms("terms-start-offset.toml", ("agreement.start",), ("without a UTC offset",)),
    _terms(
        "terms-bad-choice.toml", ("initial.shortfall",), ("expected 'finding' or 'debt'", "'loan'")
    ),
    _terms(
        "terms-missing-table.toml",
        ("agreement.start",),
        # The message is printed through Rich: "[initial]" must not be eaten as a markup tag.
        ("needs [initial] and [extension] tables",),
    ),
    _terms("terms-bad-slug.toml", ("parties.holder.id",), ("'Hamas Movement'", "not a valid id")),
    # --- events ledger (JSON Lines) ------------------------------------------------------------
    _ledger(
        "ledger-invalid-json.jsonl",
        GAZA_TERMS,
        ("ledger-invalid-json.jsonl:4",),
        ("not valid JSON", "column"),
    ),
    _ledger(
        "ledger-unknown-type.jsonl",
        GAZA_TERMS,
        ("ledger-unknown-type.jsonl:4",),
        (
            "unknown event type 'captive_released'",
            "expected one of",
            "captives_released, credit_granted",
        ),
        # Not the whole event echoed back as a Python dict, and no "(top level)" pseudo-path.
        forbid=("'recorded_by'", "(top level)"),
    ),
    _ledger(
        "ledger-unknown-field.jsonl",
        GAZA_TERMS,
        ("ledger-unknown-field.jsonl:4", "captivs"),
        ("unknown key", "expected one of", "captives"),
    ),
    _ledger(
        "ledger-missing-field.jsonl",
        GAZA_TERMS,
        ("ledger-missing-field.jsonl:4",),
        ("at: required key is missing",),
    ),
    _ledger(
        "ledger-naive-at.jsonl",
        GAZA_TERMS,
        ("ledger-naive-at.jsonl:4",),
        ("at: expected a date and time with a UTC offset", "'2023-11-25T23:30'"),
    ),
    _ledger(
        "ledger-duplicate-id.jsonl",
        GAZA_TERMS,
        # The line of the repeated id (4), not the line of its first use (2).
        ("ledger-duplicate-id.jsonl:4",),
        ("'d1-release'", "used twice"),
    ),
    _ledger(
        "ledger-supersedes-missing.jsonl",
        GAZA_TERMS,
        ("ledger-supersedes-missing.jsonl:4",),
        ("supersedes", "'d1-relase'", "not in the ledger"),
    ),
    _ledger(
        "ledger-declared-by-unknown.jsonl",
        GAZA_TERMS,
        ("ledger-declared-by-unknown.jsonl:4",),
        ("declared_by 'hamas-office'", "not a party", "expected one of", "qatar"),
    ),
    _ledger(
        "ledger-credit-exceeds.jsonl",
        GAZA_TERMS,
        ("ledger-credit-exceeds.jsonl:5", "d4-credit"),
        ("credits 2", "only 1", "creditable"),
    ),
    _ledger(
        "ledger-release-before-start.jsonl",
        GAZA_TERMS,
        ("ledger-release-before-start.jsonl:2", "d1-release"),
        ("precedes the pause start",),
    ),
    _ledger(
        "ledger-released-twice.jsonl",
        GAZA_TERMS,
        ("ledger-released-twice.jsonl:4",),
        ("'g23-c001'", "released again"),
    ),
    # --- day-summary CSV -----------------------------------------------------------------------
    _ledger(
        "days-unknown-column.csv",
        LONDON_TERMS,
        ("days-unknown-column.csv", "line 1"),
        ("unknown column(s) aid_truck", "expected date, live_released"),
    ),
    _ledger(
        "days-missing-column.csv",
        LONDON_TERMS,
        ("days-missing-column.csv", "line 1"),
        ("missing column(s) credited",),
    ),
    _ledger(
        "days-non-integer.csv",
        LONDON_TERMS,
        ("days-non-integer.csv:3", "live_released"),
        ("expected a whole number", "'four'"),
    ),
    _ledger(
        "days-negative.csv",
        LONDON_TERMS,
        ("days-negative.csv:4", "live_released"),
        ("must be >= 0", "-5"),
    ),
    _ledger(
        "days-out-of-order.csv",
        LONDON_TERMS,
        ("days-out-of-order.csv:4",),
        ("2025-03-28", "not after the previous row's date", "2025-03-29"),
    ),
    _ledger(
        "days-before-start.csv",
        LONDON_TERMS,
        ("days-before-start.csv:2",),
        ("2025-03-26", "before the pause starts", "2025-03-27"),
    ),
    _ledger(
        "days-bad-date.csv",
        LONDON_TERMS,
        ("days-bad-date.csv:3", "column date"),
        ("expected a date like", "'28/03/2025'"),
    ),
    # --- proposals -----------------------------------------------------------------------------
    Case(
        id="check-credit-exceeds-creditable",
        args=(*CHECK, "--at", "2023-11-29T12:00", "--live", "8", "--credit", "5"),
        where=("--credit",),
        expect=("a credit of 5 is more than the 1 creditable",),
        error=ProposalError,
        api=lambda: _check_api(lambda: Proposal(live=8, credit=5)),
    ),
    Case(
        id="check-live-and-list",
        args=(*CHECK, "--live", "8", "--list", str(BAD / "list-bad-status.csv")),
        where=("--live", "--list"),
        expect=("give either",),
        error=ProposalError,
        # The API twin: counts and a list of captives in one proposal are just as ambiguous.
        api=lambda: _check_api(
            lambda: Proposal(live=8, captives=(Captive(id="g23-c041", category="women"),))
        ),
        api_expect=("live", "captives"),
    ),
    Case(
        id="check-bad-at",
        args=(*CHECK, "--at", "yesterday", "--live", "8"),
        where=("--at",),
        expect=("expected a date and time", "'yesterday'"),
    ),
    Case(
        id="check-bad-as-of",
        args=(*CHECK, "--as-of", "2023-13-01", "--live", "8"),
        where=("--as-of",),
        expect=("expected a date and time", "'2023-13-01'"),
    ),
    Case(
        id="check-negative-live",
        args=(*CHECK, "--at", "2023-11-29T12:00", "--live", "-1"),
        where=("--live",),
        expect=("must be >= 0", "-1"),
        error=ProposalError,
        api=lambda: _check_api(lambda: Proposal(live=-1)),
    ),
    Case(
        id="list-bad-status.csv",
        args=(*CHECK, "--at", "2023-11-29T12:00", "--list", str(BAD / "list-bad-status.csv")),
        where=("list-bad-status.csv:3", "status"),
        expect=("expected 'live' or 'body'", "'alive'"),
        fixture="list-bad-status.csv",
        error=ProposalError,
        api=lambda: truce.load_list(BAD / "list-bad-status.csv"),
    ),
    Case(
        id="list-no-header.csv",
        args=(*CHECK, "--at", "2023-11-29T12:00", "--list", str(BAD / "list-no-header.csv")),
        where=("list-no-header.csv", "line 1"),
        expect=("expected a header with columns id,category",),
        fixture="list-no-header.csv",
        error=ProposalError,
        api=lambda: truce.load_list(BAD / "list-no-header.csv"),
    ),
    # --- command-line usage --------------------------------------------------------------------
    Case(
        id="check-live-not-a-number",
        args=(*CHECK, "--live", "ten"),
        where=("--live",),
        expect=("invalid value", "integer"),
        usage=True,
    ),
    Case(
        id="status-missing-terms-option",
        args=("status", str(GAZA_LEDGER)),
        where=("ledger.jsonl", "--terms"),
        expect=("needs a terms file",),
    ),
]

API_CASES = [c for c in CASES if c.api is not None]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(args: tuple[str, ...], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TRUCE_DEBUG"}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [TRUCE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _assert_message(text: str, case: Case, fragments: tuple[str, ...]) -> None:
    low = text.lower()
    for frag in fragments:
        assert frag.lower() in low, f"expected {frag!r} in the message:\n{text}"
    for frag in case.forbid:
        assert frag not in text, f"{frag!r} should not be in the message:\n{text}"


def test_fixture_set_is_complete() -> None:
    """Every fixture on disk is exercised, and every case's fixture exists."""
    on_disk = {p.name for p in BAD.iterdir() if p.name != BASE_LEDGER.name}
    used = {c.fixture for c in CASES if c.fixture}
    assert used == on_disk
    assert len(on_disk) >= 20


def test_base_ledger_is_valid() -> None:
    """The JSONL fixtures break one thing each in an otherwise valid ledger."""
    terms, history = truce.load(GAZA_TERMS, BASE_LEDGER)
    state = truce.status(terms, history)
    assert len(history) == 5
    assert state.days[0].live == 3


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cli_rejects_bad_input(case: Case, tmp_path: Path) -> None:
    before = _digest(BAD / case.fixture) if case.fixture else None
    proc = _run(case.args, tmp_path)
    err = proc.stderr
    assert "Traceback" not in err, err
    assert "internal error" not in err.lower(), err
    assert proc.returncode == 2, f"exit status {proc.returncode}, expected 2:\n{err}"
    assert proc.stdout == "", proc.stdout
    if not case.usage:
        assert "\n\n" not in err.strip(), f"expected one paragraph:\n{err}"
    if case.fixture:
        assert case.fixture in err, f"the message should name {case.fixture}:\n{err}"
    _assert_message(err, case, case.where + case.expect)
    # Nothing changed: the input is intact and nothing was written where the command ran.
    if case.fixture:
        assert _digest(BAD / case.fixture) == before
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", API_CASES, ids=[c.id for c in API_CASES])
def test_api_raises_bad_input(case: Case) -> None:
    assert case.api is not None
    with pytest.raises(case.error) as info:
        case.api()
    flags = tuple(w for w in case.where if w.startswith("--"))
    places = tuple(w for w in case.where if not w.startswith("--"))
    fragments = case.api_expect if case.api_expect is not None else places + case.expect
    _assert_message(str(info.value), case, fragments)
    assert info.value.exit_code == 2
    # The library names its parameter, never a flag; the CLI renders the parameter as the flag.
    assert "--" not in str(info.value), str(info.value)
    if flags and case.api_expect is None:
        assert isinstance(info.value, BadInput) and info.value.param is not None
        assert flag(info.value.param) in flags, (info.value.param, flags)


def test_cli_keeps_brackets_in_file_names(tmp_path: Path) -> None:
    """File names and messages are printed literally, not as Rich markup."""
    bad = tmp_path / "terms [draft].toml"
    shutil.copy(BAD / "terms-negative.toml", bad)
    proc = _run(("validate", str(bad)), tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "terms [draft].toml" in proc.stderr, proc.stderr
    assert "initial.captives: must be >= 0" in proc.stderr


def test_api_naive_at_is_not_host_local_time() -> None:
    """A time without a UTC offset is bad input, or means the agreement's zone as in the CLI;
    it must never silently mean the host's local time zone."""
    terms, history = truce.load(GAZA_TERMS, GAZA_LEDGER)
    naive = datetime(2023, 11, 30, 6, 0)  # 06:00 in Jerusalem is day 6; 06:00 UTC is day 7
    aware = naive.replace(tzinfo=terms.agreement.zone)
    expected = truce.check(terms, history, Proposal(live=10), at=aware)
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        try:
            got = truce.check(terms, history, Proposal(live=10), at=naive)
        except BadInput as exc:
            assert "offset" in str(exc) or "time zone" in str(exc), str(exc)
            return
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()
    assert (got.for_day, got.for_date) == (expected.for_day, expected.for_date)


# --- "changes nothing": History.extend is all-or-nothing ----------------------------------------


def _base_history() -> History:
    return load_events_jsonl(BASE_LEDGER, truce.load_terms(GAZA_TERMS))


def _snapshot(h: History) -> list[tuple[int, str, str]]:
    return [(e.seq, e.event.id, e.ref) for e in h]


def test_extend_with_duplicate_id_adds_nothing() -> None:
    h = _base_history()
    before = _snapshot(h)
    extra = h.entries[-1].event.model_copy(update={"id": "d3-prisoners"})
    clash = h.entries[1].event  # "d1-release" is already in the history
    with pytest.raises(LedgerError, match="used twice"):
        h.extend([extra, clash])
    assert len(h) == 5
    assert _snapshot(h) == before
    assert h.get("d3-prisoners") is None
    # The rejected batch left nothing staged: the good event alone can still be added.
    h.extend([extra])
    assert len(h) == 6
    assert h.get("d3-prisoners") is not None


def test_extend_with_duplicate_inside_batch_adds_nothing() -> None:
    h = _base_history()
    before = _snapshot(h)
    a = h.entries[-1].event.model_copy(update={"id": "d3-a"})
    with pytest.raises(LedgerError, match="used twice"):
        h.extend([a, a])
    assert _snapshot(h) == before
    assert h.get("d3-a") is None


def test_extend_with_dangling_reference_adds_nothing() -> None:
    h = _base_history()
    before = _snapshot(h)
    good = h.entries[-1].event.model_copy(update={"id": "d3-prisoners"})
    dangling = h.entries[-1].event.model_copy(
        update={"id": "d3-fix", "supersedes": "no-such-event"}
    )
    with pytest.raises(LedgerError, match="not in the ledger"):
        h.extend([good, dangling])
    assert _snapshot(h) == before
    assert h.get("d3-prisoners") is None
    assert h.get("d3-fix") is None


def test_failed_load_does_not_disturb_a_later_good_load() -> None:
    """A rejected ledger leaves no state behind (no module-level caches keep half a ledger)."""
    terms = truce.load_terms(GAZA_TERMS)
    with pytest.raises(LedgerError):
        load_events_jsonl(BAD / "ledger-duplicate-id.jsonl", terms)
    assert len(load_events_jsonl(BASE_LEDGER, terms)) == 5
