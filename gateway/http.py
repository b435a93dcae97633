"""The gateway's HTTP entrypoint `http`: one place that gives every response its request id,
refuses what no route should read (a body over the limit, control characters in the path),
checks CSRF, counts and times every answer by its route (issue 12: tradecert/metrics.py),
and maps every error to the answer API.md fixes (`response_from_exception`);
`page=True` routes answer errors as HTML pages. Also the HTTP helpers every route module
shares (JSON in and out, PDFs, 204)."""
import base64
import contextvars
import functools
import inspect
import io
import ipaddress
import json
import re
import time
from urllib.parse import quote, unquote_to_bytes

from nameko.exceptions import IncorrectSignature, RemoteError, UnknownService
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from gateway import i18n, pages, security, web
from tradecert import config, metrics, rpc
from tradecert.errors import (
    BadRequest,
    NotFound,
    TradecertError,
    Unavailable,
    ValidationFailed,
)
from tradecert.logs import REQUEST_ID_KEY, get_logger, new_request_id

log = get_logger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_ENVIRON = "tradecert.request_id"
ROUTE_ENVIRON = "tradecert.route"  # the rule of the route that took the request (metrics)
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
JSON_TYPE = "application/json; charset=utf-8"
API_PREFIX = "/api/"
# Larger than the largest upload a route takes (a 10 MiB signature scan, REG-7), with room
# for a multipart form around it; GATEWAY.max_body_bytes in config.yaml changes it.
MAX_BODY_BYTES = 16 * 1024 * 1024
# No API body nests deeper than a few levels; refusing deep ones keeps json and the RPC
# serialiser clear of RecursionError.
MAX_JSON_DEPTH = 32
# Refused in the path (no route has a name with them); in the query only NUL is refused (it
# cannot even be stored in PostgreSQL), so that a `next` with a line break reaches safe_next.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PayloadTooLarge(TradecertError):
    """The body is larger than the gateway reads."""

    status = 413
    default_code = "payload_too_large"


class MethodNotAllowed(TradecertError):
    """The address exists, but not for this method."""

    status = 405
    default_code = "method_not_allowed"


def max_body_bytes() -> int:
    return int(config.section("GATEWAY").get("max_body_bytes") or MAX_BODY_BYTES)


def json_response(payload, status: int = 200, headers=None) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status,
                    headers=headers, content_type=JSON_TYPE)


def no_content() -> Response:
    return Response(status=204)


def pdf_response(fetched: dict, filename: str) -> Response:
    """A PDF from the documents service: it opens in the page, not in a pop-up (DOMAIN:
    things the manual works around)."""
    return Response(base64.b64decode(fetched["data"]), content_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


def file_response(fetched: dict, filename: str) -> Response:
    """A stored file (an attachment: PDF, PNG or JPEG) shown in the browser, never a pop-up;
    its name as uploaded, Japanese included (RFC 6266 / RFC 5987)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_")
    return Response(base64.b64decode(fetched["data"]), content_type=fetched["content_type"],
                    headers={"Content-Disposition": f'inline; filename="{ascii_name}"; '
                                                    f"filename*=UTF-8''{quote(filename)}",
                             "Cache-Control": "private, no-store",
                             "X-Content-Type-Options": "nosniff"})


def uploaded_file(request: Request, max_bytes: int) -> tuple[str, str, str]:
    """A multipart upload (API.md attachments): (kind, filename, base64 of the bytes). A
    file over `max_bytes` is 413 before it is sent on; the type is checked by content where
    it is stored, not here by its name."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(code="file_required", message="send the file as `file`",
                               fields={"file": ["file_required"]})
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(message=f"the file is larger than {max_bytes} bytes",
                              params={"max_bytes": max_bytes})
    if not data:
        raise ValidationFailed(code="file_required", message="the file is empty",
                               fields={"file": ["file_empty"]})
    return (request.form.get("kind", ""), upload.filename or "",
            base64.b64encode(data).decode("ascii"))


SIGNATURE_TYPES = ("image/png", "image/jpeg")


