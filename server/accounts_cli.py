"""`python run.py create-admin EMAIL [--data-dir DIR | --config FILE]`: the first headquarters admin.

The password comes from standard input when it is not a terminal (`echo "$PW" | python run.py create-admin a@b.c`),
else it is asked for twice without echo. No shared secret in the environment creates accounts.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence

from rooms.account_store import WORKSPACE_DB, SqliteAccountStore
from rooms.accounts import WorkspaceRole, check_password_rules, hash_password, parse_email
from rooms.errors import DomainError
from server.settings import Settings


def create_admin(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="run.py create-admin", description=__doc__.splitlines()[0])
    parser.add_argument("email")
    parser.add_argument("--name", default="", help="the admin's display name (default: the email)")
    args, rest = parser.parse_known_args(argv)
    settings = Settings.from_args(rest)
    try:
        email = parse_email(args.email)
        password = check_password_rules(_read_password())
    except DomainError as exc:
        print(f"create-admin: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_create(settings, email, args.name.strip() or email, hash_password(password)))
    except DomainError as exc:
        print(f"create-admin: {exc}", file=sys.stderr)
        return 1
    print(f"Created headquarters admin {email}; sign in at http://{settings.host}:{settings.port}/login", flush=True)
    return 0


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise SystemExit("create-admin: the passwords differ")
    return first


async def _create(settings: Settings, email: str, name: str, password_hash: str) -> None:
    store = SqliteAccountStore(settings.data_dir / WORKSPACE_DB)
    await store.open()
    try:
        person = await store.create_person(email, name, password_hash)
        await store.set_membership(person.id, None, WorkspaceRole.ADMIN, held=True)
    finally:
        await store.close()
