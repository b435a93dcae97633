"""Every service starts, migrates its own database and answers `health` over RabbitMQ."""
import pytest
from sqlalchemy import inspect

from gateway.service import GatewayService  # noqa: F401 (imports every service's errors)
from tests.helpers.services import service_class
from tradecert import SERVICES, config
from tradecert.db import make_engine


@pytest.mark.parametrize("service", SERVICES)
def test_service_starts_migrates_and_answers_health(service, runner_factory, rpc_client):
    runner = runner_factory(service_class(service))
    runner.start()

    assert rpc_client[service].health() == {"service": service, "status": "ok"}
    engine = make_engine(config.database_url(service))
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"alembic_version", "outbox_events", "processed_events"} <= tables
