"""identity's contract: the RPC methods other services and the gateway may call
(`ServiceRpc("identity")`), and the events it publishes (source `identity`).

Payloads are loaded with the schemas of services/identity/schemas.py named below; errors are
those of services/identity/exceptions.py (and tradecert.errors' kinds), which cross RPC as
tradecert/errors.py says. `caller` is the context `authorize` returned for the request.

Events carry facts: ids, numbers, dates and the one-time secret a change created and that
cannot be read back later (a code or token stored only as a hash). Names and addresses of an
account are asked with `account_contact`, so an event never carries another service's mail.
"""
from typing import Protocol

from marshmallow import Schema, fields, validate

from tradecert import outbox

SERVICE = "identity"

#: The RPCs that take seconds by design (they render a PDF, or hash a password for each ID
#: they create): callers wait RPC.slow_timeout_s for them (the gateway
#: GATEWAY.rpc_slow_timeout_s), for any other RPC.timeout_s (issue 12).
SLOW_CALLS = frozenset({"apply_registration_change", "create_registration_accounts",
                        "signer_certificate"})

CCI_CODE = validate.Regexp(r"^\d{4}$")
LOGIN_ID = validate.Length(min=1, max=32)


class IdentityRpc(Protocol):
    """Every RPC of `identity`; the service class implements each (services/identity/service.py)."""

    # --- chambers and staff ---

    def get_chamber(self, cci_code: str) -> dict:
        """A chamber as ChamberSchema dumps it (names, registration fees, validity, rules).
        Raises ChamberNotFound."""

    def list_chambers(self) -> list[dict]:
        """Every chamber, as get_chamber, by cci_code."""

    def add_chamber(self, payload: dict) -> dict:
        """Adds a tenant from a ChamberSchema body; returns it. Publishes `chamber_added`.
        Raises ValidationFailed, ChamberExists."""

    def add_staff(self, payload: dict) -> dict:
        """Adds chamber staff from a NewStaffSchema body; returns AccountSchema. Publishes
        `account_created`. Raises ValidationFailed, ChamberNotFound, PasswordPolicyViolated,
        LoginIdTaken."""

    def account_contact(self, cci_code: str, login_id: str) -> dict:
        """For mails about an account (notify): {cci_code, login_id, kind, name, email,
        company: {trade_registration_number, name_ja, name_en} | null}, `email` may be null,
        `company` is null for staff. Raises AccountNotFound."""

    # --- sessions and the one authorization path (ID-1, ID-7 … ID-9) ---

    def login(self, payload: dict, via: str = "bearer",
              client_address: str | None = None) -> dict:
        """LoginSchema in; {token, account, must_change_password, must_verify_email} out.
        `via="cookie"` (the pages' login): `token` is the session's cookie credential, which
        is no bearer token. Requests an e-mail verification code at a user ID's first login
        (ID-5). `client_address` is the client's as the gateway determined it (None: not
        limited per address); failures are counted per address, address and ID, and ID.
        Raises ValidationFailed, InvalidCredentials (also for a locked or retired ID),
        LoginThrottled (429 for this address)."""

    def logout(self, token: str, via: str = "bearer") -> None:
        """Ends the session of `token` (a bearer token, or `via="cookie"` a cookie
        credential), if any."""

    def authorize(self, token: str | None, action: str, via: str = "bearer") -> dict:
        """The caller context for `action` (ID-7's table); `token` is a bearer token or,
        `via="cookie"`, a page session's cookie credential. Raises SessionEnded (also for a
        locked ID), SessionExpired (idle or past the absolute lifetime), SessionReplaced,
        NotPermitted, PasswordChangeRequired, EmailVerificationRequired."""

    def me(self, caller: dict) -> dict:
        """The caller's account, chamber, registration and pending obligations."""

    def change_password(self, caller: dict, payload: dict,
                        client_address: str | None = None) -> None:
        """PasswordChangeSchema (ID-2); a wrong current password counts as a failed login.
        Raises WrongCurrentPassword, PasswordPolicyViolated, LoginThrottled."""

    # --- e-mail verification (ID-5) ---

    def request_email_verification(self, caller: dict, payload: dict,
                                   client_address: str | None = None) -> dict:
        """EmailVerificationRequestSchema; mails a new code, {email, expires_at}. Publishes
        `verification_requested`. Raises TooManyAttempts (`verification_resend_too_soon`,
        per ID whatever the address), VerificationCodesUsedUp (per ID a day, per address)."""

    def confirm_email_verification(self, caller: dict, payload: dict) -> None:
        """EmailVerificationConfirmSchema. Raises VerificationCodeInvalid, WrongCodesUsedUp
        (too many wrong codes for the ID today)."""

    # --- a registration's IDs (REG-8, ID-2 … ID-6) ---

    def create_registration_accounts(self, payload: dict) -> dict:
        """RegistrationAccountsSchema; the admin ID and a user ID per signer:
        {admin: {login_id, initial_password}, users: [{signer_id, login_id}]}. Publishes
        `registration_accounts_created`. Idempotent on (cci_code, trade_registration_number):
        a repeat answers the same IDs and initial password (brought in line with the signers
        sent) until `registration_approved` says the certificate exists. Raises
        ChamberNotFound, Conflict (`registration_exists`) after that."""

    def active_signers(self, cci_code: str, trade_registration_number: str) -> list[dict]:
        """The registration's signers whose user IDs work: [{login_id, signer_id, name_ja,
        name_en, title_en, email, email_verified}]. Raises RegistrationNotFound."""

    def apply_registration_change(self, payload: dict) -> dict:
        """RegistrationChangeSchema (an approved change request, 変更申請): the company's
        snapshot, the admin's name and address, a user ID per added signer (its initial
        password kept for its signer registration certificate, ID-3), the removed signers'
        user IDs and their sub IDs retired, their sessions ended: {users: [{signer_id,
        login_id}]}. Idempotent on the change request. Raises RegistrationNotFound."""
    # --- chamber staff: a registration's IDs (issue 9) ---

    def staff_registration_accounts(self, caller: dict, number: str) -> dict:
        """RegistrationIdsSchema: the admin, user and sub IDs of a trade registration of the
        caller's chamber, each with its locked state. Raises RegistrationNotFound."""

    def lock_account(self, caller: dict, login_id: str) -> dict:
        """Locks an admin, user or sub ID of the caller's chamber: its sessions end, its
        logins fail as a wrong password. StaffAccountSchema out. Publishes `account_locked`.
        Raises AccountNotFound (another chamber's, unknown, or a staff ID)."""

    def unlock_account(self, caller: dict, login_id: str) -> dict:
        """Undoes `lock_account`. Publishes `account_unlocked`. Raises AccountNotFound."""

    def prepare_admin_password(self, caller: dict, number: str) -> dict:
        """A new admin password for a registration of the caller's chamber, kept sealed and
        not in effect: {admin_login_id, password, ref}. Raises RegistrationNotFound,
        AccountNotFound."""

    def admin_password_certified(self, cci_code: str, number: str, ref: str) -> None:
        """The trade registration certificate printing password `ref` is kept: it takes
        effect (forced change at the next login, the admin's sessions end). Idempotent; also
        done on registration's `admin_password_reissued`. Raises RegistrationNotFound."""

    def list_signers(self, caller: dict) -> list[dict]:
        """SignerSchema list: every signer with the sub IDs each created (ID-6.4)."""

    def applicant(self, caller: dict) -> dict:
        """For issuance (ISS-3): the applying user or sub ID and who signs for it:
        {login_id, kind, signer_login_id (a user ID itself; a sub ID the user ID that
        created it), signer: {name_ja, name_en, title_en}, signature_file_id (the signer's
        registered signature image, REG-7), trade_registration_number, cci_code}. Raises
        NotPermitted (the admin ID, staff, an ID that no longer works), SignerUnavailable
        (409 `signer_unavailable`: the signer was removed by a change request or locked)."""

    def signer_certificate(self, caller: dict, login_id: str) -> dict:
        """Renders a signer registration certificate (ID-3): {file_id, password_shown}.
        Raises AccountNotFound, RegistrationNotFound, documents' errors."""

    def set_signer_password(self, caller: dict, login_id: str, payload: dict) -> None:
        """NewPasswordSchema (ID-4). Raises AccountNotFound, PasswordPolicyViolated."""

    def set_sub_id_password(self, caller: dict, login_id: str, payload: dict) -> None:
        """NewPasswordSchema (ID-6.5); cancels the sub ID's notification. Raises
        AccountNotFound, PasswordPolicyViolated."""

    def create_sub_id(self, caller: dict, payload: dict,
                      idempotency_key: str | None = None) -> dict:
        """SubIdSchema in and out (ID-6.1). The same `idempotency_key` (≤ 255 characters)
        from the same user ID answers the sub ID it created (issue 12). Raises
        PasswordPolicyViolated, LoginIdTaken."""

    def list_sub_ids(self, caller: dict) -> list[dict]:
        """SubIdSchema list of the calling signer's sub IDs."""

    def update_sub_id(self, caller: dict, login_id: str, payload: dict) -> dict:
        """SubIdUpdateSchema (ID-6.5); returns SubIdSchema. Raises AccountNotFound."""

    def delete_sub_id(self, caller: dict, login_id: str) -> None:
        """ID-6.6. Raises AccountNotFound."""

    def notify_sub_id(self, caller: dict, login_id: str, payload: dict,
                      client_address: str | None = None) -> dict:
        """SubIdNotificationSchema (ID-6.2): {login_id, notified}. Publishes
        `sub_id_notified`. Raises AccountNotFound, RegistrationNotFound, ValidationFailed,
        SubIdNotificationsUsedUp (per user ID a day, per client address)."""

    def activate_sub_id(self, payload: dict) -> dict:
        """SubIdActivationSchema (ID-6.3): {login_id, cci_code}. Raises ActivationInvalid,
        SubIdNotNotified, WrongActivationPassword."""

    def check_sub_id_activation(self, activation_token: str) -> dict:
        """ID-6.3: {cci_code} when the activation link still works, so the page says at once
        when it does not. Raises ActivationInvalid (params: reason, cci_code),
        SubIdNotNotified."""

    def health(self) -> dict:
        """{service, status: ok} when the database answers."""

    def echo(self) -> dict:
        """{service, ok: true} at once, touching nothing: the RPC round trip alone."""


