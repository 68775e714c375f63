"""Marshmallow schemas for the taxonomy API: the active version's tiers and codes, and versions."""

from __future__ import annotations

from marshmallow import Schema, fields


class TierSchema(Schema):
    key = fields.String(required=True, metadata={"example": "preconditions"})
    title = fields.String(required=True)
    reporter_heading = fields.String(
        required=True, metadata={"description": "The question the report form asks for this tier"}
    )
    description = fields.String()


class CodeSchema(Schema):
    code = fields.String(required=True, metadata={"example": "PRE-TECH-1"})
    tier = fields.String(required=True, metadata={"description": "The key of the code's tier"})
    category = fields.String(required=True, metadata={"description": "The group within the tier"})
    title = fields.String(required=True)
    definition = fields.String(required=True)
    prompt = fields.String(required=True, metadata={"description": "What reporters tick"})
    includes = fields.String()
    excludes = fields.String()
    examples = fields.List(fields.String())
    ycff_domain = fields.String(
        metadata={"description": "Yorkshire Contributory Factors Framework domain"}
    )


class TaxonomySchema(Schema):
    number = fields.Integer(required=True)
    label = fields.String(required=True)
    activated_at = fields.DateTime(allow_none=True)
    tiers = fields.List(fields.Nested(TierSchema), required=True)
    codes = fields.List(fields.Nested(CodeSchema), required=True)


class VersionSchema(Schema):
    number = fields.Integer(required=True)
    label = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "draft, active or retired"})
    created_at = fields.DateTime(required=True)
    activated_at = fields.DateTime(allow_none=True)
    code_count = fields.Integer(required=True)


class VersionListSchema(Schema):
    versions = fields.List(fields.Nested(VersionSchema), required=True)
