"""marshmallow at every edge: `load` validates a payload or raises ValidationFailed naming
each field, so nothing invalid gets past an entrypoint and nothing is half-written."""
from marshmallow import Schema, ValidationError

from tradecert.errors import validation_failed


def load(schema: Schema, payload, **kwargs):
    try:
        return schema.load(payload if payload is not None else {}, **kwargs)
    except ValidationError as exc:
        raise validation_failed(exc.messages) from None
