"""Drafting in the open: consultations on a draft, what participants send, its moderation, the
editors' decisions on amendments and the report of what was heard."""
