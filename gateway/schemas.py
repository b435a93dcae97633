"""The HTTP contract's shapes (API.md), for validation and for the OpenAPI document."""
from marshmallow import Schema, fields

from services.identity.schemas import ChamberSchema as IdentityChamberSchema
from services.payment.schemas import FeeScheduleSchema

__all__ = ["ChamberSchema", "EchoSchema", "ErrorSchema", "HealthSchema"]


class ChamberSchema(IdentityChamberSchema):
    """GET /api/v1/chambers/{cci_code}: identity's chamber, and payment's certificate fees
    (API.md "Payment"; ISS-11: the configured default until the chamber sets its own)."""

    fees_jpy = fields.Nested(FeeScheduleSchema, required=True, metadata={
        "description": "yen, tax included, per certificate and per extra copy"})


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


class EchoSchema(Schema):
    """GET /api/v1/echo: the service that answered the one RPC (issue 12, `make load`)."""

    service = fields.String(required=True, metadata={"example": "identity"})
    ok = fields.Boolean(required=True)
