"""The partner lockup an operator configures: shown in the footer with its text in the reader's
language, served rebuilt (never as uploaded), and reported by `manage.py check` when it cannot
be shown."""

import io
import json
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from PIL import Image

from tests.html import parse_strict

SVG = "http://www.w3.org/2000/svg"

HOSTILE_SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     viewBox="0 0 240 60" onload="alert(1)">
  <script>alert(document.cookie)</script>
  <defs><rect id="r" width="40" height="40"/></defs>
  <rect width="240" height="60" fill="#063d61" onclick="steal()"/>
  <use xlink:href="file:///etc/passwd"/>
  <use href="#r" fill="#fff"/>
  <image href="http://tracker.example/pixel.png" width="10" height="10"/>
  <foreignObject width="10" height="10"><body xmlns="http://www.w3.org/1999/xhtml">
    <iframe src="javascript:alert(1)"/></body></foreignObject>
  <a href="javascript:alert(1)"><text x="50" y="40">Click</text></a>
  <style>@import url(http://tracker.example/x.css); rect { stroke: #fff }</style>
  <circle cx="200" cy="30" r="20" style="fill:url(http://tracker.example/a.svg#g)"/>
  <text x="60" y="40" fill="#fff" font-size="20">Partners</text>
</svg>"""
XXE_SVG = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text>&secret;</text></svg>"""
ALT = {"en": "With the support of our partners", "ar": "بدعم من شركائنا"}


def png(width: int = 600, height: int = 120) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#0a5a8c").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def lockup(settings, tmp_path):
    """`lockup(name, content)`: configure a lockup file with English and Arabic text."""

    def configure(name: str, content: bytes):
        path = tmp_path / name
        path.write_bytes(content)
        settings.PARTNER_LOCKUP = str(path)
        settings.PARTNER_LOCKUP_ALT = json.dumps(ALT)
        return path

    return configure


def footer_image(client, path: str = "/about/"):
    return parse_strict(client.get(path).content).find(".//footer//p[@class='partner-lockup']/img")


def check_messages() -> str:
    with pytest.raises(SystemCheckError) as refused:
        call_command("check")
    return str(refused.value)


def test_without_a_lockup_the_footer_shows_none(client, db, settings):
    settings.PARTNER_LOCKUP = ""

    assert footer_image(client) is None
    assert client.get("/partner-lockup-0123456789abcdef.svg").status_code == 404


def test_a_hostile_svg_is_served_with_its_drawing_only(client, db, lockup):
    lockup("partners.svg", HOSTILE_SVG)

    image = footer_image(client)
    response = client.get(image.get("src"))
    served = response.content.decode()

    assert (image.get("width"), image.get("height")) == ("240", "60")
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert response["X-Content-Type-Options"] == "nosniff"
    for hostile in ("script", "onload", "onclick", "file:", "tracker.example", "foreignObject",
                    "javascript", "iframe", "<image", "@import", "Click"):  # fmt: skip
        assert hostile not in served, hostile
    assert 'href="#r"' in served
    assert "Partners" in served
    assert "<rect" in served
    assert "<circle" in served


def test_an_svg_declaring_entities_is_refused_and_reported(client, db, lockup):
    lockup("partners.svg", XXE_SVG)

    assert footer_image(client) is None
    message = check_messages()
    assert "declaration_site.E010" in message
    assert "cannot be read safely" in message


def test_an_svg_as_drawing_programs_write_it_is_taken_without_its_doctype(client, db, lockup):
    lockup(
        "partners.svg",
        b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"'
        b' "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="9"'
        b' height="9"/></svg>',
    )

    image = footer_image(client)
    served = client.get(image.get("src")).content

    assert (image.get("width"), image.get("height")) == ("120", "40")
    assert b"DOCTYPE" not in served
    assert b"<rect" in served


def test_a_raster_lockup_is_re_encoded_without_anything_but_its_pixels(client, db, lockup):
    lockup("partners.png", png(1800, 300))

    image = footer_image(client)
    response = client.get(image.get("src"))

    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    served = Image.open(io.BytesIO(response.content))
    assert served.format == "WEBP"
    assert served.size == (900, 150)
    assert (image.get("width"), image.get("height")) == ("900", "150")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("partners.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "damaged"),
        ("partners.png", png() + b"<script>alert(1)</script>", "web page code"),
        ("partners.gif", b"GIF89a" + b"\x00" * 40, "not a PNG, JPEG or WebP"),
        ("partners.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><rect", "cannot be read"),
        ("partners.svg", b"<html><body>not a drawing</body></html>", "root element"),
    ],
)
def test_a_broken_file_is_reported_clearly_and_never_shown(
    client, db, lockup, name, content, reason
):
    lockup(name, content)

    assert footer_image(client) is None
    message = check_messages()
    assert "declaration_site.E010" in message
    assert reason in message


