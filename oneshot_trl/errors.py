"""The one exception type that reaches users as a single line (the CLI prints it and exits 2)."""


class OneShotError(Exception):
    """Bad input from the user. The message is one line that says what is wrong and how to fix it."""
