"""The content-addressed file store (services/documents/storage.py): a real directory, and a
real S3-compatible server (moto, on loopback) for S3Store."""

import hashlib
import os
import threading
from pathlib import Path

import pytest

from services.documents.exceptions import FileNotFound
from services.documents.storage import (
    DirectoryStore,
    FileStore,
    S3Store,
    StoredFile,
    StoreUnavailable,
    store_from_config,
)
from tests.helpers.s3 import ACCESS_KEY, REGION, SECRET_KEY, moto_server, new_bucket_name

PDF = b"%PDF-1.7\n" + os.urandom(2048) + b"\n%%EOF\n"
UNKNOWN = "0" * 64
BAD_IDS = ["../x", "../" + "a" * 61, "A" * 64, "a" * 63, "a" * 65, "", "/etc/passwd",
           "ab/../../" + "a" * 55, "a" * 63 + "\n", None, 42]


@pytest.fixture(scope="module")
def s3_server():
    with moto_server() as endpoint:
        yield endpoint


def make_s3_store(endpoint: str, prefix: str = "files/", create: bool = True) -> S3Store:
    store = S3Store(new_bucket_name(), endpoint_url=endpoint, region=REGION,
                    access_key=ACCESS_KEY, secret_key=SECRET_KEY, prefix=prefix)
    if create:
        store.client.create_bucket(Bucket=store.bucket)
    return store


@pytest.fixture(params=["directory", "s3"])
def store(request, tmp_path) -> FileStore:
    if request.param == "directory":
        return DirectoryStore(tmp_path / "files")
    return make_s3_store(request.getfixturevalue("s3_server"))


def test_round_trip(store):
    file_id = store.put(PDF, "application/pdf")

    assert file_id == hashlib.sha256(PDF).hexdigest()
    assert store.exists(file_id)
    assert store.get(file_id) == StoredFile(file_id, PDF, "application/pdf", len(PDF))
    assert isinstance(store, FileStore)


def test_storing_the_same_bytes_again_is_a_no_op(store):
    first = store.put(PDF, "application/pdf")
    second = store.put(PDF, "image/png")

    assert first == second
    assert store.get(first).content_type == "application/pdf"  # the first one stays


def test_content_types_are_kept_per_file(store):
    png, empty = store.put(b"\x89PNG fake", "image/png"), store.put(b"", "")

    assert store.get(png).content_type == "image/png"
    assert store.get(empty) == StoredFile(hashlib.sha256(b"").hexdigest(), b"",
                                          "application/octet-stream", 0)


def test_an_unknown_id_is_file_not_found(store):
    assert not store.exists(UNKNOWN)
    with pytest.raises(FileNotFound) as raised:
        store.get(UNKNOWN)
    assert raised.value.code == "file_not_found" and raised.value.status == 404


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_a_bad_id_is_file_not_found_and_touches_nothing(store, bad_id, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a bad id reached the storage")

    if isinstance(store, DirectoryStore):
        monkeypatch.setattr(Path, "read_bytes", forbidden)
        monkeypatch.setattr(Path, "is_file", forbidden)
    else:
        monkeypatch.setattr(store, "client", None)

    assert store.exists(bad_id) is False
    with pytest.raises(FileNotFound):
        store.get(bad_id)


def test_a_bad_content_type_is_refused(store):
    with pytest.raises(ValueError):
        store.put(b"x", "text/plain\r\nX-Injected: 1")


def test_concurrent_puts_of_the_same_bytes_all_succeed(store):
    data = os.urandom(256 * 1024)
    results, errors = [], []
    barrier = threading.Barrier(8)

    def put():
        try:
            barrier.wait(10)
            results.append(store.put(data, "application/pdf"))
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=put) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert results == [hashlib.sha256(data).hexdigest()] * 8
    assert store.get(results[0]).data == data


