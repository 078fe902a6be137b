class NumberConverter:
    """A positive whole number that fits any database's integer column: a longer one in an
    address (a typo, a probe) is a 404, never a database overflow."""

    regex = "[0-9]{1,9}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)
