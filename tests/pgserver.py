"""A throwaway PostgreSQL server on loopback for the tests: initdb, start, wait, kill, stop.

The server binaries come from ``/usr/lib/postgresql/*/bin`` (``scripts/ensure-postgres``
installs them). PostgreSQL refuses to run as root, so when the tests run as root the data
directory belongs to the ``postgres`` OS user and every server command runs through
``runuser -u postgres --``.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

SERVER_USER = "postgres"
DB_NAME = "truce"


def bin_dir() -> Path:
    """The newest installed PostgreSQL server's bin directory, or a clear error."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name.split(".")[0]),
    )
    if not found:
        raise RuntimeError(
            "no PostgreSQL server found (/usr/lib/postgresql/*/bin/initdb): run "
            "scripts/ensure-postgres (apt-get install postgresql) or set TRUCE_PG_URL"
        )
    return Path(found[-1]).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 only."""

    def __init__(self, base: Path | None = None) -> None:
        self.base = Path(base or tempfile.mkdtemp(prefix="truce-pg-"))
        self.data = self.base / "data"
        self.sock = self.base / "sock"
        self.log = self.base / "server.log"
        self.port = free_port()
        self.bin = bin_dir()
        self.as_root = os.geteuid() == 0
        self.user = SERVER_USER if self.as_root else None
        self._proc: subprocess.Popen[bytes] | None = None

    # -- helpers ---------------------------------------------------------------------------

    def _cmd(self, *args: str) -> list[str]:
        """A server command line, run as the postgres user when we are root."""
        cmd = [str(self.bin / args[0]), *args[1:]]
        return ["runuser", "-u", SERVER_USER, "--", *cmd] if self.as_root else cmd

    def _run(self, *args: str) -> None:
        """Run a server tool to completion; raise with its output if it fails."""
        res = subprocess.run(
            self._cmd(*args), cwd=self.base, capture_output=True, text=True, timeout=120
        )
        if res.returncode != 0:
            raise RuntimeError(
                f"{args[0]} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}\n"
                f"{self.log_tail()}"
            )

    def log_tail(self, n: int = 30) -> str:
        """The last lines of the server log, for error messages."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        return "server log:\n" + "\n".join(lines[-n:])

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the test database."""
        return f"postgresql+psycopg://{SERVER_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    def connect(self, dbname: str = DB_NAME) -> psycopg.Connection[tuple[object, ...]]:
        """A plain psycopg connection (autocommit) to the server."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SERVER_USER,
            dbname=dbname,
            autocommit=True,
            connect_timeout=5,
        )

    # -- lifecycle -------------------------------------------------------------------------

    def init(self) -> None:
        """Create the cluster (trust auth: a loopback-only test server) and its database dir."""
        self.sock.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.base, SERVER_USER, SERVER_USER)
            shutil.chown(self.sock, SERVER_USER, SERVER_USER)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SERVER_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        )

    def start(self, timeout: float = 60.0) -> None:
        """Start the server in the background and wait until it accepts connections."""
        with open(self.log, "ab") as log:
            self._proc = subprocess.Popen(
                self._cmd(
                    "postgres",
                    "-D",
                    str(self.data),
                    "-k",
                    str(self.sock),
                    "-p",
                    str(self.port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "fsync=on",
                    "-c",
                    "synchronous_commit=on",
                ),
                cwd=self.base,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"postgres exited with {self._proc.returncode} while starting\n{self.log_tail()}"
                )
            try:
                with self.connect("postgres"):
                    return
            except psycopg.OperationalError as exc:
                last = exc
                time.sleep(0.1)
        raise RuntimeError(
            f"postgres did not accept connections on 127.0.0.1:{self.port} within {timeout:.0f} s "
            f"(last error: {last})\n{self.log_tail()}"
        )

    def create_db(self, name: str = DB_NAME) -> None:
        """Create a database (owner: the server user)."""
        with self.connect("postgres") as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]

    def postmaster_pid(self) -> int:
        """The running postmaster's process id (first line of postmaster.pid)."""
        out = (self.data / "postmaster.pid").read_text().splitlines()[0]
        return int(out.strip())

    def kill(self) -> None:
        """SIGKILL the postmaster (an immediate crash); its backends exit on their own."""
        pid = self.postmaster_pid()
        os.kill(pid, signal.SIGKILL)
        if self._proc is not None:
            self._proc.wait(timeout=30)
            self._proc = None
        # Backends notice the dead postmaster and exit; wait until the port is free again.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        # Backend processes may outlive the postmaster briefly; the new postmaster's start
        # checks the shared memory segment, so give them a moment.
        time.sleep(0.5)

    def stop(self) -> None:
        """Stop the server (fast shutdown) if it runs."""
        if (self.data / "postmaster.pid").exists() or self._proc is not None:
            subprocess.run(
                self._cmd("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w"),
                cwd=self.base,
                capture_output=True,
                timeout=60,
            )
        if self._proc is not None:
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            self._proc = None

    def remove(self) -> None:
        """Delete the cluster's directory."""
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> PgServer:
        """Init, start and create the test database."""
        try:
            self.init()
            self.start()
            self.create_db()
        except BaseException:
            self.stop()
            self.remove()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the server and delete its files."""
        self.stop()
        self.remove()
