def is_ascii_number(value: str, *, max_digits: int = 9) -> bool:
    """Whether `value` is a whole number written in ASCII digits that fits any database's
    integer column. str.isdigit() is not that: it is true of "²" and "٣", which int() refuses
    or reads as another number."""
    return 0 < len(value) <= max_digits and value.isascii() and value.isdigit()


class NumberConverter:
    """A positive whole number that fits any database's integer column: a longer one in an
    address (a typo, a probe) is a 404, never a database overflow."""

    regex = "[0-9]{1,9}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)
