"""Marshmallow schemas for the API's requests and responses."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from learnhub.core.time import parse_month
from learnhub.reports.models import EventType, PotentialSeverity, ReporterRole
from learnhub.reports.services import MAX_ANSWER_LENGTH, MAX_FACTORS, MAX_REPLY_LENGTH


class MeSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.Email(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    permissions = fields.List(fields.String(), required=True)


class MonthField(fields.Field):
    """A month as ``YYYY-MM`` in JSON, the 1st of that month in Python."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Enter a month as YYYY-MM, for example 2026-03")
        try:
            return parse_month(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.strftime("%Y-%m")


def answer_field(**kwargs: object) -> fields.String:
    return fields.String(
        validate=validate.Length(
            max=MAX_ANSWER_LENGTH,
            error=f"Must be {MAX_ANSWER_LENGTH:,} characters or fewer",
        ),
        **kwargs,
    )


def choice_field(values: list[str], **kwargs: object) -> fields.String:
    return fields.String(
        validate=validate.OneOf(values, error="Must be one of: " + ", ".join(values)), **kwargs
    )


class ReportRequestSchema(Schema):
    narrative = answer_field(
        required=True, metadata={"description": "What happened. Required; not empty."}
    )
    what_nearly_happened = answer_field(load_default="")
    what_stopped_it = answer_field(load_default="")
    what_made_it_likely = answer_field(load_default="")
    what_would_help = answer_field(load_default="")
    potential_severity = choice_field([s.value for s in PotentialSeverity], allow_none=True)
    event_type = choice_field([t.value for t in EventType], required=True)
    event_month = MonthField(required=True, metadata={"example": "2026-03"})
    service_area = fields.String(
        allow_none=True, validate=validate.Length(max=60), metadata={"description": "A slug"}
    )
    reporter_role = choice_field([r.value for r in ReporterRole], allow_none=True)
    factors = fields.List(
        fields.String(validate=validate.Length(max=32)),
        load_default=list,
        validate=validate.Length(max=MAX_FACTORS),
        metadata={"description": "Taxonomy codes of the active version"},
    )


class IdentifierFlagSchema(Schema):
    field = fields.String()
    kind = fields.String()
    start = fields.Integer()
    end = fields.Integer()


class ReportCreatedSchema(Schema):
    reference = fields.String(required=True)
    receipt = fields.String(required=True, metadata={"description": "Shown once; keep it safe"})
    identifier_flags = fields.List(fields.Nested(IdentifierFlagSchema))


class MessageSchema(Schema):
    direction = fields.String()
    body = fields.String()
    sent_on = fields.Date()


class FollowupSchema(Schema):
    reference = fields.String()
    status = fields.String()
    status_text = fields.String()
    received_on = fields.Date()
    event_month = MonthField()
    messages = fields.List(fields.Nested(MessageSchema))
    outcome = fields.String(allow_none=True)


class ReplyRequestSchema(Schema):
    body = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=MAX_REPLY_LENGTH, error=f"Must be 1 to {MAX_REPLY_LENGTH:,} characters"
        ),
    )


class ReplyCreatedSchema(Schema):
    message = fields.Nested(MessageSchema)
    identifier_flags = fields.List(fields.Nested(IdentifierFlagSchema))


class SuggestionRequestSchema(Schema):
    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20))


class SuggestedCodeSchema(Schema):
    code = fields.String()
    title = fields.String()
    score = fields.Float()


class SuggestionsSchema(Schema):
    reference = fields.String()
    taxonomy_version = fields.Integer()
    algorithm = fields.String()
    suggestions = fields.List(fields.Nested(SuggestedCodeSchema))
