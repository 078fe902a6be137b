"""Django set up in this process as production runs it, for the benchmarks that call the site
in-process (home_page.py, submission.py, pdf.py)."""

import os
import sys
from pathlib import Path


def set_up_django(scratch: Path, **settings: str) -> None:
    """Set Django up with production settings (DEBUG off, hashed static files collected into
    `scratch`) and the database in DATABASE_URL, else a SQLite file in `scratch`. `settings`
    are environment variables that add to or replace these."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "declaration_site.settings")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    os.environ.update(
        DEBUG="0",
        SECRET_KEY="benchmark-only",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="testserver",
        STATIC_ROOT=str(scratch / "static"),
        LOG_LEVEL="WARNING",
        **settings,
    )
    import django

    django.setup()
