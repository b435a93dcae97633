"""identity's errors: named for what happened; each maps to an HTTP answer in the gateway."""
from tradecert.errors import Conflict, NotFound, ValidationFailed


class ChamberNotFound(NotFound):
    default_code = "chamber_not_found"


class ChamberExists(Conflict):
    default_code = "chamber_exists"


class LoginIdTaken(Conflict):
    default_code = "login_id_taken"


class PasswordPolicyViolated(ValidationFailed):
    """ID-2: 8–16 half-width letters and digits, both present."""

    default_code = "password_policy"
