"""Schemas for themes in the API. A suppressed count is null, with ``suppressed`` true."""

from marshmallow import Schema, fields


class MonthlyCountSchema(Schema):
    month = fields.String(metadata={"example": "2026-03"})
    value = fields.Integer(allow_none=True)
    suppressed = fields.Boolean()


class ThemeSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    status = fields.String()
    defining_codes = fields.List(fields.String())
    terms = fields.List(fields.String())
    member_count = fields.Integer(allow_none=True)
    suppressed = fields.Boolean()
    monthly_counts = fields.List(fields.Nested(MonthlyCountSchema))
    rising = fields.Boolean()
    rising_reason = fields.String()
    score = fields.Float(allow_none=True)


class ThemeListSchema(Schema):
    themes = fields.List(fields.Nested(ThemeSchema), required=True)
