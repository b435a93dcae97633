"""Code every tradecert service needs: configuration, database, logging, outbox, errors,
the clock.

One package, imported by every service and the gateway; never copied into them. It imports
no service, nor the gateway or the operations package (tests/unit/test_layers.py).
"""

#: Every service of the system, in the order `make run` starts them (ARCHITECTURE: Services).
SERVICES = ("identity", "registration", "issuance", "payment", "documents", "notify")