def test_directory_layout_and_no_temporary_files_left(tmp_path):
    store = DirectoryStore(tmp_path)
    file_id = store.put(PDF, "application/pdf")

    path = tmp_path / file_id[:2] / file_id[2:4] / file_id
    assert path.read_bytes() == PDF
    assert sorted(p.name for p in path.parent.iterdir()) == [file_id, f"{file_id}.type"]


def test_a_file_written_by_another_process_without_type_reads_as_octet_stream(tmp_path):
    store = DirectoryStore(tmp_path)
    file_id = store.put(PDF, "application/pdf")
    (tmp_path / file_id[:2] / file_id[2:4] / f"{file_id}.type").unlink()

    assert store.get(file_id).content_type == "application/octet-stream"


def test_s3_keys_have_the_prefix(s3_server):
    store = make_s3_store(s3_server, prefix="tenant-a/")
    file_id = store.put(PDF, "application/pdf")

    head = store.client.head_object(Bucket=store.bucket, Key=f"tenant-a/{file_id[:2]}/{file_id}")
    assert head["ContentType"] == "application/pdf"
    assert head["ContentLength"] == len(PDF)


def test_store_from_config(tmp_path):
    default = tmp_path / "var" / "files"

    assert store_from_config({}, default).root == default
    assert store_from_config(None, default).root == default
    assert store_from_config({"backend": "directory", "root": ""}, default).root == default
    assert store_from_config({"root": "other"}, default).root == tmp_path / "var" / "other"
    assert store_from_config({"root": str(tmp_path / "abs")}, default).root == tmp_path / "abs"

    s3 = store_from_config({"backend": "S3", "bucket": "b", "endpoint_url": "http://127.0.0.1:9",
                            "region": "us-east-1", "access_key": "k", "secret_key": "s",
                            "prefix": "p/"}, default)
    assert isinstance(s3, S3Store) and (s3.bucket, s3.prefix) == ("b", "p/")
    assert s3.client.meta.endpoint_url == "http://127.0.0.1:9"

    with pytest.raises(ValueError):
        store_from_config({"backend": "s3"}, default)
    with pytest.raises(ValueError):
        store_from_config({"backend": "ftp"}, default)


# --- the check at start (issue 13) ------------------------------------------------------


def test_a_working_store_passes_its_check(store):
    store.check()
    store.check()  # again (another process starting): the same probe, still fine

    assert store.put(PDF, "application/pdf") == hashlib.sha256(PDF).hexdigest()


def test_a_directory_that_cannot_be_written_fails_the_check(tmp_path):
    (tmp_path / "file").write_bytes(b"")  # a file where the directory should be
    store = DirectoryStore(tmp_path / "file" / "files")

    with pytest.raises(StoreUnavailable) as raised:
        store.check()
    assert str(tmp_path / "file" / "files") in str(raised.value)


def test_a_missing_bucket_fails_the_check_naming_it(s3_server):
    store = make_s3_store(s3_server, create=False)

    with pytest.raises(StoreUnavailable) as raised:
        store.check()
    message = str(raised.value)
    assert f"s3 bucket {store.bucket!r}" in message and s3_server in message
    assert "the bucket does not exist" in message
    assert SECRET_KEY not in message and ACCESS_KEY not in message


def test_an_endpoint_nobody_answers_fails_the_check(s3_server):
    from tests.conftest import free_port

    endpoint = f"http://127.0.0.1:{free_port()}"
    store = S3Store("tradecert-nowhere", endpoint_url=endpoint, region=REGION,
                    access_key=ACCESS_KEY, secret_key=SECRET_KEY)

    with pytest.raises(StoreUnavailable) as raised:
        store.check()
    assert endpoint in str(raised.value) and "EndpointConnectionError" in str(raised.value)
    assert SECRET_KEY not in str(raised.value)


def test_the_check_leaves_one_probe_object_beside_the_files(s3_server):
    store = make_s3_store(s3_server, prefix="tenant-b/")
    store.check()

    listed = store.client.list_objects_v2(Bucket=store.bucket)["Contents"]
    assert [item["Key"] for item in listed] == ["tenant-b/startup-probe"]
