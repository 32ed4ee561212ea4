"""The documentation's examples, run as tests: a wrong number in a doc fails here.

Every fenced code block in docs/*.md and README.md is checked according to its info string
(the words after the opening backticks):

- ``toml``: a terms file. A block with the three required tables (``[agreement]``,
  ``[parties]``, ``[exchange]``) is a whole file; any other block is a fragment laid over examples/gaza-2023/terms.toml (each table merged key by key, arrays
  such as ``[[category]]`` replaced). Either way it must validate with truce.terms.parse_terms.
- ``toml bad``: the same, but it must be refused; the next block (``text``) holds the message as
  the CLI prints it, ``error: terms.toml: ...``, compared exactly.
- ``jsonl``: every non-blank line must parse as an event (truce.ledger.load.parse_event).
  ``jsonl bad``: the first line that does not parse gives the message in the next ``text`` block
  (``error: ledger.jsonl:<line>: ...``).
- ``console``: each ``$ truce ...`` line is run with the virtualenv's truce; the lines after it,
  up to the next ``$`` line, are its expected output (stdout, then stderr). Output that starts
  with ``{`` is JSON: the keys shown must be present with the values shown (other keys are
  ignored; a list must match element by element, where a ``"..."`` element stands for any run
  of elements). Other output is compared line by line, exactly, except that a line ``...``
  stands for any run of lines and ``...`` inside a line for any text. ``$ echo $?`` prints the
  exit status of the command before it; without it, that command must exit with status 0.
  Commands run in a working directory that mirrors the repository root (each top-level entry
  linked), so ``examples/...`` paths work as from the root.
- ``python``: executed from the repository root.
- ``name=FILE``: the block is also written as FILE into that working directory, for the
  document's console blocks to use.
- ``file=PATH``: the block must appear verbatim in PATH (relative to the repository root).

Other blocks (``sh``, ``text`` on its own, ...) are not checked.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, truce_exe
from truce.errors import LedgerError, TermsError
from truce.ledger.load import parse_event
from truce.terms import load_terms, parse_terms

DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
BASE_TERMS = ROOT / "examples" / "gaza-2023" / "terms.toml"
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,})(?P<info>[^`]*)$")


@dataclass
class Block:
    """One fenced code block: where it is, its info string split up, and its text."""

    doc: Path
    line: int  # 1-based line of the opening fence
    lang: str
    flags: set[str] = field(default_factory=set)
    attrs: dict[str, str] = field(default_factory=dict)
    text: str = ""

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def parse_blocks(doc: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file, de-indented to their fence."""
    blocks: list[Block] = []
    lines = doc.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, ticks = m.group("indent"), m.group("ticks")
        words = m.group("info").split()
        block = Block(doc, i + 1, words[0] if words else "")
        for word in words[1:]:
            key, eq, value = word.partition("=")
            if eq:
                block.attrs[key] = value
            else:
                block.flags.add(word)
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != ticks:
            line = lines[i]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            i += 1
        if i >= len(lines):
            raise AssertionError(f"{block.where}: code block is not closed")
        block.text = "\n".join(body) + "\n"
        blocks.append(block)
        i += 1
    return blocks


ALL: dict[Path, list[Block]] = {d: parse_blocks(d) for d in DOCS if d.exists()}


def blocks_of(lang: str, *, bad: bool | None = None) -> list[Any]:
    """pytest params for the blocks of one language (optionally only bad / only good ones)."""
    out = []
    for blocks in ALL.values():
        for b in blocks:
            if b.lang == lang and (bad is None or ("bad" in b.flags) == bad):
                out.append(pytest.param(b, id=b.where))
    return out


def following_text(block: Block) -> str:
    """The expected message of a ``bad`` block: the ``text`` block right after it."""
    blocks = ALL[block.doc]
    nxt = blocks[blocks.index(block) + 1] if blocks.index(block) + 1 < len(blocks) else None
    assert nxt is not None and nxt.lang == "text", (
        f"{block.where}: a '{block.lang} bad' block must be followed by a ```text block "
        "with the expected message"
    )
    return nxt.text.strip()


# --- terms (TOML) -----------------------------------------------------------------------------


def terms_data(block: Block) -> dict[str, Any]:
    """The terms a block stands for: a whole file, or a fragment over the 2023 terms."""
    data = tomllib.loads(block.text)
    if {"agreement", "parties", "exchange"} <= data.keys():
        return data
    merged = tomllib.loads(BASE_TERMS.read_text(encoding="utf-8"))
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


@pytest.mark.parametrize("block", blocks_of("toml", bad=False))
def test_toml_block_is_valid_terms(block: Block) -> None:
    try:
        parse_terms(terms_data(block), where=block.where)
    except (TermsError, tomllib.TOMLDecodeError) as exc:
        pytest.fail(f"{block.where}: the terms in this block are refused: {exc}")


