"""Forms on the review panel's pages. Checks of meaning live in the services."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, Form, HiddenField, SearchField, SelectField, TextAreaField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from learnhub.core.forms import LearnHubForm
from learnhub.core.inputs import FIRST_DAY, LAST_DAY
from learnhub.reports.models import EventType, PotentialSeverity, ReportStatus, ServiceArea
from learnhub.reports.questions import MAX_IMPORTED_ANSWER_LENGTH, QUESTION
from learnhub.reports.services import MAX_REPLY_LENGTH
from learnhub.review.services import (
    MAX_OUTCOME_LENGTH,
    MAX_SEARCH_LENGTH,
    QueueFilters,
    QueueReplies,
    QueueSort,
)


class QuestionForm(LearnHubForm):
    body = TextAreaField(
        "Ask the reporter a question",
        description="They will see it when they follow up with their receipt. They cannot be "
        "contacted any other way, so ask one clear question at a time.",
        validators=[
            DataRequired("Enter your question"),
            Length(
                max=MAX_REPLY_LENGTH,
                message=f"Question must be {MAX_REPLY_LENGTH:,} characters or fewer",
            ),
        ],
    )
    confirm_identifiers = HiddenField()


ANY = SelectChoice("", "Any")


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


DAY_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DAY_HINT = "For example, 2026-10-01 or 1/10/2026"


class DayField(DateField):
    """A day typed as text (not the browser's date picker), in either of two common forms."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, format=DAY_FORMATS, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date, like 2026-10-01") from None
        if self.data is not None and not FIRST_DAY <= self.data <= LAST_DAY:
            self.data = None
            raise ValueError(
                f"{self.label.text} must be between {FIRST_DAY.year} and {LAST_DAY.year}"
            )


class QueueFilterForm(Form):
    """The queue's filters, read from the query string: a GET form that works without script."""

    q = SearchField(
        "Reference or words",
        description="A reference such as LR-7K3QX, or words from the report",
        validators=[
            Optional(),
            Length(
                max=MAX_SEARCH_LENGTH,
                message=f"Search must be {MAX_SEARCH_LENGTH} characters or fewer",
            ),
        ],
    )
    status = SelectField(
        "State",
        choices=choices([(s.value, s.value.replace("_", " ").capitalize()) for s in ReportStatus]),
        default=ReportStatus.NEW.value,
    )
    service_area = SelectField(QUESTION["service_area"].label, choices=[ANY], default="")
    event_type = SelectField(
        QUESTION["event_type"].label,
        choices=[
            ANY,
            *choices([(t.value, t.value.replace("_", " ").capitalize()) for t in EventType]),
        ],
        default="",
    )
    potential_severity = SelectField(
        "Potential severity",
        choices=[ANY, *choices([(s.value, s.value.capitalize()) for s in PotentialSeverity])],
        default="",
    )
    flags = SelectField(
        "Identifying details",
        choices=[ANY, *choices([("yes", "May identify someone"), ("no", "None found")])],
        default="",
    )
    replies = SelectField(
        "Reporter replied",
        choices=[
            ANY,
            *choices(
                [
                    (QueueReplies.NEW, "Reply not yet read"),
                    (QueueReplies.ANY, "Has replied"),
                ]
            ),
        ],
        default="",
    )
    received_from = DayField("Received from", validators=[Optional()], description=DAY_HINT)
    received_to = DayField("Received to", validators=[Optional()], description=DAY_HINT)
    sort = SelectField(
        "Order",
        choices=choices(
            [
                (QueueSort.OLDEST, "Oldest first"),
                (QueueSort.NEWEST, "Newest first"),
                (QueueSort.REPLIED, "New replies first"),
            ]
        ),
        default=QueueSort.OLDEST.value,
    )

    def offer_service_areas(self, areas: list[ServiceArea]) -> None:
        self.service_area.choices = [ANY, *choices([(a.slug, a.name) for a in areas])]

    def filters(self) -> QueueFilters:
        """The filters to apply: a field that did not validate is left out, not guessed."""

        def good(name: str) -> str:
            field = self[name]
            return "" if field.errors else (field.data or "")

        flags = good("flags")
        search = "" if self.q.errors else " ".join((self.q.data or "").split())
        return QueueFilters(
            status=ReportStatus(good("status") or ReportStatus.NEW.value),
            service_area=good("service_area") or None,
            event_type=EventType(good("event_type")) if good("event_type") else None,
            potential_severity=(
                PotentialSeverity(good("potential_severity"))
                if good("potential_severity")
                else None
            ),
            flagged={"yes": True, "no": False}.get(flags),
            received_from=None if self.received_from.errors else self.received_from.data,
            received_to=None if self.received_to.errors else self.received_to.data,
            replies=QueueReplies(good("replies")) if good("replies") else None,
            search=search,
            sort=QueueSort(good("sort") or QueueSort.OLDEST.value),
        )


def redacted_answer(name: str) -> TextAreaField:
    """The de-identified version of one free-text answer, labelled as the review page names it."""
    # An imported report's answer may be longer than the form takes; its redacted version too.
    too_long = f"Text must be {MAX_IMPORTED_ANSWER_LENGTH:,} characters or fewer"
    return TextAreaField(
        QUESTION[name].label,
        validators=[Length(max=MAX_IMPORTED_ANSWER_LENGTH, message=too_long)],
    )


class RedactionForm(LearnHubForm):
    """The de-identified version of each answer; field names match NARRATIVE_FIELDS."""

    narrative = redacted_answer("narrative")
    what_nearly_happened = redacted_answer("what_nearly_happened")
    what_stopped_it = redacted_answer("what_stopped_it")
    what_made_it_likely = redacted_answer("what_made_it_likely")
    what_would_help = redacted_answer("what_would_help")
    confirm_anyway = BooleanField(
        "Confirm anyway: I have read what is still found and it does not identify anyone"
    )


class MoveForm(LearnHubForm):
    to = HiddenField()


class RepliesReadForm(LearnHubForm):
    """The "Mark as read" button under the reporter's new replies: it carries the CSRF token."""


class CloseForm(LearnHubForm):
    outcome_note = TextAreaField(
        "Outcome note for the reporter",
        description="The reporter reads this with their receipt. Say what the panel learned and "
        "what will change. Describe people by their role, never by name.",
        validators=[
            DataRequired("Write an outcome note for the reporter"),
            Length(
                max=MAX_OUTCOME_LENGTH,
                message=f"Outcome note must be {MAX_OUTCOME_LENGTH:,} characters or fewer",
            ),
        ],
    )
