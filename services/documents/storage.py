"""Content-addressed file store: a file's id is the SHA-256 (lowercase hex) of its bytes.

Pure: no Nameko, no database. Two back-ends behind one interface, `FileStore`: a directory
(default; one file per id, written atomically) and S3 or any S3-compatible server (boto3).
`store_from_config` picks one from the settings.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from services.documents.exceptions import FileNotFound

DEFAULT_CONTENT_TYPE = "application/octet-stream"
_FILE_ID = re.compile(r"[0-9a-f]{64}\Z")
_CONTENT_TYPE = re.compile(r"[\x21-\x7e][\x20-\x7e]{0,254}\Z")  # printable ASCII, one line


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    data: bytes
    content_type: str
    size: int


@runtime_checkable
class FileStore(Protocol):
    def put(self, data: bytes, content_type: str) -> str:
        """Store `data`; return its id (SHA-256 hex). Storing the same bytes again changes
        nothing (the first content type stays) and returns the same id."""

    def get(self, file_id: str) -> StoredFile:
        """The stored file; FileNotFound if there is none (or `file_id` is not an id)."""

    def exists(self, file_id: str) -> bool:
        """Whether a file with this id is stored (False for anything that is not an id)."""

    def check(self) -> None:
        """Issue 13: prove the store usable now (reachable, writable, readable): the
        documents service calls it at start and refuses to start on StoreUnavailable."""

    def describe(self) -> str:
        """Where the files go, for logs and errors: never a credential."""


def file_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_file_id(file_id: object) -> bool:
    return isinstance(file_id, str) and _FILE_ID.match(file_id) is not None


def _checked_id(file_id: object) -> str:
    """The id itself, or FileNotFound: nothing that is not 64 lowercase hex digits ever
    reaches a path or a key."""
    if not is_file_id(file_id):
        shown = repr(file_id)[:80]
        raise FileNotFound(message=f"not a file id: {shown}")
    return file_id


def _checked_content_type(content_type: str) -> str:
    content_type = content_type or DEFAULT_CONTENT_TYPE
    if not isinstance(content_type, str) or not _CONTENT_TYPE.match(content_type):
        raise ValueError(f"not a usable content type: {content_type!r}")
    return content_type


def _not_found(file_id: str) -> FileNotFound:
    return FileNotFound(message=f"no stored file {file_id}")


class StoreUnavailable(RuntimeError):
    """The configured store cannot be used (`check`): the message names the store and the
    cause, never a credential."""

    def __init__(self, store: str, cause: str):
        super().__init__(f"file store unusable: {store}: {cause}")
        self.store, self.cause = store, cause


#: What `check` writes and reads back: the same bytes every time, so any number of
#: processes starting at once write the same object (no delete needed).
PROBE = b"tradecert file store probe\n"


# --- directory ---------------------------------------------------------------------------


class DirectoryStore:
    """Files under `root`: `root/ab/cd/<id>` holds the bytes, `root/ab/cd/<id>.type` the
    content type. Each file is written to a temporary file in the same directory, flushed to
    disk and renamed over the final name, the content type first: whoever sees the data file
    sees a complete file and its type, and several processes storing the same bytes at once
    all succeed with the same result."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def __repr__(self):
        return f"DirectoryStore({str(self.root)!r})"

    def _path(self, file_id: str) -> Path:
        return self.root / file_id[:2] / file_id[2:4] / file_id

    def put(self, data: bytes, content_type: str) -> str:
        content_type = _checked_content_type(content_type)
        data = bytes(data)
        file_id = file_id_of(data)
        path = self._path(file_id)
        if path.exists():
            return file_id
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path.with_name(f"{file_id}.type"), content_type.encode("ascii"))
        _write_atomically(path, data)
        _fsync_directory(path.parent)
        return file_id

    def get(self, file_id: str) -> StoredFile:
        path = self._path(_checked_id(file_id))
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise _not_found(file_id) from None
        try:
            content_type = path.with_name(f"{file_id}.type").read_text("ascii").strip()
        except FileNotFoundError:
            content_type = DEFAULT_CONTENT_TYPE
        return StoredFile(file_id, data, content_type or DEFAULT_CONTENT_TYPE, len(data))

    def exists(self, file_id: str) -> bool:
        return is_file_id(file_id) and self._path(file_id).is_file()

    def describe(self) -> str:
        return f"directory {self.root}"

    def check(self) -> None:
        probe = self.root / ".probe"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _write_atomically(probe, PROBE)
            if probe.read_bytes() != PROBE:
                raise OSError("the probe file read back differs from what was written")
        except OSError as error:
            raise StoreUnavailable(self.describe(), f"{type(error).__name__}: {error}") from None


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _fsync_directory(directory: Path) -> None:
    """Make the renames durable (POSIX); best effort where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- S3 ----------------------------------------------------------------------------------


class S3Store:
    """Objects `<prefix><ab>/<id>` in `bucket`, with the content type as the object's
    ContentType. The client is made once; boto3 clients may be shared between threads."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None,
                 region: str | None = None, access_key: str | None = None,
                 secret_key: str | None = None, prefix: str = "", client=None):
        import boto3
        from botocore.config import Config

        if not bucket:
            raise ValueError("S3Store needs a bucket")
        self.bucket, self.prefix = bucket, prefix or ""
        # Only to blank them out of an error message, should a server ever echo one.
        self._hidden = tuple(value for value in (access_key, secret_key,
                                                  os.environ.get("AWS_ACCESS_KEY_ID"),
                                                  os.environ.get("AWS_SECRET_ACCESS_KEY"))
                             if value)
        self.client = client or boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
            config=Config(retries={"max_attempts": 3, "mode": "standard"},
                          connect_timeout=5, read_timeout=30))

    def __repr__(self):
        return f"S3Store({self.bucket!r}, prefix={self.prefix!r})"

    def _key(self, file_id: str) -> str:
        return f"{self.prefix}{file_id[:2]}/{file_id}"

    def put(self, data: bytes, content_type: str) -> str:
        content_type = _checked_content_type(content_type)
        data = bytes(data)
        file_id = file_id_of(data)
        if self.exists(file_id):
            return file_id
        self.client.put_object(Bucket=self.bucket, Key=self._key(file_id), Body=data,
                               ContentType=content_type)
        return file_id

    def get(self, file_id: str) -> StoredFile:
        key = self._key(_checked_id(file_id))
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            raise _not_found(file_id) from None
        with contextlib.closing(answer["Body"]) as body:
            data = body.read()
        content_type = answer.get("ContentType") or DEFAULT_CONTENT_TYPE
        return StoredFile(file_id, data, content_type, len(data))

    def exists(self, file_id: str) -> bool:
        from botocore.exceptions import ClientError

        if not is_file_id(file_id):
            return False
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(file_id))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def describe(self) -> str:
        return (f"s3 bucket {self.bucket!r} (prefix {self.prefix!r}) at "
                f"{self.client.meta.endpoint_url} region {self.client.meta.region_name}")

    def check(self) -> None:
        """The bucket answers HEAD, and an object written under `<prefix>startup-probe`
        reads back the same. Needs s3:ListBucket, s3:PutObject and s3:GetObject, which
        storing files needs anyway; nothing is deleted."""
        from botocore.exceptions import BotoCoreError, ClientError

        key = f"{self.prefix}startup-probe"
        try:
            self.client.head_bucket(Bucket=self.bucket)
            self.client.put_object(Bucket=self.bucket, Key=key, Body=PROBE,
                                   ContentType="text/plain")
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
            with contextlib.closing(answer["Body"]) as body:
                if body.read() != PROBE:
                    raise StoreUnavailable(self.describe(), "the probe object read back "
                                                            "differs from what was written")
        except ClientError as error:
            raise StoreUnavailable(self.describe(), self._hide(_client_error(error))) from None
        except BotoCoreError as error:
            raise StoreUnavailable(self.describe(),
                                   self._hide(f"{type(error).__name__}: {error}")) from None

    def _hide(self, text: str) -> str:
        for value in self._hidden:
            text = text.replace(value, "***")
        return text


