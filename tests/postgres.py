"""A real PostgreSQL server in a temporary folder, started by the tests themselves.

``initdb`` and ``postgres`` come from the PATH, else from Debian's ``/usr/lib/postgresql/<n>/bin``. PostgreSQL
refuses to run as root, so as root the server runs as the unprivileged user ``nobody`` (``runuser``), in a
folder made for it under /tmp (pytest's own tmp folders are private to root). It listens on a free loopback
port with ``trust`` authentication and fsync off: a throw-away server for tests, nothing else.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 60  # seconds for initdb, and again for the server to accept connections


def _binary(name: str) -> str:
    debian = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    found = shutil.which(name) or (str(debian[0]) if debian else None)
    if found is None:
        raise RuntimeError(f"{name} not found: install PostgreSQL (Debian: apt-get install postgresql)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """One throw-away cluster; ``url(db)`` is the SQLAlchemy URL of a database in it."""

    folder: Path
    port: int
    user: str | None  # who the server runs as (None: the current user)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *args: str, timeout: float = START_TIMEOUT) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=timeout, cwd=self.folder)

    @classmethod
    def create(cls) -> "PostgresServer":
        folder = Path(tempfile.mkdtemp(prefix="almanac-pg-"))
        user = "nobody" if os.geteuid() == 0 else None
        if user:
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        server = cls(folder, free_port(), user)
        server._run(
            _binary("initdb"), "-D", str(server.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale"
        )
        server.start()
        return server

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -F -c full_page_writes=off -c synchronous_commit=off"
        log = str(self.folder / "server.log")
        self._run(
            _binary("pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "-t", str(START_TIMEOUT), "start"
        )

    def stop(self) -> None:
        """Stop now: open connections are cut, as when a server goes away ("fast" shutdown, which keeps what
        was committed; "immediate" would lose it, since commits here are not flushed to disk)."""
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    async def create_database(self, name: str) -> str:
        import asyncpg

        connection = await asyncpg.connect(host="127.0.0.1", port=self.port, user="postgres", database="postgres")
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        return self.url(name)
