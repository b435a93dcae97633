"""Code every tradecert service needs: configuration, database, logging, outbox, errors.

One package, imported by every service and the gateway; never copied into them.
"""

#: Every service of the system, in the order `make run` starts them (ARCHITECTURE: Services).
SERVICES = ("identity", "registration", "issuance", "payment", "documents", "notify")
