"""Languages of the pages: the message catalogs (web/locale/*/LC_MESSAGES/messages.po) and who sees which one.

The catalogs are compiled in memory at start-up (Babel reads the .po files), so no binary .mo file lives in git.
The same catalog feeds Jinja's i18n extension and the pages' JavaScript (the messages found in .js files, sent as a
JSON block). Resolution rules (docs/languages.md): a viewer page takes `?lang=` (then remembered in a cookie), else
the `lang` cookie, else the browser's Accept-Language, else the organisation default; a candidate page takes the
room's language ("auto": the candidate's browser).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from aiohttp_jinja2 import REQUEST_CONTEXT_KEY
from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).resolve().parent.parent / "web" / "locale"
DOMAIN = "messages"
# Babel locale ids, first = the product's first language. Public tags (URLs, cookies, JSON) use "zh-CN" / "en".
LOCALES = ("zh_CN", "en")
LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE_S = 365 * 24 * 3600


@dataclass(frozen=True)
class Catalog:
    """One language: Babel's Translations for the server, and the JavaScript's own messages for the browser."""

    locale: str  # Babel id: "zh_CN"
    translations: NullTranslations
    js_messages: Mapping[str, str | list[str]] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        """The BCP 47 tag: <html lang>, ?lang=, Intl in the browser."""
        return self.locale.replace("_", "-")

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    @cached_property
    def js_block(self) -> dict[str, Any]:
        """What lib/i18n.js reads: the language and the browser's messages (msgid -> text, or plural forms)."""
        return {"locale": self.tag, "messages": dict(self.js_messages)}


def load_catalogs(directory: Path = LOCALE_DIR) -> dict[str, Catalog]:
    """Every catalog in LOCALES, compiled from its .po file. A missing or broken file stops start-up here."""
    catalogs = {}
    for locale in LOCALES:
        path = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        with path.open("rb") as po:
            catalog = read_po(po, locale=locale, domain=DOMAIN)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        js_messages: dict[str, str | list[str]] = {}
        for message in catalog:
            if not message.id or not any(path.endswith(".js") for path, _ in message.locations):
                continue
            key = str(message.id[0] if message.pluralizable else message.id)
            if message.pluralizable:
                forms = [str(s) for s in message.string or () if s]
                if forms:
                    js_messages[key] = forms
            elif message.string:
                js_messages[key] = str(message.string)
        catalogs[locale] = Catalog(locale, Translations(compiled, domain=DOMAIN), js_messages)
    return catalogs


def normalize(tag: str | None) -> str | None:
    """A language tag from a URL, cookie, header or room ("zh", "zh-CN", "zh-Hans-CN", "en-US") -> a Babel id we
    have, or None. Traditional Chinese tags also get Simplified Chinese: the closest language we have."""
    if not tag:
        return None
    tag = tag.strip().replace("-", "_")
    if tag.lower() == "auto":
        return None
    try:
        locale = Locale.parse(tag)
    except (ValueError, UnknownLocaleError):
        return None
    if locale.language == "zh":
        return "zh_CN"
    if locale.language == "en":
        return "en"
    return None


def from_accept_language(header: str | None) -> str | None:
    """The best of our languages in an Accept-Language header (by q-value, then order), or None."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        piece, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        locale = normalize(piece)
        if locale and quality > 0:
            ranked.append((-quality, index, locale))
    return min(ranked)[2] if ranked else None


def viewer_locale(request: web.Request, default: str) -> str:
    """HR, interviewer, report, replay and admin pages: ?lang=, then the cookie, Accept-Language, the default."""
    return (
        normalize(request.query.get("lang"))
        or normalize(request.cookies.get(LANG_COOKIE))
        or from_accept_language(request.headers.get("Accept-Language"))
        or normalize(default)
        or LOCALES[0]
    )


def candidate_locale(request: web.Request, room_language: str | None, default: str) -> str:
    """The candidate's pages follow the room's language; "auto" (or none) follows the candidate's browser."""
    return (
        normalize(room_language)
        or from_accept_language(request.headers.get("Accept-Language"))
        or normalize(default)
        or LOCALES[0]
    )


def page_context(catalog: Catalog) -> dict[str, Any]:
    """What every template gets for its language: the catalog (for gettext) and the JavaScript's messages."""
    return {"i18n": catalog, "lang_tag": catalog.tag, "js_i18n": catalog.js_block}


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    catalog = context.get("i18n")
    return catalog.gettext(message) if catalog is not None else message


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    catalog = context.get("i18n")
    if catalog is not None:
        return catalog.ngettext(singular, plural, n)
    return singular if n == 1 else plural


def install_gettext(env: jinja2.Environment) -> None:
    """Jinja's i18n extension, translating through whichever catalog the render's context carries (`i18n`)."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # a paragraph's line breaks are not part of its message
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CATALOGS = web.AppKey("catalogs", dict)
DEFAULT_LANGUAGE = web.AppKey("default_language", str)  # --default-language, for requests outside the middleware


def locale_middleware(default: Callable[[web.Request], str]) -> Callable[..., Awaitable[web.StreamResponse]]:
    """On HTML pages: the viewer's language in the template context, and `?lang=` remembered in a cookie."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        # The API speaks English; a handler that renders for people (the PDF, the invitation) asks request_catalog.
        if request.path.startswith(("/static/", "/api/")):
            return await handler(request)
        catalogs = request.app[CATALOGS]
        locale = viewer_locale(request, default(request))
        request[REQUEST_CONTEXT_KEY] = {**request.get(REQUEST_CONTEXT_KEY, {}), **page_context(catalogs[locale])}
        response = await handler(request)
        chosen = normalize(request.query.get("lang"))
        if chosen:
            response.set_cookie(
                LANG_COOKIE, chosen, max_age=LANG_COOKIE_MAX_AGE_S, httponly=True, samesite="Lax", path="/"
            )
        return response

    return middleware


def request_catalog(request: web.Request) -> Catalog:
    """The catalog the page being answered speaks (set by locale_middleware)."""
    catalog = request.get(REQUEST_CONTEXT_KEY, {}).get("i18n")
    if catalog is None:
        catalog = request.app[CATALOGS][viewer_locale(request, request.app.get(DEFAULT_LANGUAGE, "en"))]
    return catalog


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where it is shown."""
    return message
