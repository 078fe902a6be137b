"""What every CSV the site writes (open data, the moderators' export, a consultation's report)
does to a cell before a spreadsheet opens it."""


def neutralise(value) -> str:
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text
