import io
import logging

import pytest

from services.documents.service import DocumentsService
from tradecert.logs import json_formatter


@pytest.fixture(autouse=True)
def _fresh(fresh_databases, rabbit_config):
    """Service tests start from empty tables on their own vhost."""


@pytest.fixture
def documents(runner_factory, rpc_client):
    """The documents service running; its RPC proxy."""
    runner_factory(DocumentsService).start()
    return rpc_client.documents


@pytest.fixture
def log_lines():
    """What the JSON handler of every process (config.yaml LOGGING) would write."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream.getvalue
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
