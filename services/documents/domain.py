"""Documents's rules, free of Nameko."""

SERVICE = "documents"