def _client_error(error) -> str:
    """What the server said, in words: HEAD answers have no body, so 404 and 403 come
    without a message of their own."""
    details = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    operation = getattr(error, "operation_name", "") or "request"
    meaning = {"404": "the bucket does not exist", "NoSuchBucket": "the bucket does not exist",
               "403": "access denied (credentials or the bucket's policy)",
               "AccessDenied": "access denied (credentials or the bucket's policy)",
               "InvalidAccessKeyId": "the access key is unknown to the server",
               "SignatureDoesNotMatch": "the secret key is wrong"}.get(code, "")
    message = details.get("Message") or ""
    return "; ".join(part for part in (f"{operation}: {code}", meaning, message) if part)


# --- configuration -----------------------------------------------------------------------


def store_from_config(settings: dict | None, default_root: Path) -> FileStore:
    """`{"backend": "directory", "root": ...}` (the default; a relative root is taken from
    `default_root`'s parent, no root means `default_root`) or `{"backend": "s3", "bucket":
    ..., "endpoint_url": ..., "region": ..., "access_key": ..., "secret_key": ...,
    "prefix": ...}`. Empty values count as unset (configuration from the environment)."""
    settings = {key: value for key, value in (settings or {}).items()
                if value not in (None, "")}
    backend = str(settings.get("backend", "directory")).strip().lower()
    if backend == "directory":
        root = Path(settings["root"]) if "root" in settings else Path(default_root)
        if not root.is_absolute() and "root" in settings:
            root = Path(default_root).parent / root
        return DirectoryStore(root)
    if backend == "s3":
        if "bucket" not in settings:
            raise ValueError("the s3 file store needs a bucket")
        return S3Store(settings["bucket"], endpoint_url=settings.get("endpoint_url"),
                       region=settings.get("region"), access_key=settings.get("access_key"),
                       secret_key=settings.get("secret_key"),
                       prefix=str(settings.get("prefix", "")))
    raise ValueError(f"unknown file store backend: {backend!r} (directory or s3)")