# --- events ------------------------------------------------------------------------------

class Rule(Schema):
    title = fields.String(required=True)
    url = fields.String(required=True)
    # issue 9: optional, so that rules recorded before them still pass
    title_en = fields.String(allow_none=True)
    kind = fields.String()


class Fee(Schema):
    member = fields.Integer(required=True)
    non_member = fields.Integer(required=True)


class ChamberAdded(Schema):
    """`chamber_added`: a tenant was added, as get_chamber answers it."""

    cci_code = fields.String(required=True, validate=CCI_CODE)
    name_ja = fields.String(required=True)
    name_en = fields.String(required=True)
    registration_fee_jpy = fields.Nested(Fee, required=True)
    registration_validity_years = fields.Integer(required=True)
    rules = fields.List(fields.Nested(Rule), required=True)


class AccountEvent(Schema):
    cci_code = fields.String(required=True, validate=CCI_CODE)
    login_id = fields.String(required=True, validate=LOGIN_ID)


class AccountCreated(AccountEvent):
    """`account_created`: an ID exists (staff for now; name and address: account_contact)."""

    account_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("admin", "user", "sub",
                                                                 "staff")))


class RegisteredUser(Schema):
    signer_id = fields.String(required=True)
    login_id = fields.String(required=True, validate=LOGIN_ID)


