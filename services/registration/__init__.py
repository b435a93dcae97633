"""registration: trade registrations (貿易登録): invitations, applications, companies, signers,
approval, validity and renewal (REG-1 … REG-10).
"""
