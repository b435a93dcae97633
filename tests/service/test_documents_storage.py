"""Issue 13: the documents service on an S3-compatible store (moto's server on loopback),
through RabbitMQ: it checks the store when it starts and refuses to start without a working
one; with one, a certificate's PDF is rendered, signed, stored in the bucket and fetched."""
import base64
import hashlib

import nameko
import pytest

from services.documents.samples import certificate_of_origin
from services.documents.service import DocumentsService
from services.documents.storage import StoreUnavailable
from tests.conftest import free_port
from tests.helpers.pdf import fetch_pdf
from tests.helpers.s3 import (
    ACCESS_KEY,
    REGION,
    SECRET_KEY,
    moto_server,
    new_bucket_name,
    s3_client,
)


@pytest.fixture(scope="module")
def s3_endpoint():
    with moto_server() as endpoint:
        yield endpoint


def s3_settings(endpoint: str, bucket: str) -> dict:
    storage = {"backend": "s3", "bucket": bucket, "endpoint_url": endpoint, "region": REGION,
               "access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "prefix": "files/"}
    return {**nameko.config["DOCUMENTS"], "storage": storage}


def test_documents_on_s3_renders_signs_stores_and_fetches(s3_endpoint, runner_factory,
                                                          rpc_client):
    bucket = new_bucket_name()
    client = s3_client(s3_endpoint)
    client.create_bucket(Bucket=bucket)
    with nameko.config.patch({"DOCUMENTS": s3_settings(s3_endpoint, bucket)}):
        runner_factory(DocumentsService).start()
        rendered = rpc_client.documents.render("co", certificate_of_origin())
        pdf = fetch_pdf(rpc_client.documents, rendered["file_id"])
        attachment = rpc_client.documents.store_attachment(
            base64.b64encode(pdf).decode(), "signed.pdf")

    assert rendered["signed"] and hashlib.sha256(pdf).hexdigest() == rendered["file_id"]
    key = f"files/{rendered['file_id'][:2]}/{rendered['file_id']}"
    stored = client.get_object(Bucket=bucket, Key=key)
    assert stored["Body"].read() == pdf and stored["ContentType"] == "application/pdf"
    assert attachment["file_id"] == rendered["file_id"]  # the same bytes: the same object
    keys = sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == sorted([key, "files/startup-probe"])


@pytest.mark.parametrize("broken", ["missing bucket", "wrong endpoint"])
def test_documents_refuses_to_start_on_a_store_that_does_not_work(broken, s3_endpoint,
                                                                  runner_factory, log_lines):
    bucket, endpoint = new_bucket_name(), s3_endpoint
    if broken == "wrong endpoint":
        s3_client(s3_endpoint).create_bucket(Bucket=bucket)
        endpoint = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    with (nameko.config.patch({"DOCUMENTS": s3_settings(endpoint, bucket)}),
          pytest.raises(StoreUnavailable) as raised):
        runner_factory(DocumentsService).start()

    message = str(raised.value)
    assert f"s3 bucket {bucket!r}" in message and endpoint in message
    assert ("the bucket does not exist" if broken == "missing bucket"
            else "EndpointConnectionError") in message
    assert SECRET_KEY not in message and ACCESS_KEY not in message
    [line] = [line for line in log_lines().splitlines() if "file_store_unavailable" in line]
    assert bucket in line and endpoint in line and SECRET_KEY not in line
