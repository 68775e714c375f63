"""The report's questions, written once.

The report form asks them, the check page and the review page name the answers with them and
the API schema describes its fields with them: each reads its wording from here, so a question
reworded here is reworded everywhere. Templates read them as ``report_questions`` and
``report_sections`` (main/context.py). tests/integration/reports/test_questions.py holds this,
and that no file but this one writes their wording.

A question's ``name`` is at once the form field, the ``Report`` attribute (where it has one),
the CSV import column and the API's JSON field: those are contracts, so a name never changes.

This module imports nothing from LearnHub, so that the model, the services, the forms and the
API can all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MAX_ANSWER_LENGTH = 10_000
# The longest answer a report may hold: an organisation's imported history may carry answers
# longer than the form takes (learnhub/imports/), and a reviewer's redacted version of one.
MAX_IMPORTED_ANSWER_LENGTH = 100_000
MAX_FACTORS = 20

# How the form asks for an answer, and so how a page shows it.
Kind = Literal["text", "severity", "factors", "event_type", "month", "service_area", "role"]


@dataclass(frozen=True)
class Question:
    name: str
    kind: Kind
    asked: str  # the question as the form puts it
    label: str  # what a summary calls the answer (check your answers, the review page)
    hint: str = ""
    # The message when it is left out; empty when the reporter may leave it out.
    required: str = ""
    max_length: int | None = None
    # Where the choices come from, for a reader of this file (the form and the API read them there).
    choices_from: str = ""

    @property
    def narrative(self) -> bool:
        """Free text the reporter writes: scanned for identifying details and redacted."""
        return self.kind == "text"


@dataclass(frozen=True)
class Section:
    """Questions the form asks under one heading; the check page groups the answers the same."""

    anchor: str
    heading: str
    names: tuple[str, ...]

    @property
    def questions(self) -> list[Question]:
        return [QUESTION[name] for name in self.names]


QUESTIONS: tuple[Question, ...] = (
    Question(
        "narrative",
        "text",
        asked="What happened?",
        label="What happened",
        hint="Describe it as you would to a colleague. Leave out names, addresses and other "
        "details that could identify a child, a family or a member of staff.",
        required="Tell us what happened",
        max_length=MAX_ANSWER_LENGTH,
    ),
    Question(
        "what_nearly_happened",
        "text",
        asked="What nearly happened, or could have happened?",
        label="What nearly happened",
        hint="If it went wrong, what could have made it worse?",
        max_length=MAX_ANSWER_LENGTH,
    ),
    Question(
        "potential_severity",
        "severity",
        asked="How serious could it have been?",
        label="How serious it could have been",
        choices_from="reports.models.PotentialSeverity",
    ),
    Question(
        "what_stopped_it",
        "text",
        asked="What stopped it, or what went well?",
        label="What stopped it, or what went well",
        hint="A colleague, a check, a habit, luck: what made the difference?",
        max_length=MAX_ANSWER_LENGTH,
    ),
    Question(
        "factors",
        "factors",
        # The form shows the checkboxes under their section's heading, not under this.
        asked="What made it more likely?",
        label="What made it more likely",
        choices_from="the active taxonomy version's codes",
    ),
    Question(
        "what_made_it_likely",
        "text",
        asked="In your own words, what made it more likely?",
        # "in your words": the check page shows it beside the factors ticked, just above.
        label="What made it more likely, in your words",
        hint="Think about the work, the tools, the team, supervision and the wider system, "
        "not about who was to blame.",
        max_length=MAX_ANSWER_LENGTH,
    ),
    Question(
        "what_would_help",
        "text",
        asked="What would help stop it happening again?",
        label="What would help",
        max_length=MAX_ANSWER_LENGTH,
    ),
    Question(
        "event_type",
        "event_type",
        asked="What kind of event was it?",
        label="Kind of event",
        required="Choose what kind of event this was",
        choices_from="reports.models.EventType",
    ),
    Question(
        "event_month",
        "month",
        asked="When did it happen?",
        label="When it happened",
        hint="The month and year are enough, for example 3 2026.",
        required="Enter the month and year it happened",
    ),
    Question(
        "service_area",
        "service_area",
        asked="Service area",
        label="Service area",
        choices_from="the active service areas (reports.models.ServiceArea)",
    ),
    Question(
        "reporter_role",
        "role",
        asked="Your role",
        label="Your role",
        choices_from="reports.models.ReporterRole",
    ),
)

QUESTION = {question.name: question for question in QUESTIONS}

# The free-text answers a reporter gives, in the order the form asks them. ``narrative`` is
# "what happened", the one answer every report must have.
NARRATIVE_FIELDS = tuple(question.name for question in QUESTIONS if question.narrative)

SECTIONS: tuple[Section, ...] = (
    Section(
        "what-happened",
        "What happened",
        ("narrative", "what_nearly_happened", "potential_severity", "what_stopped_it"),
    ),
    Section(
        "what-made-it-likely",
        "What made it more likely",
        ("factors", "what_made_it_likely", "what_would_help"),
    ),
    Section("about-the-event", "About the event", ("event_type", "event_month")),
    Section("about-you", "About you (optional)", ("service_area", "reporter_role")),
)


def too_long_message(name: str, limit: int) -> str:
    """Which answer is too long, by the label the check page gives it (GOV.UK: name the field)."""
    return f"{QUESTION[name].label} must be {limit:,} characters or fewer"
