"""Journeys: whole stories with several people, run against the site as it is deployed
(gunicorn with DEBUG off, Redis as the cache, a task worker, the file email backend, its own
database) in Debian's chromium. `make journeys` runs them; see the README's "Journeys"."""
