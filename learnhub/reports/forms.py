"""The report form and the follow-up forms. Checks of meaning live in the services."""

from __future__ import annotations

import datetime as dt

from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from learnhub.core.forms import LearnHubForm
from learnhub.core.inputs import ascii_int
from learnhub.reports.models import EventType, PotentialSeverity, ReporterRole
from learnhub.reports.questions import MAX_ANSWER_LENGTH, QUESTION, too_long_message
from learnhub.reports.services import MAX_REPLY_LENGTH

SEVERITY_CHOICES = [
    SelectChoice(PotentialSeverity.LOW.value, "Low: it would have caused a short delay or worry"),
    SelectChoice(
        PotentialSeverity.MODERATE.value, "Moderate: a child or family could have been let down"
    ),
    SelectChoice(PotentialSeverity.SERIOUS.value, "Serious: a child could have been harmed"),
    SelectChoice(
        PotentialSeverity.SEVERE.value, "Severe: a child could have been seriously harmed"
    ),
]

ROLE_LABELS = {
    ReporterRole.SOCIAL_WORKER: "Social worker",
    ReporterRole.SENIOR_PRACTITIONER: "Senior practitioner or advanced practitioner",
    ReporterRole.TEAM_MANAGER: "Team manager or service manager",
    ReporterRole.PERSONAL_ADVISER: "Personal adviser",
    ReporterRole.FAMILY_SUPPORT: "Family support or early help worker",
    ReporterRole.RESIDENTIAL: "Residential care worker",
    ReporterRole.BUSINESS_SUPPORT: "Business support or administration",
    ReporterRole.OTHER: "Something else",
}


def answer(name: str) -> TextAreaField:
    """The form field for one free-text question, worded as the question is defined."""
    question = QUESTION[name]
    required = [DataRequired(question.required)] if question.required else [Optional()]
    limit = question.max_length or MAX_ANSWER_LENGTH
    too_long = Length(max=limit, message=too_long_message(name, limit))
    return TextAreaField(
        question.asked, description=question.hint, validators=[*required, too_long]
    )


def service_area_choices(areas: list[tuple[str, str]]) -> list[SelectChoice]:
    """``areas``: (slug, name) pairs."""
    return [SelectChoice("", "Prefer not to say")] + [
        SelectChoice(slug, name) for slug, name in areas
    ]


def factor_code_choices(codes: list[str]) -> list[SelectChoice]:
    return [SelectChoice(code, code) for code in codes]


class ReportForm(LearnHubForm):
    """The questions of reports.questions, asked in its order (templates/reports/_report_fields)."""

    narrative = answer("narrative")
    what_nearly_happened = answer("what_nearly_happened")
    potential_severity = RadioField(
        QUESTION["potential_severity"].asked, choices=SEVERITY_CHOICES, validators=[Optional()]
    )
    what_stopped_it = answer("what_stopped_it")
    # The service checks the area and factors chosen against today's (services.check_submission).
    factors = SelectMultipleField(
        QUESTION["factors"].asked, choices=[], validators=[Optional()], validate_choice=False
    )
    what_made_it_likely = answer("what_made_it_likely")
    what_would_help = answer("what_would_help")
    event_type = RadioField(
        QUESTION["event_type"].asked,
        choices=[SelectChoice(t.value, t.label) for t in EventType],
        validators=[DataRequired(QUESTION["event_type"].required)],
    )
    # The two boxes of the month question (QUESTION["event_month"]).
    event_month = StringField("Month", validators=[Optional(), Length(max=2)])
    event_year = StringField("Year", validators=[Optional(), Length(max=4)])
    service_area = SelectField(
        QUESTION["service_area"].asked, choices=[], validators=[Optional()], validate_choice=False
    )
    reporter_role = SelectField(
        QUESTION["reporter_role"].asked,
        choices=[SelectChoice("", "Prefer not to say")]
        + [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[Optional()],
    )
    submission_token = HiddenField()

    # WTForms says only "Not a valid choice"; say which choice, as GOV.UK asks.
    CHOICE_MESSAGES = {
        "potential_severity": "Choose how serious it could have been from the list",
        "event_type": QUESTION["event_type"].required,
        "service_area": "Choose a service area from the list",
        "reporter_role": "Choose a role from the list",
        "factors": "Choose factors from the list",
    }

    def validate(self, extra_validators: dict[str, object] | None = None) -> bool:
        valid = super().validate(extra_validators)  # type: ignore[arg-type]
        for name, message in self.CHOICE_MESSAGES.items():
            field = getattr(self, name)
            field.errors = [message if "valid choice" in e else e for e in field.errors]
        return valid

    def offer(self, areas: list[SelectChoice], codes: list[SelectChoice]) -> None:
        """Today's service areas and factor codes to choose from."""
        self.service_area.choices = areas
        self.factors.choices = codes

    def event_month_date(self) -> dt.date | None:
        """The month typed, or None with an error on the field saying what is wrong."""
        month, error = typed_month(self.event_month.data or "", self.event_year.data or "")
        if error:
            self.event_month.errors = [error]
        return month


def typed_month(month_typed: str, year_typed: str) -> tuple[dt.date | None, str | None]:
    """The month and year a reporter typed, as the 1st of the month; or None and what is wrong."""
    month_text, year_text = month_typed.strip(), year_typed.strip()
    if not month_text and not year_text:
        return None, QUESTION["event_month"].required
    if not month_text:
        return None, "The month it happened must include a month"
    if not year_text:
        return None, "The month it happened must include a year"
    month = ascii_int(month_text, 1, 12)
    if month is None:
        return None, "Month must be a number from 1 to 12"
    year = ascii_int(year_text, 1, 9999)
    if year is None or len(year_text) != 4:
        return None, "Year must be 4 numbers, like 2026"
    return dt.date(year, month, 1), None


class ReceiptForm(LearnHubForm):
    receipt = StringField(
        "Receipt code",
        description="It looks like ABCD-EFGH-JKMN-PQRS-TVWX. Capitals and dashes do not matter.",
        validators=[DataRequired("Enter your receipt code"), Length(max=64)],
    )


class ReplyForm(LearnHubForm):
    body = TextAreaField(
        "Your reply",
        validators=[
            DataRequired("Enter your reply"),
            Length(
                max=MAX_REPLY_LENGTH,
                message=f"Reply must be {MAX_REPLY_LENGTH:,} characters or fewer",
            ),
        ],
    )
    confirm_identifiers = HiddenField()
