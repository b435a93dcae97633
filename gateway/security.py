"""The security headers every answer of the gateway carries (issue 9: hardening): pages, API
answers, static files, error pages, 404s and /healthz alike. `GatewayWsgiApp` puts them on
every response, whichever path made it.

- A Content-Security-Policy with no `unsafe-inline` for scripts or styles: every script is a
  file under gateway/static/ (no inline `<script>`, no `on…=` handler), every style is in
  the stylesheets (no `style=` attribute, no `<style>`); tests/unit/test_security_headers.py
  checks the templates for both.
- No framing by other sites: `frame-ancestors 'none'` and `X-Frame-Options: DENY`. A PDF
  is the one thing our own pages embed (`<object>`, the forms to print), so a PDF answer is
  framed by this site only (`frame-ancestors 'self'`, `SAMEORIGIN`) and has a policy of its
  own that lets nothing else load.
- `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (the wizard's and
  activation links carry tokens: never hand them to other sites).
- `Strict-Transport-Security` when the site is served over HTTPS (GATEWAY.public_url
  starts with `https://`, as in deploy/ and docker-compose's production profile).
"""
from werkzeug.wrappers import Response

from tradecert import config

PAGE_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'self'",  # the PDFs to print, embedded from this site (pdf_response)
    "frame-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
))
# A PDF is shown in our own pages' <object>: only this site may frame it; it loads nothing.
PDF_POLICY = "default-src 'none'; frame-ancestors 'self'"
HSTS = "max-age=31536000"  # one year


def served_over_https() -> bool:
    return str(config.section("GATEWAY").get("public_url") or "").startswith("https://")


def secure(response: Response) -> Response:
    """Put the security headers on `response` (kept when a route set its own)."""
    headers = response.headers
    is_pdf = response.mimetype == "application/pdf"
    headers.setdefault("Content-Security-Policy", PDF_POLICY if is_pdf else PAGE_POLICY)
    headers.setdefault("X-Frame-Options", "SAMEORIGIN" if is_pdf else "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if served_over_https():
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