def test_a_missing_file_is_reported(db, settings):
    settings.PARTNER_LOCKUP = "nowhere/partners.svg"

    assert "is neither a file nor a static file" in check_messages()


def test_a_lockup_among_the_static_files_is_found_by_its_static_path(client, db, settings):
    settings.PARTNER_LOCKUP = "img/name-mark.svg"
    settings.PARTNER_LOCKUP_ALT = "Connectivity for Education"

    image = footer_image(client)

    assert client.get(image.get("src")).status_code == 200
    assert image.get("alt") == "Connectivity for Education"


@pytest.mark.parametrize(
    ("path", "alt"),
    [("/about/", ALT["en"]), ("/ar/about/", ALT["ar"]), ("/fr/about/", ALT["en"])],
)
def test_the_lockup_text_is_in_the_readers_language_or_else_english(client, db, lockup, path, alt):
    lockup("partners.svg", HOSTILE_SVG)

    assert footer_image(client, path).get("alt") == alt


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('{"ar": "بدعم من شركائنا"}', "no English text"),
        ('{"en": ""}', "must map language codes to texts"),
    ],
)
def test_a_misconfigured_text_is_reported(db, lockup, settings, value, reason):
    lockup("partners.svg", HOSTILE_SVG)
    settings.PARTNER_LOCKUP_ALT = value

    message = check_messages()

    assert "declaration_site.E011" in message
    assert reason in message


def test_an_address_of_a_replaced_lockup_leads_to_the_current_one(client, db, lockup):
    lockup("partners.svg", HOSTILE_SVG)
    current = footer_image(client).get("src")

    response = client.get("/partner-lockup-0123456789abcdef.webp")

    assert response.status_code == 302
    assert response["Location"] == current


@pytest.mark.parametrize(
    "address",
    ["/partner-lockup-.svg", "/partner-lockup-x" + "a" * 5000 + ".svg", "/partner-lockup-%00.svg"],
)
def test_malformed_lockup_addresses_are_not_found(client, db, lockup, address):
    lockup("partners.svg", HOSTILE_SVG)

    assert client.get(address).status_code in {302, 404}


def svg(body: str, *, root: str = 'viewBox="0 0 240 60"') -> bytes:
    return f'<svg xmlns="http://www.w3.org/2000/svg" {root}>{body}</svg>'.encode()


def served_lockup(client) -> str:
    image = footer_image(client)
    assert image is not None, "the lockup is not shown"
    return client.get(image.get("src")).content.decode()


def test_css_after_a_child_of_a_style_element_is_checked_too(client, db, lockup):
    lockup(
        "partners.svg",
        svg(
            "<style>rect { fill: #fff }<title>t</title>@import url(http://tracker.example/x.css);"
            "</style><rect width='9' height='9'/>"
        ),
    )

    served = served_lockup(client)

    assert "tracker.example" not in served
    assert "@import" not in served
    assert "<rect" in served


