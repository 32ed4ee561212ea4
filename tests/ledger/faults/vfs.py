"""apsw VFS shims over the default VFS: a power-loss recorder and an I/O-error injector.

``PowerLossVFS`` keeps, per file, the image as of its last xSync and the writes/truncates since;
at the cut (the n-th write or sync) it stops the writer and builds "the disk after power loss":
the synced image plus a random subset of the unsynced writes, each kept, dropped or torn at
512-byte granularity. Unlinks are durable at once by default (``durable_unlink``); with
``durable_unlink=False`` an unlink made without a directory sync is undone with probability 1/2
(what a power cut can do to a rollback journal unless synchronous=EXTRA). The -shm file is never
needed (it is rebuilt from the WAL).

``FaultVFS`` fails the k-th write or sync once, or from k on, by raising ``apsw.IOError``
(SQLITE_IOERR to SQLite).
"""

from __future__ import annotations

import itertools
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import apsw

SECTOR = 512
_names = itertools.count()


def _fname(name: Any) -> str | None:
    if name is None:
        return None
    if isinstance(name, apsw.URIFilename):
        return str(name.filename())
    return str(name)


class Cut(apsw.IOError):
    """Raised at the power cut (and on every write/sync after it)."""


@dataclass
class PowerLoss:
    """One trial's recorder: cut at write/sync number ``cut_at`` (None: never)."""

    cut_at: int | None
    rng: random.Random
    ops: int = 0
    dead: bool = False
    shadow: dict[str, bytearray] = field(default_factory=dict)  # what the OS cache holds
    synced: dict[str, bytes] = field(default_factory=dict)  # what is durable
    pending: dict[str, list[tuple[str, int, bytes]]] = field(default_factory=dict)
    after: dict[str, bytes] | None = None  # the disk after the power loss
    durable_unlink: bool = True  # False: an unlink without a directory sync may be undone
    unlinked: dict[str, bytes] = field(default_factory=dict)  # unlinked, directory not synced

    def _tick(self) -> None:
        if self.dead:
            raise Cut("power is off")
        self.ops += 1
        if self.cut_at is not None and self.ops >= self.cut_at:
            self.power_off()
            raise Cut(f"power cut at operation {self.ops}")

    def power_off(self) -> dict[str, bytes]:
        """Freeze the disk: synced images plus a random subset of unsynced writes."""
        if self.after is None:
            self.dead = True
            disk: dict[str, bytes] = {}
            for name in set(self.synced) | set(self.pending):
                base = self.synced.get(name)
                if base is None and self.rng.random() < 0.5:
                    continue  # created, never synced: the directory entry may be gone
                img = bytearray(base or b"")
                for kind, off, data in self.pending.get(name, []):
                    r = self.rng.random()
                    if kind == "trunc":
                        if r < 0.5:
                            del img[off:]
                        continue
                    if r < 1 / 3:
                        continue  # dropped
                    for s in range(0, len(data), SECTOR):
                        if r < 2 / 3 or self.rng.random() < 0.5:  # whole write, or torn
                            chunk = data[s : s + SECTOR]
                            at = off + s
                            if len(img) < at:
                                img.extend(bytes(at - len(img)))
                            img[at : at + len(chunk)] = chunk
                disk[name] = bytes(img)
            for name, img in self.unlinked.items():
                if name not in disk and self.rng.random() < 0.5:
                    disk[name] = img  # the unlink never reached the disk
            self.after = disk
        return self.after

    def write_to(self, directory: Path) -> None:
        """Write the post-power-loss files into ``directory`` (same base names, no -shm)."""
        for name, img in self.power_off().items():
            base = os.path.basename(name)
            if not base.endswith("-shm"):
                (directory / base).write_bytes(img)


class _PLFile(apsw.VFSFile):
    def __init__(self, vfs: PowerLossVFS, name: Any, flags: list[int]) -> None:
        super().__init__("", name, flags)
        self._vfs = vfs
        self._name = _fname(name) or f"<temp {next(_names)}>"
        st = vfs.state
        if self._name not in st.shadow:
            try:
                st.shadow[self._name] = bytearray(Path(self._name).read_bytes())
            except OSError:
                st.shadow[self._name] = bytearray()

    def xWrite(self, data: Any, offset: int) -> None:
        st = self._vfs.state
        st._tick()
        b = bytes(data)
        super().xWrite(b, offset)
        img = st.shadow.setdefault(self._name, bytearray())
        if len(img) < offset:
            img.extend(bytes(offset - len(img)))
        img[offset : offset + len(b)] = b
        st.pending.setdefault(self._name, []).append(("write", offset, b))

    def xTruncate(self, newsize: int) -> None:
        st = self._vfs.state
        if st.dead:
            raise Cut("power is off")
        super().xTruncate(newsize)
        del st.shadow.setdefault(self._name, bytearray())[newsize:]
        st.pending.setdefault(self._name, []).append(("trunc", newsize, b""))

    def xSync(self, flags: int) -> None:
        st = self._vfs.state
        st._tick()  # no real fsync: durability is what this model records, not the host disk
        st.synced[self._name] = bytes(st.shadow.get(self._name, b""))
        st.pending[self._name] = []


class PowerLossVFS(apsw.VFS):
    """The default VFS, recording per file what a power cut would leave on disk."""

    def __init__(self) -> None:
        self.vfsname = f"powerloss{os.getpid()}-{next(_names)}"
        self.state = PowerLoss(None, random.Random(0))
        super().__init__(self.vfsname, "")

    def xOpen(self, name: Any, flags: list[int]) -> apsw.VFSFile:
        return _PLFile(self, name, flags)

    def xDelete(self, filename: str, syncdir: bool) -> None:
        st = self.state
        if st.dead:
            raise Cut("power is off")
        super().xDelete(filename, False)
        synced = st.synced.get(filename)
        for d in (st.shadow, st.synced, st.pending):
            d.pop(filename, None)
        st.unlinked.pop(filename, None)
        if not syncdir and not st.durable_unlink and synced is not None:
            st.unlinked[filename] = synced


@dataclass
class Fault:
    """Fail write/sync number ``k`` (once) or every one from ``k`` (persist); None: no fault."""

    k: int | None = None
    persist: bool = False
    ops: int = 0
    failed: int = 0

    def tick(self, what: str) -> None:
        if self.k is None:
            return
        self.ops += 1
        if self.ops == self.k or (self.persist and self.ops > self.k):
            self.failed += 1
            raise apsw.IOError(f"injected I/O error on {what} (operation {self.ops})")


class _FaultFile(apsw.VFSFile):
    def __init__(self, vfs: FaultVFS, name: Any, flags: list[int]) -> None:
        super().__init__("", name, flags)
        self._vfs = vfs

    def xWrite(self, data: Any, offset: int) -> None:
        self._vfs.fault.tick("write")
        super().xWrite(data, offset)

    def xSync(self, flags: int) -> None:
        self._vfs.fault.tick("sync")  # then no real fsync: the test never cuts the power


class FaultVFS(apsw.VFS):
    """The default VFS with an I/O error injected at the k-th write or sync."""

    def __init__(self) -> None:
        self.vfsname = f"ioerr{os.getpid()}-{next(_names)}"
        self.fault = Fault()
        super().__init__(self.vfsname, "")

    def xOpen(self, name: Any, flags: list[int]) -> apsw.VFSFile:
        return _FaultFile(self, name, flags)
