"""What a person reads on a page, and the English words left in it: the check that a zh-CN page is translated."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Names and units a Chinese page keeps in Latin letters.
PROPER_NOUNS = {
    "open",
    "interview",  # the product's name
    "wechat",
    "wecom",
    "safari",
    "chrome",
    "edge",
    "firefox",
    "iphone",
    "ios",
    "android",
    "javascript",
    "wi",
    "fi",
    "https",
    "http",
    "pdf",
    "api",
    "url",
    "json",
    "post",
    "get",
    "delete",
    "rest",
    "html",
    "fps",
    "ms",
    "db",
    "cpu",
    "id",
    "ok",
    "webhook",
    "dbfs",
    "uplot",
    "png",
    "svg",
    "qr",
    "vp8",
    "asr",
    "vosk",
    "pocketsphinx",
    "silero",
}
# Methods, models and browser APIs the report's explanations cite by name.
PROPER_NOUNS |= {
    "mediapipe",
    "facelandmarker",
    "yin",
    "vad",
    "webrtcvad",
    "chromium",
    "isextended",
    "mouthsmileleft",
    "right",
    "visibility",
    "docs",
    "bench",
    "integrity",
    "gram",
    "fer",
    "screen",
    "page",
    "whisper",
    "cmu",
    "jawopen",
    "jaccard",
    "browdown",
    "eyeblink",
    "resemblyzer",
    "onnx",
    # English filler words the explanations quote as examples.
    "like",
    "you",
    "know",
    "um",
    "uh",
    "er",
}
_HIDDEN_TAGS = {"script", "style", "code", "pre"}
_TEXT_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}


class _VisibleText(HTMLParser):
    """What a person reads: text nodes and labelling attributes, not code, scripts or the URLs in attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._skip += 1
        self.parts.extend(value for name, value in attrs if name in _TEXT_ATTRIBUTES and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def english_words(html: str, allowed: set[str] = frozenset()) -> list[str]:
    """Latin-letter words of three letters or more in what a person reads, beyond proper nouns, units and
    `allowed` (data the test itself put in, such as a template's code-like ids)."""
    parser = _VisibleText()
    parser.feed(html)
    text = " ".join(parser.parts)
    # Tokens with digits are ids, hashes, versions or measurements, not words.
    tokens = [t for t in re.findall(r"[\w'./-]+", text) if not re.search(r"\d", t)]
    words = [w for t in tokens for w in re.findall(r"[A-Za-z][A-Za-z']{2,}", t)]
    return [w for w in words if w.lower() not in PROPER_NOUNS and w not in allowed]
