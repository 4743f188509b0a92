"""`ChatCompletionView`: the part of an OpenAI chat completion the served suites read back."""

from __future__ import annotations

from pydantic import BaseModel


class ChatMessage(BaseModel):
    """A choice's message: only its text matters here."""

    content: str | None = None


class ChatChoice(BaseModel):
    """One choice of a completion."""

    message: ChatMessage


class ChatCompletionView(BaseModel):
    """The model that answered and its choices; other fields are ignored (extensions welcome)."""

    model: str = ""
    choices: list[ChatChoice]

    @property
    def text(self) -> str:
        """The first choice's text ("" when there is none)."""
        return (self.choices[0].message.content or "") if self.choices else ""
