"""Payment's rules, free of Nameko."""

SERVICE = "payment"
