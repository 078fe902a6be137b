"""Django has no date-and-time formats for Arabic: without these it would use the English ones."""

DATETIME_FORMAT = "j F، Y، H:i e"
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y، H:i"
