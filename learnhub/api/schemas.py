"""Marshmallow schemas for the API's requests and responses."""

from __future__ import annotations

import enum
from collections.abc import Callable

from marshmallow import Schema, ValidationError, fields, validate

from learnhub.core.time import parse_month
from learnhub.reports.models import EventType, PotentialSeverity, ReporterRole
from learnhub.reports.questions import MAX_ANSWER_LENGTH, MAX_FACTORS, QUESTIONS, Question
from learnhub.reports.services import MAX_REPLY_LENGTH


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


def choice_field(values: list[str], **kwargs: object) -> fields.String:
    return fields.String(
        validate=validate.OneOf(values, error="Must be one of: " + ", ".join(values)), **kwargs
    )


def described(question: Question, more: str = "") -> dict[str, object]:
    """The field's OpenAPI description: the question as the form asks it, then what the API
    adds about its value."""
    if not more:
        return {"description": question.asked}
    stop = "" if question.asked.endswith("?") else "."
    return {"description": f"{question.asked}{stop} {more}"}


def answer_field(question: Question) -> fields.Field:
    limit = question.max_length or MAX_ANSWER_LENGTH
    presence = {"required": True} if question.required else {"load_default": ""}
    return fields.String(
        validate=validate.Length(max=limit, error=f"Must be {limit:,} characters or fewer"),
        metadata=described(question, "Required; not empty." if question.required else ""),
        **presence,
    )


def enum_field(values: type[enum.Enum]) -> Callable[[Question], fields.Field]:
    def field(question: Question) -> fields.Field:
        presence = {"required": True} if question.required else {"allow_none": True}
        return choice_field([v.value for v in values], metadata=described(question), **presence)

    return field


def month_field(question: Question) -> fields.Field:
    description = described(question, "As YYYY-MM.")
    return MonthField(required=True, metadata={**description, "example": "2026-03"})


def service_area_field(question: Question) -> fields.Field:
    return fields.String(
        allow_none=True, validate=validate.Length(max=60), metadata=described(question, "A slug.")
    )


def factors_field(question: Question) -> fields.Field:
    return fields.List(
        fields.String(validate=validate.Length(max=32)),
        load_default=list,
        validate=validate.Length(max=MAX_FACTORS),
        metadata=described(question, "Taxonomy codes of the active version."),
    )


# The JSON field for each kind of question.
FIELD_FOR_KIND: dict[str, Callable[[Question], fields.Field]] = {
    "text": answer_field,
    "severity": enum_field(PotentialSeverity),
    "event_type": enum_field(EventType),
    "role": enum_field(ReporterRole),
    "month": month_field,
    "service_area": service_area_field,
    "factors": factors_field,
}

# A report as the API takes it: one field per question, named and described as defined in
# reports.questions (the JSON names are a contract, and are the questions' names).
ReportRequestSchema = Schema.from_dict(
    {question.name: FIELD_FOR_KIND[question.kind](question) for question in QUESTIONS},
    name="ReportRequestSchema",
)


class IdentifierFlagSchema(Schema):
    field = fields.String(required=True)
    kind = fields.String(required=True)
    start = fields.Integer(required=True)
    end = fields.Integer(required=True)


class ReportCreatedSchema(Schema):
    reference = fields.String(required=True)
    receipt = fields.String(required=True, metadata={"description": "Shown once; keep it safe"})
    identifier_flags = fields.List(fields.Nested(IdentifierFlagSchema), required=True)


class MessageSchema(Schema):
    direction = fields.String(required=True)
    body = fields.String(required=True)
    sent_on = fields.Date(required=True)


class FollowupSchema(Schema):
    reference = fields.String(required=True)
    status = fields.String(required=True)
    status_text = fields.String(required=True)
    received_on = fields.Date(required=True)
    event_month = MonthField(required=True)
    messages = fields.List(fields.Nested(MessageSchema), required=True)
    outcome = fields.String(allow_none=True, required=True)


class ReplyRequestSchema(Schema):
    body = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=MAX_REPLY_LENGTH, error=f"Must be 1 to {MAX_REPLY_LENGTH:,} characters"
        ),
    )


class ReplyCreatedSchema(Schema):
    message = fields.Nested(MessageSchema, required=True)
    identifier_flags = fields.List(fields.Nested(IdentifierFlagSchema), required=True)


class SuggestionRequestSchema(Schema):
    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20))


class SuggestedCodeSchema(Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    score = fields.Float(required=True)


class SuggestionsSchema(Schema):
    reference = fields.String(required=True)
    taxonomy_version = fields.Integer(required=True)
    algorithm = fields.String(required=True)
    suggestions = fields.List(fields.Nested(SuggestedCodeSchema), required=True)
