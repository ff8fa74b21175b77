"""Start the interview server: `python run.py [--host H] [--port P] [--data-dir D] [--ice-host ADDR ...]`."""

from __future__ import annotations

import faulthandler
import logging

from aiohttp import web

from server.access_log import RedactedAccessLogger
from server.app import create_app
from server.settings import Settings


def main(argv: list[str] | None = None) -> None:
    faulthandler.enable()  # a crash in native code (codecs, models) leaves every thread's stack in the log
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aioice").setLevel(logging.WARNING)
    settings = Settings.from_args(argv)
    app = create_app(settings)
    print(f"Interview server on http://{settings.host}:{settings.port} (data in {settings.data_dir})", flush=True)
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log_class=RedactedAccessLogger)


if __name__ == "__main__":
    main()
