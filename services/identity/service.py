import eventlet
from nameko.timer import timer

from services.documents.interfaces import SLOW_CALLS as DOCUMENTS_SLOW
from services.identity import accounts, domain, sessions, staff, verification
from services.identity.dependencies import Database, LogContext, Metrics, OutboxRelay
from services.identity.exceptions import (
    InvalidCredentials,
    LoginThrottled,
    SessionExpired,
    VerificationCodeInvalid,
    WrongActivationPassword,
    WrongCurrentPassword,
)
from services.identity.models import Account, RateLimit
from services.identity.schemas import (
    AccountSchema,
    ChamberSchema,
    EmailVerificationConfirmSchema,
    EmailVerificationRequestSchema,
    LoginSchema,
    NewPasswordSchema,
    NewStaffSchema,
    PasswordChangeSchema,
    PublicAccountSchema,
    RegistrationAccountsSchema,
    RegistrationChangeSchema,
    RegistrationIdsSchema,
    SignerSchema,
    StaffAccountSchema,
    SubIdActivationCheckSchema,
    SubIdActivationSchema,
    SubIdNotificationSchema,
    SubIdSchema,
    SubIdUpdateSchema,
)
from services.registration.interfaces import SERVICE as REGISTRATION
from tradecert import ratelimit
from tradecert.clock import japan_today
from tradecert.entrypoints import HealthCheck, event_handler, rpc
from tradecert.outbox import once_per_event
from tradecert.rpc import ServiceRpc
from tradecert.schemas import idempotency_key as idempotency_key_of
from tradecert.schemas import load


