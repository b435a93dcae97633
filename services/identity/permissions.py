"""ID-7 as data: what each kind of ID may do. The gateway names one action per route and
asks identity's `authorize`, which consults this table and nothing else.

| | admin ID | user ID | sub ID |
|---|---|---|---|
| view the registration and its signers | yes | yes | no |
| change registration, renew | yes | no | no |
| view / output signer registration certificates | yes | no | no |
| apply for certificates | no | yes | yes (signer = its creator) |
| view history, pay, print | no | yes | only its own applications |
| create / change / delete sub IDs | no (reset password only) | yes | no |
"""
ALL_KINDS = frozenset({"admin", "user", "sub", "staff"})

PERMISSIONS: dict[str, frozenset[str]] = {
    # every logged-in ID
    "me.view": ALL_KINDS,
    "session.end": ALL_KINDS,
    "password.change": ALL_KINDS,                               # ID-2
    "email.verify": frozenset({"user"}),                        # ID-5
    # admin and user IDs (REG-9): the registration as registered, its validity, signers
    "registration.view": frozenset({"admin", "user"}),
    # admin ID
    "registration.change": frozenset({"admin"}),               # REG-9
    "registration.renew": frozenset({"admin"}),                # REG-9
    "signers.view": frozenset({"admin"}),                      # ID-6.4
    "signer_certificates.output": frozenset({"admin"}),        # ID-3
    "signers.set_password": frozenset({"admin"}),              # ID-4
    "sub_ids.set_password": frozenset({"admin"}),              # ID-6.5
    # user ID (a signer)
    "sub_ids.manage": frozenset({"user"}),                     # ID-6.1, 6.2, 6.5, 6.6
    # user and sub IDs; a sub ID only ever its own applications (ISS-3)
    "applications.apply": frozenset({"user", "sub"}),
    "applications.view": frozenset({"user", "sub"}),
    "payments.pay": frozenset({"user", "sub"}),
    "certificates.print": frozenset({"user", "sub"}),
    # chamber staff
    "staff.review": frozenset({"staff"}),
    # lock / unlock a company's IDs, a new admin password (issue 9)
    "staff.accounts": frozenset({"staff"}),
}

#: Until the admin has changed its initial password (ID-2) only these work.
BEFORE_PASSWORD_CHANGE = frozenset({"me.view", "session.end", "password.change"})
#: Until a user ID has verified its e-mail address (ID-5) only these work.
BEFORE_EMAIL_VERIFIED = frozenset({"me.view", "session.end", "password.change", "email.verify"})


def allowed(kind: str, action: str) -> bool:
    """Unknown actions are refused: a route without an entry here is nobody's."""
    return kind in PERMISSIONS.get(action, frozenset())
