"""Schemas for themes in the API. Outside the review panel counts are published as on the
dashboard: a suppressed count is null, with ``suppressed`` true, and others are rounded to the
nearest k."""

from marshmallow import EXCLUDE, Schema, fields, validate

from learnhub.themes.models import ThemeStatus

LISTED_STATUSES = (ThemeStatus.CANDIDATE, ThemeStatus.ACCEPTED, ThemeStatus.DISMISSED)
LISTED = [status.value for status in LISTED_STATUSES]


class MonthlyCountSchema(Schema):
    month = fields.String(metadata={"example": "2026-03"}, required=True)
    value = fields.Integer(allow_none=True, required=True)
    suppressed = fields.Boolean(required=True)
    secondary = fields.Boolean(
        required=True,
        metadata={
            "description": "Hidden only so that a small month beside it cannot be worked out "
            'from the total (shown as "not shown" on the pages); never true for the panel'
        },
    )


class ThemeSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(
        required=True,
        metadata={
            "description": "Outside the review panel: the panel's title, or one built from "
            "taxonomy codes and de-identified words when the panel's holds a word that is not"
        },
    )
    kind = fields.String(required=True)
    status = fields.String(required=True)
    defining_codes = fields.List(fields.String(), required=True)
    terms = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "The theme job's distinctive words; outside the review panel only "
            "those found in the theme's reviewer-confirmed redacted text"
        },
    )
    member_count = fields.Integer(
        allow_none=True,
        required=True,
        metadata={
            "description": "Outside the review panel: null below k, otherwise rounded to the "
            "nearest k, as on the dashboard"
        },
    )
    suppressed = fields.Boolean(required=True)
    monthly_counts = fields.List(fields.Nested(MonthlyCountSchema), required=True)
    rising = fields.Boolean(required=True)
    rising_reason = fields.String(required=True)
    score = fields.Float(allow_none=True, required=True)


class ThemeListSchema(Schema):
    themes = fields.List(fields.Nested(ThemeSchema), required=True)


class ThemeQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(
        load_default="candidate",
        validate=validate.OneOf(LISTED, error="Must be one of: " + ", ".join(LISTED)),
        metadata={
            "description": "Which themes to list (default: candidate). Outside the review "
            "panel only accepted themes are listed: other statuses give an empty list"
        },
    )


MAX_PAGE_SIZE = 200


class PageQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, error="Must be 1 or more"),
        metadata={"description": "Which page, from 1 (default 1)"},
    )
    size = fields.Integer(
        load_default=50,
        validate=validate.Range(
            min=1, max=MAX_PAGE_SIZE, error=f"Must be from 1 to {MAX_PAGE_SIZE}"
        ),
        metadata={"description": f"Reports per page, 1 to {MAX_PAGE_SIZE} (default 50)"},
    )


class ThemeReportSchema(Schema):
    reference = fields.String(required=True, metadata={"example": "LR-7K3QX-9M2PA"})
    event_month = fields.String(required=True, metadata={"example": "2026-03"})
    received_on = fields.Date(required=True)
    status = fields.String(required=True)


class ThemeReportPageSchema(Schema):
    theme_id = fields.Integer(required=True)
    page = fields.Integer(required=True)
    size = fields.Integer(required=True)
    total = fields.Integer(
        required=True, metadata={"description": "Reports in the theme, on every page"}
    )
    pages = fields.Integer(
        required=True,
        metadata={"description": "Pages at this size; a page past the last is empty"},
    )
    reports = fields.List(
        fields.Nested(ThemeReportSchema),
        required=True,
        metadata={"description": "Newest received first"},
    )