class IdentityService(HealthCheck):
    """Chambers and every account; decides every permission (ID-1 … ID-9).

    Calls that act for a logged-in ID take `caller`, the context `authorize` returned to the
    gateway for the same request."""

    name = "identity"

    db = Database()
    outbox = OutboxRelay()
    log_context = LogContext()
    metrics = Metrics()
    documents = ServiceRpc("documents", slow=DOCUMENTS_SLOW)

    # --- chambers and staff ---------------------------------------------------------------

    @rpc
    def get_chamber(self, cci_code: str) -> dict:
        return ChamberSchema().dump(domain.chamber_as_dict(domain.get_chamber(self.db.session,
                                                                               cci_code)))

    @rpc
    def list_chambers(self) -> list[dict]:
        return ChamberSchema(many=True).dump(
            [domain.chamber_as_dict(c) for c in domain.list_chambers(self.db.session)])

    @rpc
    def add_chamber(self, payload: dict) -> dict:
        data = load(ChamberSchema(), payload)
        with self.db.transaction() as session:
            chamber = domain.add_chamber(session, data)
        return ChamberSchema().dump(domain.chamber_as_dict(chamber))

    @rpc
    def add_staff(self, payload: dict) -> dict:
        data = load(NewStaffSchema(), payload)
        with self.db.transaction() as session:
            account = domain.add_staff(session, data)
        return AccountSchema().dump(account)

    @rpc
    def account_contact(self, cci_code: str, login_id: str) -> dict:
        """For notify: the name and address an event's mail goes to (interfaces.py)."""
        return domain.account_contact(self.db.session, cci_code, login_id)

    # --- sessions and the one authorization path --------------------------------------------

    @rpc
    def login(self, payload: dict, via: str = "bearer",
              client_address: str | None = None) -> dict:
        data = load(LoginSchema(), payload)
        with self.db.transaction() as session:
            delay = sessions.login_delay(session, data["cci_code"], data["login_id"])
        eventlet.sleep(delay)  # an ID that strangers keep failing on is slowed, not locked
        # A failed attempt is counted even though the call fails (ID-1 throttling).
        with self.db.transaction(commit_on=(InvalidCredentials, LoginThrottled)) as session:
            token, account = sessions.login(session, data["cci_code"], data["login_id"],
                                            data["password"], client_address, via)
            must_verify = sessions.needs_email_verification(account)
            if must_verify:
                verification.code_at_login(session, account)  # ID-5: at the first login
        return {"token": token, "account": PublicAccountSchema().dump(account),
                "must_change_password": account.must_change_password,
                "must_verify_email": must_verify}

    @rpc
    def logout(self, token: str, via: str = "bearer") -> None:
        with self.db.transaction() as session:
            sessions.logout(session, token, via)

    @rpc
    def authorize(self, token: str | None, action: str, via: str = "bearer") -> dict:
        # An expired session is recorded as ended, though the call fails.
        with self.db.transaction(commit_on=(SessionExpired,)) as session:
            return sessions.authorize(session, token, action, via)

    @rpc
    def me(self, caller: dict) -> dict:
        account = self._account(caller)
        return {**PublicAccountSchema().dump(account),
                "cci_code": caller["cci_code"],
                "trade_registration_number": caller["trade_registration_number"],
                "email": account.email,
                "must_change_password": caller["must_change_password"],
                "must_verify_email": caller["must_verify_email"]}

    @rpc
    def change_password(self, caller: dict, payload: dict,
                        client_address: str | None = None) -> None:
        data = load(PasswordChangeSchema(), payload)
        # A wrong current password counts as a failed login (issue 9), even though it fails.
        with self.db.transaction(commit_on=(WrongCurrentPassword, LoginThrottled)) as session, \
                sessions.password_attempt(session, caller["cci_code"], caller["login_id"],
                                          client_address, WrongCurrentPassword):
            account = self._account(caller, session)
            accounts.change_own_password(account, data["current_password"],
                                         data["new_password"])
            # its callers said must_change_password (ID-2)
            domain.sessions_changed(session, account, "password_changed")

    # --- e-mail verification (ID-5) --------------------------------------------------------

    @rpc
    def request_email_verification(self, caller: dict, payload: dict,
                                   client_address: str | None = None) -> dict:
        data = load(EmailVerificationRequestSchema(), payload)
        with self.db.transaction() as session:
            return verification.request_code(session, self._account(caller, session),
                                             data["email"], client_address)

    @rpc
    def confirm_email_verification(self, caller: dict, payload: dict) -> None:
        data = load(EmailVerificationConfirmSchema(), payload)
        with self.db.transaction(commit_on=(VerificationCodeInvalid,)) as session:
            verification.confirm_code(session, self._account(caller, session), data["code"])

    # --- a registration's IDs ----------------------------------------------------------------

    @rpc
    def create_registration_accounts(self, payload: dict) -> dict:
        data = load(RegistrationAccountsSchema(), payload)
        with self.db.transaction() as session:
            return accounts.create_registration_accounts(session, data)

    @event_handler(REGISTRATION, "registration_approved")
    @once_per_event
    def on_registration_approved(self, session, event):
        """REG-8: the trade registration certificate exists; the admin's password is no
        longer kept (ID-3 keeps a signer's only until its certificate, too)."""
        accounts.certificate_issued(session, event["data"]["cci_code"],
                                    event["data"]["trade_registration_number"])

    # --- chamber staff: a registration's IDs (issue 9) -----------------------------------------

    @rpc
    def staff_registration_accounts(self, caller: dict, number: str) -> dict:
        return RegistrationIdsSchema().dump(
            staff.registration_accounts(self.db.session, caller, number))

    @rpc
    def lock_account(self, caller: dict, login_id: str) -> dict:
        with self.db.transaction() as session:
            return StaffAccountSchema().dump(staff.account_view(
                staff.lock(session, caller, login_id)))

    @rpc
    def unlock_account(self, caller: dict, login_id: str) -> dict:
        with self.db.transaction() as session:
            return StaffAccountSchema().dump(staff.account_view(
                staff.unlock(session, caller, login_id)))

    @rpc
    def prepare_admin_password(self, caller: dict, number: str) -> dict:
        with self.db.transaction() as session:
            return staff.prepare_admin_password(session, caller, number)

    @rpc
    def admin_password_certified(self, cci_code: str, number: str, ref: str) -> None:
        with self.db.transaction() as session:
            staff.admin_password_certified(session, cci_code, number, ref)

    @event_handler(REGISTRATION, "admin_password_reissued")
    @once_per_event
    def on_admin_password_reissued(self, session, event):
        """The certificate with the new admin password is kept: the password takes effect
        (if registration's own call after its commit did not get through)."""
        data = event["data"]
        staff.admin_password_certified(session, data["cci_code"],
                                       data["trade_registration_number"], data["ref"])

    @rpc
    def active_signers(self, cci_code: str, trade_registration_number: str) -> list[dict]:
        """For registration's change requests: the signers whose user IDs work."""
        return accounts.active_signers(self.db.session, cci_code, trade_registration_number)

    @rpc
    def apply_registration_change(self, payload: dict) -> dict:
        data = load(RegistrationChangeSchema(), payload)
        with self.db.transaction() as session:
            return accounts.apply_registration_change(session, data)

    @rpc
    def list_signers(self, caller: dict) -> list[dict]:
        return SignerSchema(many=True).dump(
            accounts.signers_with_sub_ids(self.db.session, caller))

    @rpc
    def applicant(self, caller: dict) -> dict:
        """For issuance (ISS-3): the applying ID, its signer and the signer's signature."""
        return accounts.applicant(self.db.session, caller)

    @rpc
    def signer_certificate(self, caller: dict, login_id: str) -> dict:
        """ID-3: rendered by documents; the password only on the day of the first output."""
        today = japan_today()
        with self.db.transaction() as session:
            payload = accounts.signer_certificate_payload(session, caller, login_id, today)
            rendered = self.documents.render("signer-certificate", payload)
        return {"file_id": rendered["file_id"], "password_shown": payload["password"] is not None}

    @rpc
    def set_signer_password(self, caller: dict, login_id: str, payload: dict) -> None:
        data = load(NewPasswordSchema(), payload)
        with self.db.transaction() as session:
            accounts.set_password_by_admin(session, caller, login_id, "user",
                                           data["new_password"])

    @rpc
    def set_sub_id_password(self, caller: dict, login_id: str, payload: dict) -> None:
        data = load(NewPasswordSchema(), payload)
        with self.db.transaction() as session:
            accounts.set_password_by_admin(session, caller, login_id, "sub",
                                           data["new_password"])

    # --- sub IDs (ID-6) ----------------------------------------------------------------------

    @rpc
    def create_sub_id(self, caller: dict, payload: dict,
                      idempotency_key: str | None = None) -> dict:
        data = load(SubIdSchema(), payload)
        key = idempotency_key_of(idempotency_key)
        with self.db.transaction() as session:
            sub = accounts.create_sub_id(session, caller, data, key)
        return SubIdSchema().dump(accounts.sub_view(sub))

    @rpc
    def list_sub_ids(self, caller: dict) -> list[dict]:
        creator = self._account(caller)
        return SubIdSchema(many=True).dump(
            [accounts.sub_view(s) for s in accounts.subs_of(self.db.session, creator)])

    @rpc
    def update_sub_id(self, caller: dict, login_id: str, payload: dict) -> dict:
        data = load(SubIdUpdateSchema(), payload)
        with self.db.transaction() as session:
            sub = accounts.update_sub_id(session, caller, login_id, data)
        return SubIdSchema().dump(accounts.sub_view(sub))

    @rpc
    def delete_sub_id(self, caller: dict, login_id: str) -> None:
        with self.db.transaction() as session:
            accounts.delete_sub_id(session, caller, login_id)

    @rpc
    def notify_sub_id(self, caller: dict, login_id: str, payload: dict,
                      client_address: str | None = None) -> dict:
        data = load(SubIdNotificationSchema(), payload)
        with self.db.transaction() as session:
            return accounts.notify_sub_id(session, caller, login_id, data, client_address)

    @rpc
    def activate_sub_id(self, payload: dict) -> dict:
        data = load(SubIdActivationSchema(), payload)
        # A wrong password is counted even though the call fails.
        with self.db.transaction(commit_on=(WrongActivationPassword,)) as session:
            sub = accounts.activate_sub_id(session, data["activation_token"], data["password"])
        return {"login_id": sub.login_id, "cci_code": sub.cci_code}

    @timer(interval=3600)
    def prune_counters(self):
        """Counters whose window has closed (failed logins, codes, notifications) go."""
        with self.db.transaction() as session:
            ratelimit.prune(session, RateLimit)


    @rpc
    def check_sub_id_activation(self, activation_token: str) -> dict:
        data = load(SubIdActivationCheckSchema(), {"activation_token": activation_token})
        _, sub = accounts.open_activation(self.db.session, data["activation_token"])
        return {"cci_code": sub.cci_code}

    def _account(self, caller: dict, session=None) -> Account:
        return (session or self.db.session).get(Account, caller["account_id"])
