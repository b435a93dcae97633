"""notify: every e-mail of the system, from Jinja2 templates, over SMTP with retry; a record of
each.
"""
