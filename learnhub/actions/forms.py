"""Forms for actions: agreeing one, and moving it on."""

from __future__ import annotations

import datetime as dt

from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from learnhub.actions.models import ActionStatus
from learnhub.actions.services import MAX_DESCRIPTION, MAX_EVIDENCE, MAX_OWNER
from learnhub.core.forms import LearnHubForm
from learnhub.core.inputs import typed_date

STATUS_LABELS = {
    ActionStatus.OPEN: "Open",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.COMPLETED: "Completed",
    ActionStatus.CANCELLED: "Cancelled",
}


class ActionForm(LearnHubForm):
    description = TextAreaField(
        "What will change?",
        description="Describe the change to the work, the tools or the system, not to a person",
        validators=[
            DataRequired("Enter what will change"),
            Length(
                max=MAX_DESCRIPTION,
                message=f"What will change must be {MAX_DESCRIPTION:,} characters or fewer",
            ),
        ],
    )
    owner = StringField(
        "Owner (a team or role)",
        description="A team or role, never a named person, for example “Duty and assessment "
        "team manager” or “Workforce development”",
        validators=[
            DataRequired("Enter the team or role that owns the action"),
            Length(max=MAX_OWNER, message=f"Owner must be {MAX_OWNER} characters or fewer"),
        ],
    )
    owner_email = StringField(
        "Email for the weekly reminder",
        description="A team mailbox is best. Each Monday it gets a list of its open and "
        "overdue actions.",
        validators=[Optional()],
    )
    due_day = StringField("Day", validators=[Optional(), Length(max=2)])
    due_month = StringField("Month", validators=[Optional(), Length(max=2)])
    due_year = StringField("Year", validators=[Optional(), Length(max=4)])

    def due_date(self) -> dt.date | None:
        """The date typed, or None with an error on ``due_day`` saying what is wrong."""
        parts = [(f.data or "").strip() for f in (self.due_day, self.due_month, self.due_year)]
        day, month, year = parts
        missing = [
            name for name, value in zip(("day", "month", "year"), parts, strict=True) if not value
        ]
        if len(missing) == 3:
            self.due_day.errors = ["Enter the date the action is due"]
            return None
        if missing:
            self.due_day.errors = ["The due date must include a " + " and a ".join(missing)]
            return None
        due = typed_date(day, month, year)
        if due is None:
            self.due_day.errors = ["The due date must be a real date, like 27 3 2027"]
        return due


class StatusForm(LearnHubForm):
    status = RadioField(
        "Status",
        choices=[SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()],
        validators=[DataRequired("Choose a status")],
    )
    completion_evidence = TextAreaField(
        "Evidence of completion",
        description="Needed to mark it completed: what changed, and how the panel knows, for "
        "example “New handover checklist in use in all three duty teams since March”",
        validators=[
            Optional(),
            Length(
                max=MAX_EVIDENCE,
                message=f"Evidence must be {MAX_EVIDENCE:,} characters or fewer",
            ),
        ],
    )

    def validate(self, extra_validators: dict[str, object] | None = None) -> bool:
        valid = super().validate(extra_validators)  # type: ignore[arg-type]
        self.status.errors = [
            "Choose open, in progress, completed or cancelled" if "valid choice" in e else e
            for e in self.status.errors
        ]
        return valid
