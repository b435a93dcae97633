"""Turning forms into API bodies and back, one module per domain (as warehouse keeps its
`forms.py`), so that a form's fields are written once. No HTTP, no rendering here: the
route modules hand these a request's form and render what they give back."""


def stripped(form, *names) -> dict:
    """The named text fields as typed, without the spaces around them."""
    return {name: form.get(name, "").strip() for name in names}