class RegistrationAccountsCreated(Schema):
    """`registration_accounts_created`: the admin ID and the signers' user IDs (REG-8)."""

    cci_code = fields.String(required=True, validate=CCI_CODE)
    trade_registration_number = fields.String(required=True)
    admin_login_id = fields.String(required=True, validate=LOGIN_ID)
    users = fields.List(fields.Nested(RegisteredUser), required=True)


class VerificationRequested(AccountEvent):
    """`verification_requested` (ID-5): a code was made for this address of this ID. The
    code is stored hashed, so the event is the only way to the mail."""

    email = fields.Email(required=True)
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    valid_minutes = fields.Integer(required=True)


class SubIdNotified(AccountEvent):
    """`sub_id_notified` (ID-6.2): the signer notified a sub ID's holder with this subject and
    body; `activation_token` opens the single-use activation (stored hashed)."""

    target_email = fields.Email(required=True)
    target_trade_registration_number = fields.String(required=True)
    target_phone = fields.String(required=True, allow_none=True)
    subject = fields.String(required=True, validate=validate.Regexp(r"^[^\x00-\x1f\x7f]+$"))
    body = fields.String(required=True)
    activation_token = fields.String(required=True)
    expires_in_days = fields.Integer(required=True)


class AccountLockChanged(AccountEvent):
    """`account_locked` / `account_unlocked`: staff (`by_login_id`) locked or unlocked an
    ID of their chamber at `at` (ISO date-time)."""

    kind = fields.String(required=True, validate=validate.OneOf(("admin", "user", "sub")))
    by_login_id = fields.String(required=True, validate=LOGIN_ID)
    at = fields.String(required=True)


class SessionsChanged(AccountEvent):
    """`sessions_changed` (issue 12): what `authorize` answers for this ID's sessions changed
    other than by time: they ended (`logout`, `replaced` by a newer login, `locked`,
    `retired`, `password_reset`, `deleted`) or the caller it describes did
    (`password_changed`, `email_verified`, `updated`). The gateway forgets the callers it
    remembers for the ID (gateway/callers.py)."""

    reason = fields.String(required=True)


EVENTS = {
    "sessions_changed": SessionsChanged,
    "account_locked": AccountLockChanged,
    "account_unlocked": AccountLockChanged,
    "chamber_added": ChamberAdded,
    "account_created": AccountCreated,
    "registration_accounts_created": RegistrationAccountsCreated,
    "verification_requested": VerificationRequested,
    "sub_id_notified": SubIdNotified,
}

outbox.register_events(SERVICE, EVENTS)
