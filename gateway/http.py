"""The gateway's HTTP entrypoint `http`: one place that gives every response its request id,
checks CSRF, and maps every error to the answer API.md fixes (`response_from_exception`);
`page=True` routes answer errors as HTML pages."""
import contextvars
import json
import re

from nameko.exceptions import RemoteError, UnknownService
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from gateway import i18n, web
from tradecert.errors import BadRequest, TradecertError, Unavailable
from tradecert.logs import REQUEST_ID_KEY, get_logger, new_request_id

log = get_logger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_ENVIRON = "tradecert.request_id"
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
JSON_TYPE = "application/json; charset=utf-8"


def json_response(payload, status: int = 200, headers=None) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status,
                    headers=headers, content_type=JSON_TYPE)


def json_body(request: Request, required: bool = True) -> dict:
    """The request's JSON object, or a 400 naming the problem."""
    if not request.data and not required:
        return {}
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        raise BadRequest(code="malformed_json", message="the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest(code="json_object_expected", message="the body must be a JSON object")
    return body


def as_tradecert_error(exc: Exception) -> TradecertError:
    if isinstance(exc, TradecertError):
        return exc
    if isinstance(exc, (UnknownService, TimeoutError)):
        return Unavailable(message=str(exc))
    if isinstance(exc, RemoteError):
        log.error("remote_error", exc_type=exc.exc_type, value=exc.value)
    else:
        log.error("unhandled_error", exc_info=exc)
    return TradecertError()


class GatewayWebServer(WebServer):
    """Hands each request's id to its worker as Nameko context data, so the RPC calls and
    events it causes, and every log line on the way, carry it."""

    def context_data_from_headers(self, request):
        return {REQUEST_ID_KEY: request.environ[REQUEST_ID_ENVIRON]}


# The request being answered, for response_from_exception (which Nameko calls without it).
# Each request is handled in its own green thread, which has its own context.
_current_request: contextvars.ContextVar = contextvars.ContextVar("request", default=None)


class HttpEntrypoint(HttpRequestHandler):
    """`@http` with request ids and one error mapping. `page=True` answers errors as HTML."""

    server = GatewayWebServer()

    def __init__(self, method, url, page=False, **kwargs):
        self.page = page
        kwargs.setdefault("expected_exceptions", TradecertError)  # answers, not crashes
        super().__init__(method, url, **kwargs)

    def handle_request(self, request):
        request_id = request.headers.get(REQUEST_ID_HEADER, "")
        if not _REQUEST_ID_PATTERN.match(request_id):
            request_id = new_request_id()
        request.environ[REQUEST_ID_ENVIRON] = request_id
        _current_request.set(request)
        request.shallow = False  # let check_csrf read a form body
        try:
            web.check_csrf(request)
        except TradecertError as exc:
            response = self.response_from_exception(exc)
        else:
            response = super().handle_request(request)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response

    def response_from_exception(self, exc):
        if isinstance(exc, HTTPException):
            return exc.get_response()
        error = as_tradecert_error(exc)
        request = _current_request.get()
        lang = i18n.negotiate(request) if request is not None else i18n.DEFAULT
        headers = {}
        if "retry_after_s" in error.params:
            headers["Retry-After"] = str(int(error.params["retry_after_s"]))
        if self.page:
            return web.error_page(request, error, lang, headers)
        return json_response(i18n.error_payload(error, lang), status=error.status,
                             headers=headers)


http = HttpEntrypoint.decorator
