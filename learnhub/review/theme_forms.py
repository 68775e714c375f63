"""Forms for the panel's decisions on a theme. The services check the same rules; the forms give
each field its own message and keep what was typed."""

from __future__ import annotations

from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from learnhub.core.forms import LearnHubForm
from learnhub.core.text import OneLine
from learnhub.themes.models import LearningStatus

LEARNING_STATUS_LABELS = {
    LearningStatus.MONITORING: "Monitoring",
    LearningStatus.ACTIVE_LEARNING: "Active learning",
    LearningStatus.CLOSED: "Closed",
}
LEARNING_STATUS_HINTS = {
    LearningStatus.MONITORING.value: "Watch whether it keeps recurring before acting",
    LearningStatus.ACTIVE_LEARNING.value: "The panel is agreeing and following actions on it",
    LearningStatus.CLOSED.value: "The learning is done; the theme stays on record",
}
LEARNING_STATUS_CHOICES = [
    SelectChoice(s.value, label) for s, label in LEARNING_STATUS_LABELS.items()
]


class AcceptForm(LearnHubForm):
    title = StringField(
        "Title",
        description="A short name leaders and the bulletin will read: no names or other details "
        "from the reports",
        validators=[
            DataRequired("Enter a title for the theme"),
            Length(max=200, message="Title must be 200 characters or fewer"),
            OneLine("Title"),
        ],
    )
    summary = TextAreaField(
        "Summary",
        description="What keeps happening and what seems to make it likely, in plain words",
        validators=[
            DataRequired("Enter a summary of the theme"),
            Length(max=5000, message="Summary must be 5,000 characters or fewer"),
        ],
    )
    owner = StringField(
        "Owner (a team or role)",
        description="A team or role, never a named person, for example "
        "“Principal social worker” or “Out of hours service”",
        validators=[
            DataRequired("Enter the team or role that owns the theme"),
            Length(max=200, message="Owner must be 200 characters or fewer"),
        ],
    )
    learning_status = RadioField(
        "Learning status",
        choices=LEARNING_STATUS_CHOICES,
        default=LearningStatus.MONITORING.value,
        validators=[DataRequired("Choose a learning status")],
    )


class MergeForm(LearnHubForm):
    into = SelectField(
        "Merge into",
        description="Its reports and factors join the theme you choose",
        choices=[],
        validators=[DataRequired("Choose a theme to merge this one into")],
    )


class DismissForm(LearnHubForm):
    reason = TextAreaField(
        "Why is the panel dismissing it?",
        description="Reviewers will read this if the theme is proposed again. It is proposed "
        "again only if it clearly grows.",
        validators=[
            DataRequired("Enter why the panel is dismissing this theme"),
            Length(max=5000, message="Reason must be 5,000 characters or fewer"),
        ],
    )


class LearningStatusForm(LearnHubForm):
    learning_status = RadioField(
        "Learning status",
        choices=LEARNING_STATUS_CHOICES,
        validators=[DataRequired("Choose a learning status")],
    )


# WTForms says only "Not a valid choice"; say which choice, as GOV.UK asks.
CHOICE_MESSAGES = {
    "learning_status": "Choose monitoring, active learning or closed",
    "into": "Choose a theme from the list to merge this one into",
}


def plain_choice_errors(form: LearnHubForm) -> None:
    for name, message in CHOICE_MESSAGES.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [message if "valid choice" in e else e for e in field.errors]
