"""Logos: sent with the endorsement form, checked and re-encoded (endorsements/logos.py),
moderated with the endorsement, served from storage and shown on the list."""

import gzip
import io
import os
import struct
import time
import tracemalloc
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile, StopFutureHandlers
from django.core.management import call_command
from django.db.models import OuterRef, Subquery
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from endorsements import logos
from endorsements.logos import (
    LogoRefused,
    approve_logo,
    process_logo,
    reject_logo,
    store_logo,
)
from endorsements.models import Endorsement, Logo
from endorsements.services import moderate_endorsements, withdraw_endorsement
from principles.models import AuditEntry
from tests.html import parse_strict, submit


def image_bytes(image_format="PNG", size=(120, 80), mode="RGB", color=(20, 120, 200), **save):
    image = Image.new(mode, size, color)
    out = io.BytesIO()
    image.save(out, format=image_format, **save)
    return out.getvalue()


def upload(data: bytes, name="logo.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares `width` × `height` pixels (a decompression bomb's
    disguise): one row of real data, valid chunks and checksums."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\x00\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


def png_with_text(text: bytes) -> bytes:
    """A valid PNG carrying `text` in a tEXt chunk, before its end."""
    data = image_bytes()
    return data[:-12] + png_chunk(b"tEXt", b"Comment\x00" + text) + data[-12:]


