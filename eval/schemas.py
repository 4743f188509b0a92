"""The JSONL row schemas a company fills to bring its own data (documented in docs/evaluation.md).

One JSON object per line. Unknown fields are refused (a misspelt optional field would otherwise be
silently ignored); free-form data goes in `metadata`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

NonEmpty = Annotated[str, Field(min_length=1)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = Field(
        None, min_length=1, description="Case name, unique in the file. Default: the line number."
    )
    metadata: dict[str, JsonValue] | None = Field(
        None, description="Free data, copied into the case's metadata."
    )


class QARecord(_Row):
    """A question whose answer is in one document (HaluEval QA's fields): `retrieval`, `grounded-qa`."""

    knowledge: NonEmpty = Field(description="The document holding the answer; ingested on its own.")
    question: NonEmpty = Field(description="What is asked (the retrieval query).")
    right_answer: NonEmpty = Field(description="The expected answer; correct = contained, normalized.")
    hallucinated_answer: str | None = Field(
        None, description="A plausible wrong answer (HaluEval); kept for the hallucination-detector suite."
    )


class LabelledText(_Row):
    """A text and its class: `toxicity` (1: toxic) and `injection` (1: an injection or jailbreak)."""

    text: NonEmpty = Field(description="The text the rail scores.")
    label: Literal[0, 1] = Field(description="1 for the positive class, 0 for the negative.")
    source: str | None = Field(
        None, description="Where the row comes from (the data card names each source)."
    )


class PIISpan(BaseModel):
    """One labelled entity: character offsets into `full_text`, end exclusive."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entity_type: NonEmpty = Field(description="PERSON, EMAIL_ADDRESS, FR_NIR, ... (see EVAL_TYPES).")
    start_position: int = Field(ge=0, description="First character of the entity.")
    end_position: int = Field(ge=1, description="One past its last character.")
    entity_value: str | None = Field(None, description="The entity's text, checked when given.")


class PIIRecord(_Row):
    """A text and its labelled PII spans (presidio-research's fields): the `pii` suite."""

    full_text: NonEmpty = Field(description="The text the PII rail analyzes.")
    spans: list[PIISpan] = Field(description="Every entity in the text; [] when there is none.")
    language: str = Field("en", min_length=2, description="Language hint given to the analyzer.")
    masked: str | None = Field(None, description="Ignored (presidio-research's masked text).")
    template_id: int | None = Field(None, description="Ignored (presidio-research's template).")

    @model_validator(mode="after")
    def _spans_fit(self) -> PIIRecord:
        for i, span in enumerate(self.spans):
            where = f"spans.{i}"
            if not span.start_position < span.end_position <= len(self.full_text):
                raise ValueError(
                    f"{where}: [{span.start_position}, {span.end_position}) is not inside the "
                    f"{len(self.full_text)}-character text"
                )
            found = self.full_text[span.start_position : span.end_position]
            if span.entity_value is not None and found != span.entity_value:
                raise ValueError(f"{where}: offsets select {found!r}, not entity_value {span.entity_value!r}")
        return self


class JudgedResponseRecord(_Row):
    """A query, a response, and whether people found it hallucinated (HaluEval general's fields).

    Used by the `hallucination-judge` suite; HaluEval's `ID` and `hallucination_spans` are accepted
    and kept in the case's metadata.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    user_query: NonEmpty = Field(description="What the user asked.")
    chatgpt_response: NonEmpty = Field(description="The response to judge (any model's, despite the name).")
    hallucination: Literal["yes", "no"] = Field(
        description="yes: the response holds hallucinated or non-factual information."
    )
    source_id: str | None = Field(None, alias="ID", description="HaluEval's record id (not unique).")
    hallucination_spans: list[str] | None = Field(None, description="The hallucinated passages, if labelled.")
