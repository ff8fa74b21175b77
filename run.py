"""Start the interview server (`python run.py [--config FILE.toml] [--host H] [--port P] ...`) or run one of
its commands (`python run.py check-config --config FILE.toml`). `python run.py --help` lists every setting."""

from __future__ import annotations

import faulthandler
import logging
import sys
from collections.abc import Callable, Sequence

from aiohttp import web

from server.access_log import RedactedAccessLogger
from server.accounts_cli import create_admin
from server.app import create_app
from server.settings import Settings, check_config


def serve(argv: Sequence[str]) -> int:
    faulthandler.enable()  # a crash in native code (codecs, models) leaves every thread's stack in the log
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aioice").setLevel(logging.WARNING)
    settings = Settings.from_args(argv)
    app = create_app(settings)
    print(f"Interview server on http://{settings.host}:{settings.port} (data in {settings.data_dir})", flush=True)
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log_class=RedactedAccessLogger)
    return 0


# Commands besides serving: the first argument names one; the rest are its own arguments.
COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "check-config": check_config,
    "create-admin": create_admin,  # the first headquarters admin of the HR workspace
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in COMMANDS:
        return COMMANDS[args[0]](args[1:])
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