def signature_scan(request: Request) -> str:
    """REG-7: a scanned signature box sent as the body (image/png or image/jpeg), base64 for
    the RPC. Its size: the gateway reads no body over GATEWAY.max_body_bytes (413), and the
    documents service refuses a scan over its own limit (422 signature_image_too_large)."""
    content_type = (request.mimetype or "").lower()
    data = request.get_data()
    if content_type not in SIGNATURE_TYPES or not data:
        raise ValidationFailed(code="signature_image_type",
                               message="send the scan as image/png or image/jpeg",
                               fields={"signature": ["signature_image_type"]})
    return base64.b64encode(data).decode("ascii")


def png_response(fetched: dict) -> Response:
    """A stored image (a registered signature) from the documents service."""
    return Response(base64.b64decode(fetched["data"]), content_type="image/png",
                    headers={"Cache-Control": "private, max-age=3600"})


def page_argument(request: Request) -> int:
    """`?page=` of a paginated list: a positive number, else the first page."""
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and len(value) < 7 else 1


def json_body(request: Request, required: bool = True) -> dict:
    """The request's JSON object, or a 400 naming the problem."""
    if not request.data and not required:
        return {}
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except RecursionError:
        raise too_deep() from None
    except ValueError:
        raise BadRequest(code="malformed_json", message="the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest(code="json_object_expected", message="the body must be a JSON object")
    if depth(body) > MAX_JSON_DEPTH:
        raise too_deep()
    return body


FORM_TYPE = "application/x-www-form-urlencoded"


def check_form_encoding(request: Request) -> None:
    """A form that is not UTF-8 is a 400 naming the encoding (issue 12). Werkzeug drops such
    a form whole, its CSRF token too, which would make it a puzzling CSRF refusal."""
    if request.mimetype != FORM_TYPE:
        return
    try:
        for pair in request.get_data(cache=True).decode("utf-8").split("&"):
            for part in pair.split("=", 1):
                unquote_to_bytes(part.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(code="form_not_utf8",
                         message="the form is not UTF-8 text") from None


def too_deep() -> BadRequest:
    return BadRequest(code="json_too_deep",
                      message=f"the body nests deeper than {MAX_JSON_DEPTH} levels")


def depth(value) -> int:
    """How deep a parsed JSON value nests (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level)
            if level <= MAX_JSON_DEPTH:  # deeper is refused anyway: stop looking
                children = node.values() if isinstance(node, dict) else node
                stack.extend((child, level + 1) for child in children)
    return deepest


def client_address(request: Request) -> str:
    """The client's address, for the limits on what anyone can trigger (issue 9). The direct
    peer, unless it is one of GATEWAY.trusted_proxies: then the right-most address in
    `X-Forwarded-For` that is not a trusted proxy (each proxy appends the address it saw, so
    what a client wrote itself stands further left and is never believed)."""
    peer = _address(request.remote_addr)
    if peer is None:
        return request.remote_addr or "unknown"
    trusted = trusted_proxies(_proxies_setting())
    if not _is_trusted(peer, trusted):
        return str(peer)
    forwarded = ",".join(request.headers.getlist("X-Forwarded-For"))
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        address = _address(hop)
        if address is None:
            break  # garbage written by someone: believe nothing left of it
        if not _is_trusted(address, trusted):
            return str(address)
        peer = address
    return str(peer)


def _proxies_setting() -> tuple[str, ...]:
    configured = config.section("GATEWAY").get("trusted_proxies", "127.0.0.1/32,::1/128")
    if isinstance(configured, str):
        configured = configured.split(",")
    return tuple(str(entry).strip() for entry in configured or () if str(entry).strip())


@functools.cache
def trusted_proxies(networks: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(network, strict=False) for network in networks)


def _is_trusted(address, trusted) -> bool:
    return any(address.version == network.version and address in network for network in trusted)


def _address(text: str | None):
    try:
        address = ipaddress.ip_address((text or "").strip().strip("[]"))
    except ValueError:
        return None
    return address.ipv4_mapped or address if address.version == 6 else address


def as_tradecert_error(exc: Exception) -> TradecertError:
    if isinstance(exc, TradecertError):
        return exc
    if isinstance(exc, UnknownService):  # from a Nameko client; tradecert.rpc's raise it as
        service = str(exc.args[0]) if exc.args else "?"  # ServiceUnavailable themselves
        return rpc.unavailable(service, f"no {service} service is running")
    if isinstance(exc, TimeoutError):
        return Unavailable(message=str(exc),
                           params={"retry_after_s": int(rpc.setting("RPC", "retry_after_s"))})
    if isinstance(exc, HTTPException):  # werkzeug's own refusals, answered like ours
        return http_error(exc)
    if isinstance(exc, RemoteError):
        log.error("remote_error", exc_type=exc.exc_type, value=exc.value)
    else:
        log.error("unhandled_error", exc_info=exc)
    return TradecertError()


def http_error(exc: HTTPException) -> TradecertError:
    """A werkzeug HTTPException (no route, wrong method, body too large, a broken form) as
    the error API.md's body describes."""
    code = exc.code or 500
    if code == 413:
        return too_large()
    if code == 404:
        return NotFound(message="no such address")
    if code == 405:
        return MethodNotAllowed(message="this address does not take this method")
    if code < 500:
        return BadRequest(message=exc.description or "bad request")
    return TradecertError()


def refusal(request: Request) -> TradecertError | None:
    """What no route should read: a body over the limit (refused on its Content-Length,
    before reading it), control characters in the path or a NUL in the query."""
    length = request.content_length
    if length is not None and length > max_body_bytes():
        return too_large()
    if CONTROL.search(request.path) or b"\x00" in unquote_to_bytes(request.query_string):
        return BadRequest(message="control characters in the address")
    return None


def read_chunked(environ) -> bool:
    """A chunked body has no Content-Length to check: read it here, at most up to the limit,
    and hand it on as an ordinary body (werkzeug would otherwise read it as empty, or cut it
    at the limit without a word). False when it is longer than the limit."""
    limit, stream, data = max_body_bytes(), environ["wsgi.input"], bytearray()
    while len(data) <= limit:
        chunk = stream.read(min(64 * 1024, limit + 1 - len(data)))
        if not chunk:
            break
        data.extend(chunk)
    if len(data) > limit:
        return False
    environ["wsgi.input"] = io.BytesIO(bytes(data))
    environ["wsgi.input_terminated"] = True  # werkzeug may read it to its end
    return True


def too_large() -> PayloadTooLarge:
    return PayloadTooLarge(message=f"the body is larger than {max_body_bytes()} bytes",
                           params={"max_bytes": max_body_bytes()})


def request_id_of(request: Request) -> str:
    request_id = request.environ.get(REQUEST_ID_ENVIRON) or \
        request.headers.get(REQUEST_ID_HEADER, "")
    if not _REQUEST_ID_PATTERN.match(request_id):
        request_id = new_request_id()
    request.environ[REQUEST_ID_ENVIRON] = request_id
    return request_id


def error_response(request: Request, exc: Exception, page: bool) -> Response:
    """The one mapping of an error to its answer: API.md's JSON body, or the error page."""
    error = as_tradecert_error(exc)
    headers = {}
    if "retry_after_s" in error.params:
        headers["Retry-After"] = str(int(error.params["retry_after_s"]))
    if page and request is not None:
        return pages.error_page(request, error, headers)
    lang = i18n.negotiate(request) if request is not None else i18n.DEFAULT
    return json_response(i18n.error_payload(error, lang), status=error.status,
                         headers=headers)


class GatewayWsgiApp(WsgiApp):
    """Nameko's WSGI app, with the refusals that come before any route: an unknown address
    answers API.md's JSON error under /api/ and the error page elsewhere; a body over the
    limit is refused before it is read (a chunked body is read at most up to it)."""

    def __call__(self, environ, start_response):
        """Every answer, whichever path makes it, leaves with the security headers, counted
        and timed by the rule of the route that took it (never the path: bounded labels)."""
        started, status = time.perf_counter(), 500
        try:
            response = security.secure(self.respond(environ))
            status = response.status_code
        finally:
            metrics.http_answered(environ.get("REQUEST_METHOD", ""),
                                  environ.get(ROUTE_ENVIRON), status,
                                  time.perf_counter() - started)
        return response(environ, start_response)

    def respond(self, environ) -> Response:
        too_long = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() and \
            not read_chunked(environ)
        request = Request(environ, shallow=True)
        request.max_content_length = max_body_bytes()
        request_id = request_id_of(request)
        is_api = not _is_page_path(request.path)
        refused = too_large() if too_long else refusal(request)
        if refused is None:
            adapter = self.url_map.bind_to_environ(environ)
            try:
                provider, values = adapter.match()
            except HTTPException as exc:
                if exc.code and exc.code < 400:  # a redirect to the canonical address
                    return exc.get_response(environ)
                refused = exc
            else:
                request.path_values = values
                environ[ROUTE_ENVIRON] = provider.url
                return provider.handle_request(request)
        _current_request.set(request)
        response = error_response(request, refused, page=not is_api)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


def _is_page_path(path: str) -> bool:
    return not (path.startswith(API_PREFIX) or
                path in ("/healthz", "/openapi.json", "/metrics"))


class GatewayWebServer(WebServer):
    """Hands each request's id to its worker as Nameko context data, so the RPC calls and
    events it causes, and every log line on the way, carry it."""

    def get_wsgi_app(self):
        return GatewayWsgiApp(self)

    def context_data_from_headers(self, request):
        return {REQUEST_ID_KEY: request.environ[REQUEST_ID_ENVIRON]}


# The request being answered, for response_from_exception (which Nameko calls without it).
# Each request is handled in its own green thread, which has its own context.
_current_request: contextvars.ContextVar = contextvars.ContextVar("request", default=None)


class BuiltOnceRule(Rule):
    """Werkzeug's Rule, whose URL builders are made once per process for each rule.

    Binding a rule to a map compiles two builders for it from a generated syntax tree: for
    the gateway's ~190 rules that is most of a second of CPU each time a gateway container
    starts (its url map is made anew each start; every API and gateway test starts one).
    A builder depends only on the rule's text, its parts and defaults, and is called with
    the rule as `self`, so one made for an equal rule serves them all."""

    _builders: dict = {}

    def _compile_builder(self, append_unknown: bool = True):
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())),
               append_unknown)
        builder = self._builders.get(key)
        if builder is None:
            builder = self._builders[key] = super()._compile_builder(append_unknown)
        return builder


