"""Marshmallow schemas for the API's requests and responses."""

from marshmallow import Schema, fields


class MeSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.Email(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    permissions = fields.List(fields.String(), required=True)
