"""Issue 9: the Content-Security-Policy allows no inline script or style (gateway/security.py),
so no template may hold one: every script is a file under gateway/static/, every style is in
the stylesheets."""
import re
from pathlib import Path

import pytest

from gateway import security

TEMPLATES = sorted((Path(__file__).parents[2] / "gateway" / "templates").rglob("*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S)
STYLE = re.compile(r"<style\b|<[^>]*\sstyle\s*=", re.I | re.S)
JAVASCRIPT_URL = re.compile(r"javascript:", re.I)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_no_template_holds_an_inline_script_or_style(template):
    text = template.read_text(encoding="utf-8")

    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to gateway/static/"
    assert not HANDLER.search(text), "on…= handler: add the listener in a static script"
    assert not STYLE.search(text), "inline style: put it in a stylesheet"
    assert not JAVASCRIPT_URL.search(text)


def test_the_page_policy_allows_no_inline_script_or_style():
    policy = dict(part.strip().split(" ", 1) for part in security.PAGE_POLICY.split(";"))

    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in security.PAGE_POLICY and "unsafe" not in security.PDF_POLICY
