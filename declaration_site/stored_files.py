"""Sending a file from the default storage: streamed by gunicorn, or, behind nginx with
`X_ACCEL_REDIRECT_PREFIX` set, handed to nginx, which sends it from MEDIA_ROOT itself
(deploy/nginx/declaration.conf's internal `/_stored/` location) once Django has decided which
file a reader gets and with which headers."""

from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import Storage
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header


def send_stored_file(
    storage: Storage,
    name: str,
    *,
    content_type: str,
    filename: str | None = None,
    as_attachment: bool = False,
) -> HttpResponse:
    """The file `name` of `storage`, with its type and the name a download saves it under.
    The headers the caller adds (Content-Language, Cache-Control, ETag) reach the reader either
    way: nginx keeps them when it replaces the empty body with the file."""
    prefix = settings.X_ACCEL_REDIRECT_PREFIX
    if not prefix:
        return FileResponse(
            storage.open(name, "rb"),
            content_type=content_type,
            filename=filename or "",
            as_attachment=as_attachment,
        )
    response = HttpResponse(content_type=content_type)
    response["X-Accel-Redirect"] = prefix + accel_path(name)
    disposition = content_disposition_header(as_attachment, filename) if filename else None
    if disposition:
        response["Content-Disposition"] = disposition
    return response


def accel_path(name: str) -> str:
    """`name`, a storage name such as "pdfs/declaration-v1-en.pdf", as the rest of a path in
    the URI nginx resolves under MEDIA_ROOT: percent-encoded, so that "?", "#" or "%" in a name
    stay part of it. A name that could lead outside MEDIA_ROOT (absolute, "..", a backslash or a
    control character) is refused: storage never makes one, so it means a bug or an attack."""
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or any(part in ("", ".", "..") for part in parts)
        or "\\" in name
        or any(ord(character) < 32 or ord(character) == 127 for character in name)
    ):
        raise ValueError(f"Not a storage name that nginx may serve: {name!r}")
    return quote(name, safe="/")
