"""Observable facial descriptors from MediaPipe's 52 ARKit-style blendshapes.

These are facts about the face (the mouth corners are raised, the brows are lowered), not emotions: a raised
mouth corner is visible, "happy" is an inference we do not make. Each score is 0-1 as the model gives it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class BlendshapeCategory(Protocol):
    """What MediaPipe's `Category` offers for a blendshape: its name and its score."""

    category_name: str | None
    score: float | None


@dataclass(frozen=True, slots=True)
class ExpressionScores:
    """0-1 descriptors: each is the mean of the left and right blendshapes where the face has two."""

    smile: float  # mouthSmileLeft/Right: mouth corners raised
    brow_furrow: float  # browDownLeft/Right: brows lowered and drawn together
    mouth_open: float  # jawOpen
    eyes_closed: float  # eyeBlinkLeft/Right


def blendshape_scores(blendshapes: Mapping[str, float] | Iterable[BlendshapeCategory | Any]) -> dict[str, float]:
    """Name -> score from either a mapping or MediaPipe's list of categories."""
    if isinstance(blendshapes, Mapping):
        return {str(name): float(score) for name, score in blendshapes.items()}
    scores: dict[str, float] = {}
    for category in blendshapes:
        assert not isinstance(category, str)  # a Mapping was handled above
        if category.category_name is not None and category.score is not None:
            scores[category.category_name] = float(category.score)
    return scores


def _score(scores: Mapping[str, float], *names: str) -> float:
    # A missing name reads as 0 ("not observed"): a partial list must not break a live session.
    mean = sum(scores.get(name, 0.0) for name in names) / len(names)
    return min(1.0, max(0.0, mean))


def expression_scores(blendshapes: Mapping[str, float] | Iterable[BlendshapeCategory | Any]) -> ExpressionScores:
    """The descriptors from a face's blendshapes (a name -> score mapping or MediaPipe's category list)."""
    scores = blendshape_scores(blendshapes)
    return ExpressionScores(
        smile=_score(scores, "mouthSmileLeft", "mouthSmileRight"),
        brow_furrow=_score(scores, "browDownLeft", "browDownRight"),
        mouth_open=_score(scores, "jawOpen"),
        eyes_closed=_score(scores, "eyeBlinkLeft", "eyeBlinkRight"),
    )