def test_an_element_outside_the_svg_namespace_is_dropped_whatever_its_name(client, db, lockup):
    lockup(
        "partners.svg",
        svg(
            '<style xmlns="">@import url(http://tracker.example/x.css);</style>'
            '<rect xmlns="http://other.example/ns" width="1" height="1"/>'
            '<circle cx="5" cy="5" r="5"/>'
        ),
    )

    served = served_lockup(client)

    assert "tracker.example" not in served
    assert "other.example" not in served
    drawing = ElementTree.fromstring(served)
    assert {element.tag for element in drawing.iter()} == {f"{{{SVG}}}svg", f"{{{SVG}}}circle"}


def test_serving_a_lockup_leaves_other_xml_of_the_process_as_it_was(client, db, lockup):
    lockup("partners.svg", HOSTILE_SVG)

    served = served_lockup(client)

    assert ElementTree.fromstring(served).tag == f"{{{SVG}}}svg"
    assert 'xmlns="http://www.w3.org/2000/svg"' in served.partition(">")[0]
    elsewhere = ElementTree.tostring(ElementTree.Element(f"{{{SVG}}}svg"))
    assert not elsewhere.startswith(b"<svg "), "the SVG namespace became the default of all XML"


@pytest.mark.parametrize(
    "css",
    [
        "fill: -webkit-image-set('//tracker.example/a.png' 1x)",
        'fill: image-set("https://tracker.example/a.png" 1x)',
        "fill: image-set(url(https://tracker.example/a.png) 1x)",
        "fill: url('https://tracker.example/a.svg#g')",
        'mask: url( "//tracker.example/m.svg#m")',
        "fill: u\\72l(https://tracker.example/a.svg#g)",
        "font-family: 'https://tracker.example/font'",
    ],
)
def test_css_naming_any_address_but_a_fragment_is_dropped(client, db, lockup, css):
    lockup(
        "partners.svg",
        svg(
            f'<style>@import "https://tracker.example/x.css"; rect {{ {css} }}</style>'
            f'<rect width="9" height="9" style="{css.replace(chr(34), "&quot;")}"/>'
            '<rect width="9" height="9" style="fill: url(\'#g\')"/>'
        ),
    )

    served = served_lockup(client)

    assert "tracker.example" not in served
    assert "url('#g')" in served


def test_a_deeply_nested_svg_is_refused_and_reported_not_a_broken_page(client, db, lockup):
    lockup("partners.svg", svg("<g>" * 3000 + "<rect width='1' height='1'/>" + "</g>" * 3000))

    response = client.get("/about/")

    assert response.status_code == 200
    assert footer_image(client) is None
    message = check_messages()
    assert "declaration_site.E010" in message
    assert "nests elements more than 50 deep" in message


@pytest.mark.parametrize(
    "root",
    [
        'width="inf" height="60"',
        'width="240" height="nan"',
        'width="1e999" height="60"',
        'viewBox="0 0 1e999 60"',
        'viewBox="0 0 infinity 60" width="-240" height="60"',
    ],
)
def test_an_svg_of_no_finite_size_is_refused_and_reported_not_a_broken_page(
    client, db, lockup, root
):
    lockup("partners.svg", svg("<rect width='1' height='1'/>", root=root))

    assert client.get("/about/").status_code == 200
    assert footer_image(client) is None
    message = check_messages()
    assert "declaration_site.E010" in message
    assert "positive numbers" in message


def test_a_viewbox_written_with_exponents_gives_the_lockup_its_proportions(client, db, lockup):
    lockup("partners.svg", svg("<rect width='1' height='1'/>", root='viewBox="0,0,2.4e2,6E+1"'))

    image = footer_image(client)

    assert (image.get("width"), image.get("height")) == ("240", "60")


def test_a_refused_lockup_is_logged_once_not_on_every_page(client, db, lockup, caplog):
    lockup("partners.svg", svg("<g>" * 60 + "</g>" * 60))

    for _page in range(3):
        assert client.get("/about/").status_code == 200

    refusals = [r for r in caplog.records if "partner lockup is not shown" in r.getMessage()]
    assert len(refusals) == 1
