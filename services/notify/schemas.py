from marshmallow import Schema, fields, validate

from tradecert.schemas import CCI_CODE, Email


class MailRequestSchema(Schema):
    """`send_mail` RPC: one mail from a named template (templates/<template>.txt)."""

    to = Email(required=True)
    template = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]+$"))
    context = fields.Dict(keys=fields.String(), load_default=dict)
    cci_code = fields.String(load_default=None, allow_none=True,
                             validate=CCI_CODE)


class MailMessageSchema(Schema):
    id = fields.Integer()
    message_id = fields.String()
    template = fields.String()
    to_address = fields.String()
    subject = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
