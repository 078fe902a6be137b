"""The site's own settings with one addition for bench/reads.py: the floor view.

Everything else (middleware, cache, database, security headers) is what production runs, so
that the floor and the site's pages pay for the same request handling.
"""

from declaration_site.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
