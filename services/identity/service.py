from services.identity import domain
from services.identity.dependencies import Database, LogContext, OutboxRelay
from services.identity.schemas import AccountSchema, ChamberSchema, NewStaffSchema
from tradecert.entrypoints import HealthCheck, rpc
from tradecert.schemas import load


class IdentityService(HealthCheck):
    name = "identity"

    db = Database()
    outbox = OutboxRelay()
    log_context = LogContext()

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