class HttpEntrypoint(HttpRequestHandler):
    """`@http` with request ids and one error mapping. `page=True` answers errors as HTML."""

    server = GatewayWebServer()

    def __init__(self, method, url, page=False, **kwargs):
        self.page = page
        kwargs.setdefault("expected_exceptions", TradecertError)  # answers, not crashes
        super().__init__(method, url, **kwargs)

    def handle_request(self, request):
        request_id = request_id_of(request)
        _current_request.set(request)
        request.shallow = False  # let check_csrf read a form body
        try:
            check_form_encoding(request)
            web.check_csrf(request)
        except (TradecertError, HTTPException) as exc:  # HTTPException: a body too large
            response = self.response_from_exception(exc)
        else:
            response = super().handle_request(request)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response

    def get_url_rule(self):
        return BuiltOnceRule(self.url, methods=self.method.split(","))

    def response_from_exception(self, exc):
        return error_response(_current_request.get(), exc, self.page)

    def check_signature(self, args, kwargs):
        """Nameko's check that the route takes what its URL rule gives, with the route's
        signature read once: Nameko reads it again for every request (`getcallargs`, 11 µs
        against 2 µs to bind; 5 % of a py-spy profile of the gateway answering verification
        lookups under `make load`, issue 12)."""
        if self._signature is None:
            # as getcallargs reads it: the decorated route itself, not what it wraps
            self._signature = inspect.signature(getattr(self.container.service_cls,
                                                        self.method_name), follow_wrapped=False)
        try:
            self._signature.bind(None, *args, **kwargs)  # None: the unbound method's self
        except TypeError as exc:
            raise IncorrectSignature(str(exc)) from None

    _signature = None


http = HttpEntrypoint.decorator
