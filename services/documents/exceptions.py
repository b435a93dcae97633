"""Documents's errors: subclasses of tradecert.errors, named for what happened."""
