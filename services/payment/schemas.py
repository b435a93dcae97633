"""Payment's message and payload schemas (marshmallow), versioned by name."""
