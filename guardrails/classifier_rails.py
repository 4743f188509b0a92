"""`ClassifierRail`: a whole-text rail backed by a `TextClassifier`: toxicity, injection, hidden instructions.

`injection` scores requests (a user trying to override the model's instructions); `hidden_instructions`
scores documents (an instruction for the AI hidden in a retrieved or ingested chunk: an HTML comment,
a bracketed note, a post-scriptum to the assistant, white text); `toxicity` scores insults and threats.
Each is its own model, trained on its own data (`eval/datasets/`), so an insult is not an injection.

The rail scores the text (the highest score over its token windows, so an instruction hidden in a
long retrieved chunk counts in full) and asks for its configured action when the score reaches the
threshold: that of the text's language when `thresholds` names one (the request's language hint, else
a function-word guess, `socle.guardrails.language`, ~0.1 ms per KB), else the default `threshold`.
Verdicts carry no spans; the reason names the rail's task and score, never the text.
Scoring is pure Python (about 1-3 ms per KB), so it runs inline on the event loop.

The artifacts ship in the package (`socle/guardrails/artifacts/<task>.json`, with a model card
`<task>.md`); they are trained by `python -m training.classifiers.train train <task>`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import anyio
from socle.guardrails.base import Action, RailContext, Verdict
from socle.guardrails.language import guess_language
from socle.guardrails.text_classifier import TextClassifier

INLINE_CHARS = 256
"""Texts up to this long are scored on the event loop (well under a millisecond)."""

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TASKS = ("toxicity", "injection", "hidden_instructions")


def artifact_path(task: str) -> Path:
    """Where the packaged artifact of `task` lives."""
    return ARTIFACTS / f"{task}.json"


class ClassifierRail:
    """Asks for `action` on texts whose classifier score is at least `threshold`.

    Args:
        classifier: the loaded model.
        name: the rail's configured name.
        action: what to ask for on a positive text (`block`, or `flag` to only report it).
        threshold: the minimum score, 0..1 (see the model card for the operating points); the default.
        thresholds: language (`fr`, `en`) -> its minimum score; a text in no listed language (or
            whose language the guess cannot tell) is held to `threshold`.
    """

    def __init__(
        self,
        classifier: TextClassifier,
        *,
        name: str,
        action: Action = "block",
        threshold: float = 0.5,
        thresholds: Mapping[str, float] | None = None,
    ) -> None:
        self._classifier = classifier
        self._name = name
        self._action: Action = action
        self._threshold = threshold
        self._thresholds = dict(thresholds or {})

    @property
    def name(self) -> str:
        return self._name

    async def check(self, text: str, *, context: RailContext) -> Verdict:
        """Score `text`; the verdict is `action` at or above the threshold, else `allow`.

        A long text is scored in a worker thread (milliseconds of pure Python would stall every other
        request on the event loop); a short one inline, where a thread hop would cost more.
        """
        return (await self.check_many([text], context=context))[0]

    async def check_many(self, texts: Sequence[str], *, context: RailContext) -> list[Verdict]:
        """`check` of each text, in one worker-thread call when they are long together.

        Each text is scored alone: joined, one text's score would be diluted by the others.
        """
        if sum(map(len, texts)) > INLINE_CHARS:
            scores = await anyio.to_thread.run_sync(
                self._classifier.probabilities, texts, abandon_on_cancel=True
            )
        else:
            scores = self._classifier.probabilities(texts)
        return [
            self._verdict(score, self.threshold_for(text, context.language))
            for text, score in zip(texts, scores, strict=True)
        ]

    def threshold_for(self, text: str, language: str | None = None) -> float:
        """The threshold `text` is held to: its language's (`language`, else guessed), else the default."""
        if not self._thresholds:
            return self._threshold
        language = language or guess_language(text, default="")
        return self._thresholds.get(language, self._threshold)

    def _verdict(self, score: float, threshold: float) -> Verdict:
        task = self._classifier.task
        if score >= threshold:
            reason = f"{task} score {score:.2f} >= {threshold:.2f}"
            return Verdict(self._action, self._name, score=score, reason=reason)
        return Verdict("allow", self._name, score=score, reason=f"{task} score {score:.2f} < {threshold:.2f}")
