"""notify's errors."""
from tradecert.errors import ValidationFailed


class UnknownTemplate(ValidationFailed):
    default_code = "unknown_mail_template"
