"""identity: chambers (tenants) and accounts: admin / user / sub IDs and chamber staff (ID-1 … ID-9)."""
