"""Moderation: staff decide on confirmed endorsements (approve, reject, mark as spam), revoke an
approval, and export contact details. Every decision is a service in `endorsements.services`."""
