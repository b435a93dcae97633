"""Registration's rules, free of Nameko."""

SERVICE = "registration"
