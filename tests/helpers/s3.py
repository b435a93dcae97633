"""moto's S3 in server mode: a real HTTP server on 127.0.0.1 in the test process (nothing
leaves the machine), and buckets of their own per test."""
import uuid
from contextlib import contextmanager

import pytest

#: moto accepts any key; these are no one's.
ACCESS_KEY, SECRET_KEY, REGION = "testing-access-key", "testing-secret-key", "us-east-1"


@contextmanager
def moto_server():
    """The endpoint URL of a running moto S3 server, stopped on exit."""
    server_module = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def new_bucket_name() -> str:
    return f"tradecert-{uuid.uuid4().hex[:12]}"


def s3_client(endpoint: str):
    import boto3

    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY)
