"""Schemas for the dashboard summary in the API. A hidden count is null with ``suppressed``
true; ``secondary`` says it was hidden only to protect a small count beside it."""

from marshmallow import Schema, fields


class CountSchema(Schema):
    value = fields.Integer(allow_none=True, metadata={"description": "Rounded to the nearest k"})
    suppressed = fields.Boolean()
    secondary = fields.Boolean()


class MonthCountSchema(CountSchema):
    month = fields.String(metadata={"example": "2026-03"})


class SignalSchema(Schema):
    rule = fields.String(metadata={"enum": ["outside", "shift", "trend", "two_of_three"]})
    description = fields.String()
    direction = fields.String(metadata={"enum": ["high", "low"]})
    months = fields.List(fields.String())


class ControlChartSchema(Schema):
    mean = fields.Float()
    mean_moving_range = fields.Float()
    upper_limit = fields.Float()
    lower_limit = fields.Float()
    signals = fields.List(fields.Nested(SignalSchema))


class ReportsSchema(Schema):
    total = fields.Nested(CountSchema)
    monthly = fields.List(fields.Nested(MonthCountSchema))
    control_chart = fields.Nested(ControlChartSchema, allow_none=True)
    sentence = fields.String()


class DashboardTierSchema(Schema):
    tier = fields.String()
    title = fields.String()
    total = fields.Nested(CountSchema)
    monthly = fields.List(fields.Nested(MonthCountSchema))


class DashboardThemeSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    reports = fields.Nested(CountSchema)
    monthly = fields.List(fields.Nested(MonthCountSchema))
    rising = fields.Boolean()
    rising_reason = fields.String()


class ActionsSchema(Schema):
    open = fields.Nested(CountSchema)
    overdue = fields.Nested(CountSchema)
    completed_this_quarter = fields.Nested(CountSchema)


class MeasureSchema(Schema):
    key = fields.String()
    label = fields.String()
    value = fields.Float(allow_none=True)
    unit = fields.String(metadata={"enum": ["days", "%"]})
    based_on = fields.Nested(CountSchema)


class FiltersSchema(Schema):
    from_ = fields.String(data_key="from", metadata={"example": "2025-01"})
    to = fields.String(metadata={"example": "2026-12"})
    service_area = fields.String(allow_none=True)
    event_type = fields.String(allow_none=True)


class DashboardSummarySchema(Schema):
    filters = fields.Nested(FiltersSchema)
    k = fields.Integer()
    refreshed_at = fields.DateTime(allow_none=True)
    reports = fields.Nested(ReportsSchema)
    factors = fields.List(fields.Nested(DashboardTierSchema))
    themes = fields.List(fields.Nested(DashboardThemeSchema))
    actions = fields.Nested(ActionsSchema)
    measures = fields.List(fields.Nested(MeasureSchema))


class DashboardQuerySchema(Schema):
    """The summary's filters, as the OpenAPI document describes them (the dashboard's own
    parser checks them, with the page's messages)."""

    from_ = fields.String(
        data_key="from", metadata={"description": "First month, YYYY-MM", "example": "2025-12"}
    )
    to = fields.String(metadata={"description": "Last month, YYYY-MM", "example": "2026-11"})
    service_area = fields.String(metadata={"description": "A service area's slug"})
    event_type = fields.String(
        metadata={"description": "near_miss, no_harm, harm or good_practice"}
    )
