"""Start the interview server (`python run.py [--config FILE.toml] [--host H] [--port P] ...`) or run one of
its commands (`python run.py check-config --config FILE.toml`). `python run.py --help` lists every setting."""

from __future__ import annotations

import asyncio
import faulthandler
import os
import sys
from collections.abc import Callable, Sequence

from server import lifecycle
from server.access_log import RedactedAccessLogger
from server.accounts_cli import create_admin
from server.app import create_app
from server.backup import backup_command, restore_command
from server.key_commands import new_master_key_command, rotate_master_key_command
from server.logs import AccessLogger, configure_logging
from server.settings import SettingError, Settings, check_config, check_deployment_files


def serve(argv: Sequence[str]) -> int:
    faulthandler.enable()  # a crash in native code (codecs, models) leaves every thread's stack in the log
    os.umask(0o077)  # every file and folder this process creates is its user's only (docs/security.md)
    settings = Settings.from_args(argv)
    try:
        check_deployment_files(settings)
    except SettingError as exc:
        print(f"invalid configuration: {exc}", file=sys.stderr, flush=True)
        return 2
    configure_logging(settings.log_format)
    ssl_context = lifecycle.tls_context(settings.tls_cert, settings.tls_key) if settings.tls_cert else None
    app = create_app(settings)
    print(f"Public URL {settings.public_url} (data in {settings.data_dir})", flush=True)
    # Neither access log writes query strings (tokens); the JSON one also leaves out addresses and user agents.
    access_log = AccessLogger if settings.log_format == "json" else RedactedAccessLogger
    asyncio.run(lifecycle.serve(app, settings.host, settings.port, ssl_context, settings.drain_timeout_s, access_log))
    return 0


# Commands besides serving: the first argument names one; the rest are its own arguments.
COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "check-config": check_config,
    "create-admin": create_admin,  # the first headquarters admin of the HR workspace
    "backup": backup_command,  # run.py backup DIR [--data-dir D]: a consistent copy, also while serving
    "restore": restore_command,  # run.py restore DIR [--data-dir D]: into an empty data directory
    "new-master-key": new_master_key_command,  # prints a fresh master key
    "rotate-master-key": rotate_master_key_command,  # re-wraps every data key under INTERVIEW_NEW_MASTER_KEY
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in COMMANDS:
        return COMMANDS[args[0]](args[1:])
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
