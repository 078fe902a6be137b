"""The error of the endorsements' guarded state changes."""


class EndorsementStateError(Exception):
    """Raised when an endorsement is asked to change state from a state that does not allow it."""
