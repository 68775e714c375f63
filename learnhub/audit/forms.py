"""The audit trail's search form (GET, so a search is a link that can be shared)."""

from __future__ import annotations

from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from learnhub.core.forms import LearnHubForm
from learnhub.core.inputs import within_real_days
from learnhub.core.words import humanise


class AuditSearchForm(LearnHubForm):
    class Meta:
        csrf = False  # a search changes nothing

    actor = StringField(
        "Who", validators=[Optional(), Length(max=320)], description="Part of an email address"
    )
    action = SelectField(
        "What they did", choices=[SelectChoice("", "Anything")], validate_choice=False
    )
    object_type = SelectField(
        "Kind of object", choices=[SelectChoice("", "Any")], validate_choice=False
    )
    object_id = StringField(
        "Object", validators=[Optional(), Length(max=64)], description="For example LR-7KQ2M-X4D9P"
    )
    since = DateField(
        "From",
        validators=[Optional(), within_real_days],
        format="%Y-%m-%d",
        description="For example 2026-11-01",
    )
    until = DateField(
        "To",
        validators=[Optional(), within_real_days],
        format="%Y-%m-%d",
        description="For example 2026-11-30",
    )

    def validate_until(self, field: DateField) -> None:
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError("The end date must be the same as or after the start date")


def set_choices(field: SelectField, blank: str, values: list[str]) -> None:
    """Stored values offered in words ("report_codes" as "Report codes"), sent as stored."""
    field.choices = [SelectChoice("", blank), *(SelectChoice(v, humanise(v)) for v in values)]
