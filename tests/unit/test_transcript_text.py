"""Words, characters, syllables and fillers counted from transcript text, Mandarin and English (pure functions)."""

from __future__ import annotations

from analyzers.transcript_text import english_syllables, find_fillers, syllables, unit_name, units


def fillers(text: str, language: str) -> list[str]:
    return [f.text for f in find_fillers(text, language)]


def test_english_fillers_are_hesitations_not_content() -> None:
    assert fillers("Um, I think, like, it was hard, you know.", "en") == ["Um", "like", "you know"]
    assert fillers("Uh so we er did it. Hmm.", "en") == ["Uh", "er", "Hmm"]
    # The same words carrying meaning are not fillers.
    assert fillers("I like Python. Do you know Go? It looks like rain.", "en") == []
    assert fillers("umbrella, errand, summary", "en") == []


def test_mandarin_fillers_only_where_they_stand_alone_or_repeat() -> None:
    assert fillers("嗯，那个，我们就是做了一个支付系统。", "zh") == ["嗯", "那个"]
    assert fillers("然后，我们上线了。然后我们又改了。", "zh") == ["然后"]  # the second "然后" means "and then"
    assert fillers("就是就是这样。", "zh") == ["就是"]
    assert fillers("啊，我觉得还行。是啊。", "zh") == ["啊"]
    assert fillers("呃我想想", "zh-CN") == ["呃"]
    assert fillers("这个就是我们的产品。", "zh") == []


def test_filler_spans_point_into_the_text() -> None:
    text = "So, um, we shipped it."
    (um,) = find_fillers(text, "en")
    assert text[um.start : um.end] == "um"


def test_units_are_words_or_characters() -> None:
    assert units("He was not an ill-disposed young man.", "en") == 8
    assert unit_name("en") == "words" and unit_name("zh") == "characters"
    assert units("我们用 Kubernetes 部署了三个服务。", "zh") == 11  # 10 characters and one English word
    assert units("", "zh") == 0
    assert units("오늘 날씨가 정말 좋습니다", "ko") == 4


def test_syllables_from_cmudict_and_characters() -> None:
    assert english_syllables("amiable") == 4
    assert english_syllables("respectable") == 4
    assert english_syllables("Dashwood") == 2
    assert english_syllables("zorblify") == 3  # not in CMUdict: vowel groups
    assert english_syllables("make") == 1 and english_syllables("2019") == 4
    # "He might even have been made amiable himself." counted by hand: 1+1+2+1+1+1+4+2 = 13
    assert syllables("He might even have been made amiable himself.") == 13
    assert syllables("谢谢您今天抽出时间。") == 9
    assert syllables("我们用 Kubernetes 部署") == 5 + 4
    assert syllables("오늘 날씨가") == 5
