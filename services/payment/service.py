from services.payment import domain
from services.payment.dependencies import Database, DefaultFees, LogContext, OutboxRelay
from services.payment.schemas import (
    FeeChangeSchema,
    FeeScheduleSchema,
    QuoteResultSchema,
    QuoteSchema,
)
from tradecert.entrypoints import HealthCheck, rpc
from tradecert.rpc import ServiceRpc
from tradecert.schemas import load


class PaymentService(HealthCheck):
    """Fee schedules per chamber (ISS-6, ISS-11); card payments and receipts to come (ISS-8)."""

    name = "payment"

    db = Database()
    outbox = OutboxRelay()
    log_context = LogContext()
    default_fees = DefaultFees()
    identity = ServiceRpc("identity")

    # --- fees (ISS-11) -------------------------------------------------------------------

    @rpc
    def fees(self, cci_code: str) -> dict:
        data = load(FeeChangeSchema(only=("cci_code",)), {"cci_code": cci_code})
        return FeeScheduleSchema().dump(
            domain.fees(self.db.session, data["cci_code"], self.default_fees))

    @rpc
    def quote(self, cci_code: str, certificate_type: str, membership: str,
              copies: int) -> dict:
        data = load(QuoteSchema(), {"cci_code": cci_code, "certificate_type": certificate_type,
                                    "membership": membership, "copies": copies})
        schedule = domain.fees(self.db.session, data.pop("cci_code"), self.default_fees)
        return QuoteResultSchema().dump(domain.quote(schedule, **data))

    @rpc
    def set_fees(self, cci_code: str, payload: dict, by_login_id: str) -> dict:
        change = load(FeeChangeSchema(), {"cci_code": cci_code, "by_login_id": by_login_id})
        fees = load(FeeScheduleSchema(), payload)
        self.identity.get_chamber(change["cci_code"])  # ChamberNotFound for an unknown one
        with self.db.transaction() as session:
            schedule = domain.set_fees(session, change["cci_code"], fees,
                                       change["by_login_id"], self.default_fees)
        return FeeScheduleSchema().dump(schedule)