def noise(size=(400, 400)) -> bytes:
    """An image no encoder can make small: the worst case for the list's weight."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def stored_image(field) -> Image.Image:
    with field.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
        return image


def media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def logo_files(settings) -> list:
    return [p for p in media_files(settings) if "logos" in p.parts]


@pytest.fixture
def endorse_with(client, form_data, django_capture_on_commit_callbacks):
    """Post the endorsement form with a logo file, as a browser does (multipart)."""

    def post(file=None, **overrides):
        data = form_data(**overrides)
        if file is not None:
            data["logo"] = file
        with django_capture_on_commit_callbacks(execute=True):
            return submit(client, "/endorse/", data)

    return post


@pytest.fixture
def logo_of(make_endorsement, settings):
    """`logo_of(endorsement, data=...)`: a logo stored for it, waiting for moderation."""

    def make(endorsement, data=None):
        processed = process_logo(upload(data or image_bytes()))
        return store_logo(endorsement=endorsement, processed=processed)

    return make


# The form ---------------------------------------------------------------------------------


def test_an_endorsement_with_a_logo_stores_it_waiting_for_moderation(
    endorse_with, settings, version
):
    response = endorse_with(upload(image_bytes(size=(800, 400)), name="Logo.PNG"))

    assert response.status_code == 302
    endorsement = Endorsement.objects.get()
    logo = endorsement.logos.get()
    assert logo.status == Logo.Status.PENDING
    assert endorsement.logo is None  # shown only once approved
    assert (logo.width, logo.height) == (400, 200)
    assert stored_image(logo.large).format == "WEBP"
    assert max(stored_image(logo.small).size) <= logos.SMALL_SIDE
    assert len(logo_files(settings)) == 2


def test_the_form_is_multipart_and_the_file_field_accepts_only_the_formats_taken(client, version):
    page = parse_strict(client.get("/endorse/").content)

    form = page.find(".//form[@class='endorse-form']")
    assert form.get("enctype") == "multipart/form-data"
    field = form.find(".//input[@name='logo']")
    assert field.get("type") == "file"
    assert field.get("accept") == "image/png,image/jpeg,image/webp"
    label = form.find(f".//label[@for='{field.get('id')}']")
    assert "Logo" in "".join(label.itertext())


def test_an_endorsement_without_a_logo_stores_none(endorse_with, settings):
    assert endorse_with().status_code == 302

    assert not Logo.objects.exists()
    assert logo_files(settings) == []


def test_a_good_logo_in_a_form_refused_for_another_reason_stores_nothing_and_asks_again(
    endorse_with, settings
):
    response = endorse_with(upload(image_bytes()), contact_email="not an address")

    assert response.status_code == 200
    assert not Endorsement.objects.exists()
    assert not Logo.objects.exists()
    assert logo_files(settings) == []
    text = response.content.decode()
    assert "please choose the file again" in text
    assert 'value="Open Schools Network"' in text


def test_a_duplicate_endorsement_with_a_logo_stores_no_logo(
    endorse_with, make_endorsement, settings
):
    make_endorsement(name="Open Schools Network", country="KE", status="confirmed")

    response = endorse_with(upload(image_bytes()))

    assert "already endorsed" in response.content.decode()
    assert not Logo.objects.exists()
    assert logo_files(settings) == []


def test_the_logo_files_are_deleted_when_the_submission_rolls_back(
    endorse_with, settings, monkeypatch
):
    def mail_queue_down(*args, **kwargs):
        raise ConnectionError("the task queue went away")

    monkeypatch.setattr("endorsements.services.enqueue_email", mail_queue_down)

    with pytest.raises(ConnectionError):
        endorse_with(upload(image_bytes()))

    assert not Endorsement.objects.exists()
    assert not Logo.objects.exists()
    assert logo_files(settings) == []


# Hostile and odd images -------------------------------------------------------------------


def jpeg_named_png() -> SimpleUploadedFile:
    return upload(image_bytes("JPEG"), name="logo.png")


def svg_with_script() -> SimpleUploadedFile:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    return upload(svg, name="logo.svg", content_type="image/svg+xml")


def svg_named_png() -> SimpleUploadedFile:
    return upload(b'<?xml version="1.0"?><svg onload="alert(1)"/>', name="logo.png")


def html_after_the_image() -> SimpleUploadedFile:
    return upload(image_bytes() + b"<html><script>alert(1)</script></html>")


def script_inside_the_image() -> SimpleUploadedFile:
    return upload(png_with_text(b"<script>alert(document.cookie)</script>"))


def zip_after_the_image() -> SimpleUploadedFile:
    return upload(image_bytes() + b"PK\x03\x04" + os.urandom(200))


def truncated() -> SimpleUploadedFile:
    return upload(image_bytes(size=(300, 300))[:-300])


def truncated_jpeg() -> SimpleUploadedFile:
    return upload(noise_jpeg()[:2000], name="logo.jpg", content_type="image/jpeg")


def noise_jpeg() -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(noise((200, 200)))).save(out, format="JPEG")
    return out.getvalue()


HOSTILE = {
    "a 1×1 PNG declaring 60,000 × 60,000 pixels": (
        lambda: upload(png_declaring(60_000, 60_000)),
        "declares more pixels than a logo may have",
    ),
    "a PNG declaring 5,000 × 100 pixels": (
        lambda: upload(png_declaring(5_000, 100)),
        "is 5000 × 100 pixels; logos may be at most 4,000",
    ),
    "an SVG with a script": (svg_with_script, "SVG logos are not accepted"),
    "an SVG named .png": (svg_named_png, "SVG logos are not accepted"),
    "a PNG with HTML appended": (html_after_the_image, "holds web page code"),
    "a PNG with a script in a text chunk": (script_inside_the_image, "holds web page code"),
    "a PNG with a zip appended": (zip_after_the_image, "data after its end"),
    "a JPEG named .png": (jpeg_named_png, "is named logo.png but holds a JPEG image"),
    "a truncated PNG": (truncated, "could not be read; the file may be damaged"),
    "a truncated JPEG": (truncated_jpeg, "could not be read; the file may be damaged"),
    "a text file": (lambda: upload(b"hello", name="logo.txt"), "not a PNG, JPEG or WebP"),
    "an empty file": (lambda: upload(b""), "The submitted file is empty"),
    "a 10 × 10 image": (lambda: upload(image_bytes(size=(10, 10))), "at least 16 pixels"),
    "a 3 MB file": (
        lambda: upload(image_bytes() + b"\x00" * (3 * 1024 * 1024)),
        "larger than 2 MB",
    ),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_or_broken_file_is_refused_with_a_message_keeping_the_rest_and_storing_nothing(
    endorse_with, settings, kind
):
    make, message = HOSTILE[kind]

    response = endorse_with(make())

    assert response.status_code == 200
    page = parse_strict(response.content)
    errors = " ".join("".join(e.itertext()) for e in page.iterfind(".//div[@id='id_logo_error']"))
    assert message in errors
    assert "Choose another file, or leave the field empty" in response.content.decode()
    assert 'value="Open Schools Network"' in response.content.decode()
    assert "We will connect 200 rural schools by 2027." in response.content.decode()
    assert not Endorsement.objects.exists()
    assert not Logo.objects.exists()
    assert media_files(settings) == []


def test_a_50_mb_upload_is_refused_keeping_what_was_typed_and_storing_nothing(
    endorse_with, settings
):
    response = endorse_with(upload(image_bytes() + os.urandom(50 * 1024 * 1024)))

    assert "larger than 2 MB" in response.content.decode()
    assert 'value="Open Schools Network"' in response.content.decode()
    assert not Logo.objects.exists()
    assert media_files(settings) == []


def test_reading_a_50_mb_upload_holds_at_most_the_limit_and_costs_little(rf):
    body = encode_multipart(
        BOUNDARY,
        {
            "organisation_name": "Before the file",
            "logo": upload(os.urandom(50 * 1024 * 1024)),
            "statement": "After the file",
        },
    )
    request = rf.generic("POST", "/endorse/", body, content_type=MULTIPART_CONTENT)
    request.upload_handlers = [logos.LogoUploadHandler(request)]

    tracemalloc.start()
    started = time.process_time()
    try:
        fields, files = request.POST, request.FILES
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    cpu = time.process_time() - started

    assert fields["organisation_name"] == "Before the file"
    assert fields["statement"] == "After the file"
    assert files["logo"].size == 50 * 1024 * 1024
    # Measured: 2.1 MiB at most in memory, nothing on disk, about 20 ms of CPU (60 ms wall)
    # without tracemalloc, which slows this several times.
    assert peak < 4 * 1024 * 1024
    assert cpu < 2


def test_the_upload_handler_keeps_at_most_the_limit_of_the_logo_and_skips_other_files(rf):
    handler = logos.LogoUploadHandler(rf.post("/"))
    with pytest.raises(StopFutureHandlers):
        handler.new_file("logo", "logo.png", "image/png", None)
    chunk = b"x" * (64 * 1024)
    for start in range(0, 50 * 1024 * 1024, len(chunk)):
        assert handler.receive_data_chunk(chunk, start) is None
    received = handler.file_complete(50 * 1024 * 1024)

    assert received.size == 50 * 1024 * 1024
    assert len(received.read()) == logos.MAX_BYTES + 1
    with pytest.raises(SkipFile):
        handler.new_file("logo", "second.png", "image/png", None)
    with pytest.raises(SkipFile):
        logos.LogoUploadHandler(rf.post("/")).new_file("other", "x.png", "image/png", None)


def test_an_animated_image_keeps_its_first_frame():
    frames = [Image.new("RGB", (64, 64), color) for color in ("red", "blue", "green")]
    for image_format, name in (("PNG", "logo.png"), ("WEBP", "logo.webp")):
        out = io.BytesIO()
        frames[0].save(out, format=image_format, save_all=True, append_images=frames[1:])

        processed = process_logo(upload(out.getvalue(), name=name))

        stored = Image.open(io.BytesIO(processed.large))
        assert not getattr(stored, "is_animated", False)
        assert stored.convert("RGB").getpixel((10, 10)) == pytest.approx((255, 0, 0), abs=8)


def test_a_cmyk_jpeg_is_stored_in_colour_a_web_browser_shows():
    data = image_bytes("JPEG", mode="CMYK", color=(0, 255, 255, 0))

    processed = process_logo(upload(data, name="logo.jpg", content_type="image/jpeg"))

    stored = Image.open(io.BytesIO(processed.large))
    assert stored.mode in {"RGB", "RGBA"}
    red, green, blue = stored.convert("RGB").getpixel((5, 5))
    assert red > 200
    assert green < 60
    assert blue < 60


def test_the_stored_logo_has_no_metadata_from_a_photo_with_a_location():
    image = Image.new("RGB", (200, 100), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera maker
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    for image_format, name in (("PNG", "photo.png"), ("JPEG", "photo.jpg")):
        out = io.BytesIO()
        image.save(out, format=image_format, exif=exif)
        assert Image.open(io.BytesIO(out.getvalue())).getexif().get_ifd(0x8825)

        processed = process_logo(upload(out.getvalue(), name=name))

        for stored_bytes in (processed.small, processed.large):
            stored = Image.open(io.BytesIO(stored_bytes))
            assert not stored.getexif()
            assert not stored.info.get("exif")
            assert not stored.info.get("xmp")
            assert b"SecretCam" not in stored_bytes
            assert b"EXIF" not in stored_bytes.upper()


def test_a_transparent_png_keeps_its_transparency():
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((10, 90, 200, 255), (25, 25, 75, 75))
    out = io.BytesIO()
    image.save(out, format="PNG")

    processed = process_logo(upload(out.getvalue()))

    stored = Image.open(io.BytesIO(processed.large)).convert("RGBA")
    assert stored.getpixel((2, 2))[3] == 0
    assert stored.getpixel((stored.width // 2, stored.height // 2))[3] == 255


def test_a_palette_png_with_a_transparent_colour_keeps_it():
    image = Image.new("P", (64, 64), 0)
    image.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    image.paste(1, (16, 16, 48, 48))
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=0)

    stored = Image.open(io.BytesIO(process_logo(upload(out.getvalue())).large)).convert("RGBA")

    assert stored.getpixel((1, 1))[3] == 0
    assert stored.getpixel((stored.width // 2, stored.height // 2))[:3] == pytest.approx(
        (200, 0, 0), abs=8
    )


def test_a_hostile_file_name_is_shown_without_its_direction_controls():
    with pytest.raises(LogoRefused) as refused:
        process_logo(upload(image_bytes("JPEG"), name="gpj.\u202enice<b>.png"))

    assert "\u202e" not in str(refused.value)


def test_a_photograph_sized_logo_is_checked_in_well_under_a_second():
    big = Image.new("RGB", (4000, 4000), (30, 60, 90))
    out = io.BytesIO()
    big.save(out, format="PNG", compress_level=1)

    started = time.process_time()
    process_logo(upload(out.getvalue()))

    assert time.process_time() - started < 1.5


# Moderation -------------------------------------------------------------------------------


def test_approving_the_endorsement_approves_its_logo_and_shows_it(
    make_endorsement, logo_of, moderator
):
    endorsement = make_endorsement(status="confirmed")
    logo = logo_of(endorsement)

    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision="approve",
        moderator=moderator,
    )

    endorsement.refresh_from_db()
    logo.refresh_from_db()
    assert logo.status == Logo.Status.APPROVED
    assert logo.moderated_by == moderator
    assert endorsement.logo == logo
    assert endorsement.logo_url() == (
        f"/endorsers/{endorsement.public_id}/logo/{logo.content_hash[:16]}-small.webp"
    )


@pytest.mark.parametrize("decision", ["reject", "spam"])
def test_rejecting_the_endorsement_or_marking_it_as_spam_rejects_its_logo(
    make_endorsement, logo_of, moderator, decision
):
    endorsement = make_endorsement(status="confirmed")
    logo = logo_of(endorsement)

    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision=decision,
        moderator=moderator,
        reason="Not an organisation.",
    )

    logo.refresh_from_db()
    endorsement.refresh_from_db()
    assert logo.status == Logo.Status.REJECTED
    assert endorsement.logo is None


def test_the_moderation_queue_and_page_show_the_logo_waiting(
    client, make_endorsement, logo_of, moderator
):
    endorsement = make_endorsement(name="With A Logo", status="confirmed")
    logo = logo_of(endorsement)
    client.force_login(moderator)

    for address in ("/moderation/", f"/moderation/{endorsement.pk}/"):
        page = parse_strict(client.get(address).content)
        (image,) = page.iterfind(".//dd[@class='logo-pending']//img")
        assert image.get("src") == logo.large_url
        assert image.get("alt") == "Logo sent by With A Logo"
        assert client.get(image.get("src")).status_code == 200


def test_a_logo_sent_as_a_change_is_approved_in_place_of_the_one_shown_and_audited(
    client, make_endorsement, logo_of, moderator
):
    endorsement = make_endorsement(status="confirmed")
    first = logo_of(endorsement)
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision="approve",
        moderator=moderator,
    )
    second = logo_of(endorsement, data=image_bytes(color=(200, 0, 0)))
    old_address = Endorsement.objects.get().logo_url()

    approve_logo(logo=second, moderator=moderator)

    endorsement.refresh_from_db()
    assert endorsement.logo == second
    first.refresh_from_db()
    assert first.status == Logo.Status.APPROVED  # its row stays, for the record
    assert client.get(endorsement.logo_url()).status_code == 200
    assert client.get(old_address).status_code == 404
    entry = AuditEntry.objects.about(endorsement).get(
        action=AuditEntry.Action.ENDORSEMENT_CHANGE_APPROVE
    )
    assert entry.actor == moderator
    assert second.content_hash[:16] in entry.detail


def test_a_logo_sent_as_a_change_that_is_rejected_leaves_the_one_shown(
    make_endorsement, logo_of, moderator
):
    endorsement = make_endorsement(status="confirmed")
    first = logo_of(endorsement)
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision="approve",
        moderator=moderator,
    )
    second = logo_of(endorsement, data=image_bytes(color=(200, 0, 0)))

    reject_logo(logo=second, moderator=moderator)

    endorsement.refresh_from_db()
    second.refresh_from_db()
    assert endorsement.logo == first
    assert second.status == Logo.Status.REJECTED
    assert AuditEntry.objects.about(endorsement).filter(
        action=AuditEntry.Action.ENDORSEMENT_CHANGE_REJECT, actor=moderator
    )
    with pytest.raises(Exception, match="moderated already"):
        approve_logo(logo=second, moderator=moderator)


def test_withdrawing_deletes_the_logo_files(
    client, make_endorsement, logo_of, moderator, settings, django_capture_on_commit_callbacks
):
    endorsement = make_endorsement(status="confirmed")
    logo_of(endorsement)
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision="approve",
        moderator=moderator,
    )
    address = Endorsement.objects.get().logo_url()

    with django_capture_on_commit_callbacks(execute=True):
        withdraw_endorsement(endorsement=endorsement)

    assert logo_files(settings) == []
    assert not Logo.objects.exists()
    assert client.get(address).status_code == 404


def test_purging_expired_confirmations_deletes_their_logo_files(
    make_endorsement, logo_of, settings, django_capture_on_commit_callbacks
):
    expired = make_endorsement(status="unconfirmed")
    Endorsement.objects.filter(pk=expired.pk).update(
        submitted_at=timezone.now() - timezone.timedelta(days=365)
    )
    logo_of(expired)
    kept = logo_of(make_endorsement(status="unconfirmed"))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_unconfirmed_endorsements", stdout=io.StringIO())

    assert list(Logo.objects.all()) == [kept]
    assert len(logo_files(settings)) == 2


# Serving ----------------------------------------------------------------------------------


@pytest.fixture
def shown_logo(make_endorsement, logo_of, moderator):
    endorsement = make_endorsement(status="confirmed")
    logo_of(endorsement)
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision="approve",
        moderator=moderator,
    )
    return Endorsement.objects.select_related("logo").get(pk=endorsement.pk)


@pytest.mark.parametrize("size", ["small", "large"])
def test_an_approved_logo_is_served_for_good_in_one_query(
    client, shown_logo, django_assert_num_queries, size
):
    with django_assert_num_queries(1):
        response = client.get(shown_logo.logo_url(size))
        body = b"".join(response.streaming_content)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Cookie" not in response.get("Vary", "")
    assert Image.open(io.BytesIO(body)).format == "WEBP"


def test_a_logo_waiting_is_served_to_moderators_only_and_never_kept(
    client, make_endorsement, logo_of, moderator
):
    endorsement = make_endorsement(status="confirmed")
    logo = logo_of(endorsement)

    assert client.get(logo.small_url).status_code == 404
    client.force_login(moderator)
    response = client.get(logo.small_url)

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_a_logo_is_not_served_once_its_endorser_is_no_longer_public(client, shown_logo, moderator):
    from endorsements.services import revoke_approval

    address = shown_logo.logo_url()
    revoke_approval(endorsement=shown_logo, moderator=moderator, reason="Fake.")

    assert client.get(address).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "0000000000000000-small",  # a stale or made-up hash
        "{hash}-medium",
        "{hash}",
        "{short}-small",
        "{upper}-small",
        "%3Cscript%3E-small",
        "{hash}-small-small",
    ],
)
def test_made_up_logo_addresses_are_not_found(client, shown_logo, name):
    content_hash = shown_logo.logo.content_hash
    name = name.format(
        hash=content_hash[:16], short=content_hash[:8], upper=content_hash[:16].upper()
    )

    response = client.get(f"/endorsers/{shown_logo.public_id}/logo/{name}.webp")

    assert response.status_code == 404


def test_a_logo_of_another_endorser_is_not_found_at_this_one(client, shown_logo, make_endorsement):
    other = make_endorsement()
    address = shown_logo.logo_url().replace(shown_logo.public_id, other.public_id)

    assert client.get(address).status_code == 404


# The list ---------------------------------------------------------------------------------


def approve_with_logos(version, count: int, *, stored: Logo | None = None) -> None:
    """`count` approved endorsers, each showing a logo (rows only, pointing at `stored`'s
    files when given)."""
    now = timezone.now()
    endorsements = Endorsement.objects.bulk_create(
        Endorsement(
            organisation_name=f"Listed organisation {n}",
            name_key=f"listed organisation {n}",
            organisation_type="ngo",
            country="FR",
            region="europe",
            version=version,
            content_hash=version.content_hash,
            status=Endorsement.Status.APPROVED,
            approved_at=now,
        )
        for n in range(count)
    )
    Logo.objects.bulk_create(
        Logo(
            endorsement=endorsement,
            small=stored.small.name if stored else "logos/x-small.webp",
            large=stored.large.name if stored else "logos/x-large.webp",
            content_hash=f"{n:064x}",
            width=400,
            height=200,
            status=Logo.Status.APPROVED,
        )
        for n, endorsement in enumerate(endorsements)
    )
    Endorsement.objects.filter(pk__in=[e.pk for e in endorsements]).update(
        logo=Subquery(Logo.objects.filter(endorsement=OuterRef("pk")).values("pk")[:1])
    )


@pytest.mark.parametrize("count", [10, 10_000])
def test_the_list_with_logos_runs_a_constant_number_of_queries(
    client, version, page_queries, count
):
    approve_with_logos(version, count)

    # As without logos (test_public_list.py): the logo comes with each endorser's row.
    with page_queries(8):
        response = client.get("/endorsers/")

    images = parse_strict(response.content).findall(".//li/img[@class='endorser-logo']")
    assert len(images) == min(count, 50)


def test_the_list_shows_each_logo_sized_lazy_and_silent_beside_the_name(
    client, shown_logo, make_endorsement
):
    make_endorsement(name="Without A Logo")

    page = parse_strict(client.get("/endorsers/").content)

    (image,) = page.findall(".//li/img")
    assert image.get("src") == shown_logo.logo_url("small")
    assert (image.get("width"), image.get("height")) == ("48", "32")
    assert image.get("loading") == "lazy"
    # The organisation's name is the heading right beside it: read once, not twice.
    assert image.get("alt") == ""


def test_the_list_of_50_endorsers_with_logos_weighs_under_100_kb(
    client, version, make_endorsement, logo_of, moderator
):
    """The page as the site serves it (the HTML, uncompressed, and the 50 small logos it
    loads), with logos that no encoder can make small: noise. Measured: 40 KB of HTML (6 KB
    gzipped) and 47 KB of logos."""
    worst = logo_of(make_endorsement(status="confirmed"), data=noise())
    approve_with_logos(version, 49, stored=worst)
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=worst.endorsement_id),
        decision="approve",
        moderator=moderator,
    )

    response = client.get("/endorsers/", HTTP_ACCEPT_ENCODING="gzip, br")
    # Django sends the HTML as it is (a proxy in front may compress it): count it whole.
    assert "Content-Encoding" not in response
    html = response.content
    addresses = [
        image.get("src")
        for image in parse_strict(html).findall(".//li/img[@class='endorser-logo']")
    ]
    assert len(addresses) == 50
    logo_bytes = len(worst.small.open("rb").read()) * 50

    total = len(html) + logo_bytes
    print(
        f"/endorsers/ with 50 logos: HTML {len(html)} B ({len(gzip.compress(html))} B gzipped),"
        f" logos {logo_bytes} B, total {total} B"
    )
    assert total < 100 * 1024


# In a browser -----------------------------------------------------------------------------


@pytest.mark.browser
def test_an_organisation_endorses_with_a_logo_without_javascript(
    live_server, transactional_db, browser, moderator, tmp_path
):
    call_command("load_declaration", stdout=io.StringIO())
    logo_path = tmp_path / "our logo.png"
    logo_path.write_bytes(image_bytes(size=(300, 150), color=(200, 40, 40)))
    svg_path = tmp_path / "logo.svg"
    svg_path.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>')
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(live_server.url + "/endorse/")

    page.get_by_label("Organisation name").fill("Logo Schools Trust")
    page.get_by_label("Organisation type").select_option(label="NGO or civil society")
    page.locator("select[name=country]").select_option(label="Ghana")
    page.get_by_label("Contact person's name").fill("Kofi Mensah")
    page.get_by_label("Contact person's role").fill("Director")
    page.get_by_label("Contact person's email").fill("kofi@logoschools.example.org")
    page.get_by_label("I am authorised", exact=False).check()
    page.get_by_label("I agree that", exact=False).check()
    page.get_by_label("Logo", exact=True).set_input_files(str(svg_path))
    page.get_by_role("button", name="Endorse the declaration").click()

    expect(page.locator("#id_logo_error")).to_contain_text("SVG logos are not accepted")
    expect(page.get_by_label("Organisation name")).to_have_value("Logo Schools Trust")
    assert not Endorsement.objects.exists()

    page.get_by_label("Logo", exact=True).set_input_files(str(logo_path))
    page.get_by_label("I am authorised", exact=False).check()
    page.get_by_label("I agree that", exact=False).check()
    page.get_by_role("button", name="Endorse the declaration").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    endorsement = Endorsement.objects.get()
    assert endorsement.logos.get().status == Logo.Status.PENDING
    endorsement.confirm()
    moderate_endorsements(
        endorsements=Endorsement.objects.filter(pk=endorsement.pk),
        decision="approve",
        moderator=moderator,
    )
    page.goto(live_server.url + "/endorsers/")
    image = page.locator("li.endorser img.endorser-logo")
    expect(image).to_have_attribute("width", "48")
    assert page.request.get(live_server.url + image.get_attribute("src")).status == 200
