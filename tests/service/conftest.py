import pytest

from services.documents.service import DocumentsService


@pytest.fixture(autouse=True)
def _fresh(fresh_databases, rabbit_config):
    """Service tests start from empty tables on their own vhost."""


@pytest.fixture
def documents(runner_factory, rpc_client):
    """The documents service running; its RPC proxy."""
    runner_factory(DocumentsService).start()
    return rpc_client.documents