@pytest.mark.parametrize("block", blocks_of("toml", bad=True))
def test_toml_bad_block_is_refused_with_the_message_shown(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = following_text(block)
    with pytest.raises(TermsError) as caught:
        try:
            data = terms_data(block)
        except tomllib.TOMLDecodeError:
            # Not TOML at all: read it as a file, as `truce validate terms.toml` would.
            monkeypatch.chdir(tmp_path)
            Path("terms.toml").write_text(block.text, encoding="utf-8")
            load_terms("terms.toml")
        else:
            parse_terms(data, where="terms.toml")
    assert f"error: {caught.value}" == expected, block.where


# --- events (JSON Lines) ----------------------------------------------------------------------


@pytest.mark.parametrize("block", blocks_of("jsonl", bad=False))
def test_jsonl_block_lines_are_events(block: Block) -> None:
    lines = block.text.splitlines()
    assert any(line.strip() for line in lines), f"{block.where}: empty block"
    for n, line in enumerate(lines, start=1):
        if line.strip():
            parse_event(json.loads(line), where=f"{block.where} line {n}")


@pytest.mark.parametrize("block", blocks_of("jsonl", bad=True))
def test_jsonl_bad_block_is_refused_with_the_message_shown(block: Block) -> None:
    expected = following_text(block)
    with pytest.raises(LedgerError) as caught:
        for n, line in enumerate(block.text.splitlines(), start=1):
            if line.strip():
                parse_event(json.loads(line), where=f"ledger.jsonl:{n}")
    assert f"error: {caught.value}" == expected, block.where


# --- excerpts of files ------------------------------------------------------------------------


def _with_file_attr() -> list[Any]:
    return [pytest.param(b, id=b.where) for bs in ALL.values() for b in bs if "file" in b.attrs]


@pytest.mark.parametrize("block", _with_file_attr())
def test_excerpt_matches_the_file(block: Block) -> None:
    text = (ROOT / block.attrs["file"]).read_text(encoding="utf-8")
    assert block.text in text, (
        f"{block.where}: this block is not (or no longer) in {block.attrs['file']}"
    )


# --- console sessions -------------------------------------------------------------------------


def json_mismatch(expected: Any, actual: Any, path: str = "$") -> str | None:
    """The first place where ``actual`` does not show what ``expected`` shows, or None."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected an object, got {actual!r}"
        for key, value in expected.items():
            if key not in actual:
                return f"{path}.{key}: missing"
            problem = json_mismatch(value, actual[key], f"{path}.{key}")
            if problem:
                return problem
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{path}: expected a list, got {actual!r}"
        if "..." in expected:
            if _list_match(expected, actual):
                return None
            return f"{path}: no run of elements matches {expected!r}; got {actual!r}"
        if len(expected) != len(actual):
            return f"{path}: expected {len(expected)} elements, got {len(actual)}: {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            problem = json_mismatch(e, a, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if isinstance(expected, bool) or isinstance(actual, bool):
        same = type(expected) is type(actual) and expected == actual
    else:
        same = type(expected) is type(actual) or (
            isinstance(expected, int | float) and isinstance(actual, int | float)
        )
        same = same and expected == actual
    return None if same else f"{path}: expected {expected!r}, got {actual!r}"


def _list_match(expected: list[Any], actual: list[Any]) -> bool:
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(_list_match(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return (
        bool(actual)
        and json_mismatch(expected[0], actual[0]) is None
        and _list_match(expected[1:], actual[1:])
    )


def _line_match(expected: str, actual: str) -> bool:
    if "..." not in expected:
        return expected == actual
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def lines_match(expected: list[str], actual: list[str]) -> bool:
    """Line-by-line match; a line ``...`` stands for any run of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(lines_match(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return (
        bool(actual)
        and _line_match(expected[0], actual[0])
        and lines_match(expected[1:], actual[1:])
    )


def _trim(lines: list[str]) -> list[str]:
    out = [line.rstrip() for line in lines]
    while out and not out[-1]:
        out.pop()
    return out


def console_steps(block: Block) -> Iterator[tuple[str, list[str]]]:
    """(command, expected output lines) for each ``$`` line of a console block."""
    command: str | None = None
    expected: list[str] = []
    lines = iter(block.text.splitlines())
    for line in lines:
        if line.startswith("$ "):
            if command is not None:
                yield command, expected
            command, expected = line[2:], []
            while command.endswith("\\"):
                command = command[:-1] + next(lines).strip()
        else:
            assert command is not None, f"{block.where}: output before the first '$' line"
            expected.append(line)
    if command is not None:
        yield command, expected


def workdir(doc: Path, tmp_path: Path) -> Path:
    """A directory that mirrors the repository root, plus the document's ``name=`` blocks."""
    for entry in ROOT.iterdir():
        (tmp_path / entry.name).symlink_to(entry)
    for b in ALL[doc]:
        name = b.attrs.get("name")
        if name:
            target = tmp_path / name
            assert not target.exists(), f"{b.where}: name={name} clashes with a file in the root"
            target.write_text(b.text, encoding="utf-8")
    return tmp_path


def run_console(block: Block, cwd: Path) -> None:
    """Run a console block's commands and compare each output with the one shown."""
    env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "160"}
    env.pop("TRUCE_DEBUG", None)
    steps = list(console_steps(block))
    assert steps, f"{block.where}: no '$' command in this console block"
    last_rc: int | None = None
    for n, (command, expected) in enumerate(steps):
        if command.strip() == "echo $?":
            assert last_rc is not None, f"{block.where}: 'echo $?' before any command"
            stdout, stderr = f"{last_rc}\n", ""
        else:
            argv = shlex.split(command)
            assert argv[0] == "truce", f"{block.where}: only truce commands run here: {command}"
            proc = subprocess.run(
                [truce_exe(), *argv[1:]],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            stdout, stderr, last_rc = proc.stdout, proc.stderr, proc.returncode
            checks_status = n + 1 < len(steps) and steps[n + 1][0].strip() == "echo $?"
            assert checks_status or proc.returncode == 0, (
                f"{block.where}: `{command}` exited {proc.returncode}:\n{stderr}"
            )
        want = _trim(expected)
        if want and want[0].lstrip().startswith("{"):
            try:
                shown = json.loads("\n".join(want))
            except json.JSONDecodeError as exc:
                raise AssertionError(f"{block.where}: expected output is not JSON: {exc}") from None
            problem = json_mismatch(shown, json.loads(stdout))
            assert problem is None, f"{block.where}: `{command}`: {problem}"
        else:
            got = _trim((stdout + stderr).splitlines())
            assert lines_match(want, got), (
                f"{block.where}: `{command}` printed:\n"
                + "\n".join(got)
                + "\n--- but the doc shows:\n"
                + "\n".join(want)
            )


@pytest.mark.parametrize("block", blocks_of("console"))
def test_console_block_output_is_as_shown(block: Block, tmp_path: Path) -> None:
    run_console(block, workdir(block.doc, tmp_path))


# --- Python -----------------------------------------------------------------------------------


@pytest.mark.parametrize("block", blocks_of("python"))
def test_python_block_runs(block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(block.text, block.where, "exec"), {"__name__": "docs_example"})


# --- the checks themselves can fail -----------------------------------------------------------


@pytest.mark.parametrize("name", ["terms.md", "ledger.md", "semantics.md"])
def test_each_doc_exists_and_has_runnable_examples(name: str) -> None:
    doc = ROOT / "docs" / name
    assert doc in ALL, f"docs/{name} is missing"
    assert any(b.lang == "console" for b in ALL[doc]), f"docs/{name} has no console example"


def _first_console_with_json_number(doc: Path) -> Block:
    for b in ALL[doc]:
        if b.lang == "console" and re.search(r'": \d', b.text):
            return b
    raise AssertionError(f"{doc}: no console block with a JSON number")


@pytest.mark.parametrize("name", ["ledger.md", "semantics.md"])
def test_a_wrong_number_in_a_doc_fails(name: str, tmp_path: Path) -> None:
    """Change one number in a real example: the comparison must then fail."""
    block = _first_console_with_json_number(ROOT / "docs" / name)
    m = re.search(r'": (\d+)', block.text)
    assert m is not None
    wrong = str(int(m.group(1)) + 1)
    doctored = Block(
        block.doc,
        block.line,
        block.lang,
        block.flags,
        block.attrs,
        block.text[: m.start(1)] + wrong + block.text[m.end(1) :],
    )
    with pytest.raises(AssertionError):
        run_console(doctored, workdir(block.doc, tmp_path))


def test_comparisons_catch_differences() -> None:
    assert json_mismatch({"a": 1, "b": [1, 2]}, {"a": 1, "b": [1, 2], "c": 3}) is None
    assert json_mismatch({"a": 1}, {"a": 2}) == "$.a: expected 1, got 2"
    assert json_mismatch({"a": 4.5}, {"a": 4.5}) is None
    assert json_mismatch({"a": True}, {"a": 1}) is not None
    assert json_mismatch({"a": 1}, {"a": "1"}) is not None
    assert json_mismatch([1, 2], [1, 2, 3]) is not None
    assert json_mismatch(["...", {"d": 5}, "..."], [{"d": 4}, {"d": 5, "x": 0}]) is None
    assert json_mismatch(["...", {"d": 5}, "..."], [{"d": 4}, {"d": 6}]) is not None
    assert lines_match(["a", "...", "z"], ["a", "b", "c", "z"])
    assert lines_match(["digest ..."], ["digest 7a16d504"])
    assert not lines_match(["80 counted"], ["81 counted"])
    assert not lines_match(["a"], ["a", "b"])
