"""Run `cgcompile verify --target mariadb` against a throwaway MariaDB 10.11.

Starts a server with cgcompile.testing.mariadb_server (temp datadir, loopback port), points the
profile's `mariadb` target at it through the CGCOMPILE_DB_* variables that
profiles.yml.example reads, runs verify (which works in its own scratch database
`cashkaro_verify` and drops it), prints verify's output and stops the server.

    .venv/bin/python scripts/verify_mariadb.py --users 10000 [--horizon ongoing] [--assume NAME=VALUE ...]

Options it does not know are passed on to `cgcompile verify`.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
from cgcompile.testing.mariadb_server import MariaDBServer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=42)
    args, passed_on = parser.parse_known_args()
    profiles = ROOT / "dbt_project" / "profiles.yml"
    if not profiles.exists():
        profiles.write_text((ROOT / "profiles.yml.example").read_text())
    with MariaDBServer() as params:
        env = {**os.environ, **params.as_env(), "DO_NOT_TRACK": "1"}
        command = [str(ROOT / ".venv/bin/cgcompile"), "verify", "--target", "mariadb", "--users", str(args.users), "--seed", str(args.seed), *passed_on]
        print("$ cgcompile " + " ".join(command[1:]), flush=True)
        return subprocess.run(command, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
