"""Issuance's rules, free of Nameko."""

SERVICE = "issuance"
