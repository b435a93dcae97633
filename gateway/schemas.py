"""The HTTP contract's shapes (API.md), for validation and for the OpenAPI document."""
from marshmallow import Schema, fields

from services.identity.schemas import ChamberSchema

__all__ = ["ChamberSchema", "ErrorSchema", "HealthSchema"]


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "validation_failed"})
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", keys=fields.String(),
                          values=fields.List(fields.String()),
                          metadata={"description": "field path -> messages"})


class ErrorSchema(Schema):
    """Every error answer: `{"error": {"code", "message", "fields"}}`."""

    error = fields.Nested(ErrorBodySchema, required=True)


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok", "unavailable"]})
    services = fields.Dict(keys=fields.String(), values=fields.String(),
                           metadata={"example": {"identity": "ok", "notify": "unavailable"}})
    failing = fields.List(fields.String(), metadata={"description": "services that did not answer"})
