"""Bodies no client should send (issue 12, "Fuzzing and bad input"), through the gateway to
the real services: invalid UTF-8, a content type the route does not read, JSON that is not an
object, malformed or truncated multipart, a multipart form without its file. Each is a clear
4xx in API.md's error body (a page's form: the error page), never a 5xx, and nothing is
stored."""
from urllib.parse import quote

from tests.api.issuance_flow import applicants
from tests.helpers.issuance import co_japan, pdf_file
from tests.helpers.pages import csrf_of

BASE = "/api/v1/applications"
JSON = {"Content-Type": "application/json"}
BOUNDARY = "tradecert-test-boundary"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def part(name: str, value: bytes, filename: bytes | None = None,
         content_type: bytes = b"application/pdf") -> bytes:
    disposition = b'form-data; name="' + name.encode() + b'"'
    head = b"Content-Disposition: " + disposition
    if filename is not None:
        head += b'; filename="' + filename + b'"\r\nContent-Type: ' + content_type
    return b"--" + BOUNDARY.encode() + b"\r\n" + head + b"\r\n\r\n" + value + b"\r\n"


END = b"--" + BOUNDARY.encode() + b"--\r\n"

#: (what, body, headers) sent to POST /api/v1/applications, which reads a JSON object
JSON_BODIES = [
    ("invalid UTF-8", b'{"certificate_type": "co_japan", "body": {"x": "\xff\xfe"}}', JSON),
    ("a lone surrogate escape", b'{"certificate_type": "\\ud800"}', JSON),
    ("text/plain", b'{"certificate_type": "co_japan"}', {"Content-Type": "text/plain"}),
    ("a form", b"certificate_type=co_japan",
     {"Content-Type": "application/x-www-form-urlencoded"}),
    ("no content type", b'{"certificate_type": "co_japan"}', {"Content-Type": ""}),
    ("a JSON array", b'[{"certificate_type": "co_japan"}]', JSON),
    ("a JSON string", b'"co_japan"', JSON),
    ("JSON null", b"null", JSON),
    ("nothing", b"", JSON),
    ("truncated JSON", b'{"certificate_type": "co_ja', JSON),
    ("NaN", b'{"certificate_type": "co_japan", "n": NaN}', JSON),
    ("a huge number", b'{"certificate_type": "co_japan", "n": 1' + b"0" * 5000 + b"}", JSON),
    ("nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000, JSON),
]

#: (what, body, headers) sent to POST .../attachments, which reads multipart/form-data
UPLOADS = [
    ("JSON instead of a form", b'{"kind": "other"}', JSON),
    ("no boundary", part("kind", b"other") + END,
     {"Content-Type": "multipart/form-data"}),
    ("another boundary", part("kind", b"other") + END,
     {"Content-Type": "multipart/form-data; boundary=not-this-one"}),
    ("truncated", part("kind", b"commercial_invoice") + b"--" + BOUNDARY.encode()
     + b'\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.',
     MULTIPART),
    ("no file", part("kind", b"commercial_invoice") + END, MULTIPART),
    ("no kind", part("file", pdf_file(), b"invoice.pdf") + END, MULTIPART),
    ("a kind in invalid UTF-8", part("kind", b"\xff\xfe") + part("file", pdf_file(),
                                                                b"invoice.pdf") + END,
     MULTIPART),
    ("a file name in invalid UTF-8", part("kind", b"commercial_invoice")
     + part("file", pdf_file(), b"\xff\xfe.pdf") + END, MULTIPART),
    ("an empty file", part("kind", b"commercial_invoice") + part("file", b"", b"a.pdf") + END,
     MULTIPART),
    ("nothing", b"", MULTIPART),
]


def refused(answer) -> dict:
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    body = answer.json()
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    return body["error"]


def test_bad_json_bodies_are_refused_and_nothing_is_stored(smtp_sink, saitama, web,
                                                            rpc_client, db_session):
    from services.issuance.models import Application

    world = applicants(web, smtp_sink, rpc_client, db_session)
    for what, body, headers in JSON_BODIES:
        assert refused(web.post(BASE, data=body, headers={**world.user, **headers})), what
    assert db_session("issuance").query(Application).count() == 0
    # what a client should send still works
    made = web.post(BASE, headers=world.user,
                    json=co_japan())
    assert made.status_code == 201, made.text


def test_bad_uploads_are_refused_and_nothing_is_stored(smtp_sink, saitama, web, rpc_client,
                                                       db_session):
    from services.issuance.models import Attachment

    world = applicants(web, smtp_sink, rpc_client, db_session)
    made = web.post(BASE, headers=world.user,
                    json=co_japan())
    url = f"{BASE}/{made.json()['application_id']}/attachments"
    for what, body, headers in UPLOADS:
        error = refused(web.post(url, data=body, headers={**world.user, **headers}))
        assert error, what
    assert db_session("issuance").query(Attachment).count() == 0
    sent = web.post(url, data=part("kind", b"commercial_invoice")
                    + part("file", pdf_file(), b"invoice.pdf") + END,
                    headers={**world.user, **MULTIPART})
    assert sent.status_code == 201, sent.text


def test_a_bad_query_is_a_4xx_or_ignored_never_a_5xx(saitama, web, rpc_client, smtp_sink,
                                                      db_session):
    world = applicants(web, smtp_sink, rpc_client, db_session)
    for query in ("status=%FF", "status=%C0%AF", "page=%FF", "status=%00",
                  "status=" + "x" * 5000, "page=99999999999999999999"):
        answer = web.get(f"{BASE}?{query}", headers=world.user)
        assert answer.status_code in (200, 400, 422), (query, answer.status_code, answer.text)


def test_a_page_form_in_invalid_utf8_is_the_error_page(saitama, web):
    """The login form with its CSRF token, the rest in invalid UTF-8 (raw, then
    percent-encoded): the error page's 400 naming the encoding, nobody logged in. (Werkzeug
    drops such a form whole, its token too: it was a puzzling CSRF refusal, 403.)"""
    token = quote(csrf_of(web.get("/c/1504/login")), safe="").encode()
    answer = web.post("/c/1504/login",
                      data=b"csrf_token=" + token + b"&login_id=\xff\xfe&password=\xff",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 400, answer.status_code
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "UTF-8" in answer.text
    encoded = web.post("/c/1504/login",
                       data=b"csrf_token=" + token + b"&login_id=%FF%FE&password=x",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert encoded.status_code == 400, encoded.status_code
    assert web.get("/me", allow_redirects=False).status_code != 200  # not logged in
