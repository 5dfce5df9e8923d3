"""A throwaway MariaDB server for tests: temp datadir, loopback port, gone afterwards.

Uses Debian's mariadbd (apt package mariadb-server). Nothing in /etc/mysql is read
(--no-defaults everywhere), so a system installation's config or running service
cannot leak in.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import mysql.connector
import yaml

MARIADBD = "/usr/sbin/mariadbd"
INSTALL_DB_NAMES = ("mariadb-install-db", "mysql_install_db")

DATABASE = "cashkaro"  # also spelled out in _create_database_and_user
USER = "cgcompile"
PASSWORD = "cgcompile-test-pw"

# A fresh datadir needs a few seconds; a loaded 2-core machine more. Bounded so a
# broken server fails the session instead of hanging it.
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 60.0

# Test tuning: durability does not matter for a throwaway server, speed does.
SERVER_OPTIONS = (
    "--innodb-buffer-pool-size=1G",
    "--innodb-flush-log-at-trx-commit=2",
)

# Every throwaway server, the tests' and the bench's: no binary log, no DNS lookups,
# no performance schema, the character set the PRD's tables use.
COMMON_OPTIONS = (
    "--skip-log-bin",
    "--skip-name-resolve",
    "--skip-performance-schema",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_general_ci",
    "--max-connections=50",
)
SERVER_OPTIONS += COMMON_OPTIONS


class MariaDBUnavailable(RuntimeError):
    """The server binaries are not installed."""


class MariaDBStartError(RuntimeError):
    """The server was found but did not come up; the message carries its log tail."""


@dataclass(frozen=True)
class ConnParams:
    """What a client needs to reach the test server over TCP."""

    host: str
    port: int
    user: str
    password: str
    database: str

    def connect(self, **kwargs):
        """A mysql.connector connection to the test database (autocommit off, as dbt has it)."""
        return mysql.connector.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            database=self.database,
            **kwargs,
        )

    def as_env(self) -> dict[str, str]:
        """The CGCOMPILE_DB_* variables profiles.yml.example reads for its `mariadb` target."""
        return {
            "CGCOMPILE_DB_HOST": self.host,
            "CGCOMPILE_DB_PORT": str(self.port),
            "CGCOMPILE_DB_NAME": self.database,
            "CGCOMPILE_DB_USER": self.user,
            "CGCOMPILE_DB_PASSWORD": self.password,
        }


def find_binaries() -> tuple[str, str]:
    """(mariadbd, mariadb-install-db) or MariaDBUnavailable saying what is missing.

    CGCOMPILE_MARIADBD names another server binary (a non-Debian layout, or a missing one
    to exercise the skip/fail path)."""
    override = os.environ.get("CGCOMPILE_MARIADBD")
    if override:
        server = override if os.access(override, os.X_OK) else None
    else:
        server = MARIADBD if os.access(MARIADBD, os.X_OK) else shutil.which("mariadbd")
    install = next((p for p in map(shutil.which, INSTALL_DB_NAMES) if p), None)
    if not server or not install:
        missing = [name for name, path in (("mariadbd", server), ("mariadb-install-db", install)) if not path]
        raise MariaDBUnavailable(
            f"{', '.join(missing)} not found; install Debian's mariadb-server (make mariadb)"
        )
    return server, install


def free_port() -> int:
    """A loopback port nobody listens on right now (the server may still lose a race for it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def _die_with_parent() -> None:
    # If pytest is killed outright (no fixture teardown), the kernel sends the server
    # SIGTERM instead of leaving a 1G-buffer-pool mariadbd behind. Linux only; harmless elsewhere.
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _run_as_root_args() -> list[str]:
    # mariadbd refuses to run as root unless told to; in containers we are root.
    return ["--user=root"] if os.geteuid() == 0 else []


class MariaDBServer:
    """Start with start(), stop with stop(); or use as a context manager yielding ConnParams."""

    def __init__(self, base_dir: str | os.PathLike | None = None, options: tuple[str, ...] | None = None):
        self.server_bin, self.install_bin = find_binaries()
        self.options = options  # None: SERVER_OPTIONS, read when the server starts
        # Short path on purpose: the socket path must stay under 108 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="cgmdb-", dir=base_dir))
        self.datadir = self.root / "data"
        self.socket = self.root / "mysqld.sock"
        self.log = self.root / "error.log"
        self.proc: subprocess.Popen | None = None
        self.params: ConnParams | None = None
        self.startup_seconds: float | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> ConnParams:
        began = time.monotonic()
        try:
            self._install_db()
            port = self._launch_with_free_port()
            self._create_database_and_user()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        self.params = ConnParams("127.0.0.1", port, USER, PASSWORD, DATABASE)
        return self.params

    def stop(self) -> None:
        """Shut the server down (SIGTERM is a clean shutdown for mariadbd) and delete its files."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> ConnParams:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- steps -------------------------------------------------------------

    def _install_db(self) -> None:
        cmd = [
            self.install_bin,
            "--no-defaults",
            f"--datadir={self.datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
            *_run_as_root_args(),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=START_TIMEOUT_S)
        if done.returncode != 0:
            output = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
            raise MariaDBStartError(f"{' '.join(cmd)} exited {done.returncode}:\n{output}")

    def _launch_with_free_port(self, attempts: int = 3) -> int:
        # Another process can grab the port between free_port() and bind; retry then.
        for attempt in range(attempts):
            port = free_port()
            self._launch(port)
            try:
                self._wait_ready()
                return port
            except MariaDBStartError:
                address_taken = "Address already in use" in _tail(self.log)
                self.stop_process_only()
                if not address_taken or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _launch(self, port: int) -> None:
        self.log.unlink(missing_ok=True)
        cmd = [
            self.server_bin,
            "--no-defaults",
            f"--datadir={self.datadir}",
            f"--socket={self.socket}",
            f"--pid-file={self.root / 'mysqld.pid'}",
            f"--log-error={self.log}",
            f"--tmpdir={self.root}",
            "--bind-address=127.0.0.1",
            f"--port={port}",
            *(SERVER_OPTIONS if self.options is None else self.options),
            *_run_as_root_args(),
        ]
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )

    def stop_process_only(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        last_error = "no attempt yet"
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                code = None if self.proc is None else self.proc.returncode
                raise MariaDBStartError(
                    f"mariadbd exited with {code} during start-up; log tail ({self.log}):\n{_tail(self.log)}"
                )
            try:
                self._root_connection().close()
                return
            except mysql.connector.Error as e:
                last_error = str(e)
                time.sleep(0.2)
        raise MariaDBStartError(
            f"mariadbd did not accept connections within {START_TIMEOUT_S:.0f}s "
            f"(last error: {last_error}); log tail ({self.log}):\n{_tail(self.log)}"
        )

    def _root_connection(self):
        # root@localhost has an empty password ('normal' auth) and is reachable over the socket only.
        return mysql.connector.connect(unix_socket=str(self.socket), user="root", password="")

    def _create_database_and_user(self) -> None:
        conn = self._root_connection()
        try:
            cur = conn.cursor()
            cur.execute("CREATE DATABASE cashkaro CHARACTER SET utf8mb4")
            # Client-side parameter quoting; the password never gets pasted into SQL text.
            cur.execute("CREATE USER %s@%s IDENTIFIED BY %s", (USER, "%", PASSWORD))
            # All schemas, not just cashkaro: tests may give each dbt run its own schema;
            # GRANT OPTION so that a test can make a least-privilege job user.
            cur.execute("GRANT ALL PRIVILEGES ON *.* TO %s@%s WITH GRANT OPTION", (USER, "%"))
            conn.commit()
        finally:
            conn.close()


def write_profiles(
    profiles_dir: str | os.PathLike,
    params: ConnParams,
    *,
    schema: str | None = None,
    profile: str = "cgcompile",
    target: str = "mariadb",
    threads: int = 2,
) -> Path:
    """Write profiles.yml for dbt's `mariadb` adapter pointing at `params`; returns its path."""
    profiles_dir = Path(profiles_dir)
    profiles_dir.mkdir(parents=True, exist_ok=True)
    output = {
        "type": "mariadb",
        "server": params.host,
        "port": params.port,
        "schema": schema or params.database,
        "username": params.user,
        "password": params.password,
        "threads": threads,
    }
    document = {profile: {"target": target, "outputs": {target: output}}}
    path = profiles_dir / "profiles.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path
