"""Trust and presence. The site runs behind a proxy that names each visitor's address (as in
production), so that submissions come from networks of their own. Open Schools endorses with
its logo and an address at its own website's domain, and becomes *domain confirmed*. A rural
library endorses from a webmail address; a moderator telephones it and records a verification.
Meanwhile a burst of nine spam submissions arrives from one network, where a real network of
schools also endorsed: the moderator finds the spike, removes everything pending from that
network in one action, sees the schools' network among them and undoes that one removal. Open
Schools changes its commitments from the link in its approval email. A reader then finds both
badges on the list, opens Open Schools' page with its logo, puts its "We endorse" badge on a
page of another site and follows it back; the hourly open data counts the approvals."""

import contextlib
import csv
import functools
import io
import re
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from .people import Details, Moderator, Organisation, Reader, submit
from .story import settle

pytestmark = pytest.mark.journeys

SCHOOLS = Details(
    name="Open Schools Network",
    country="KE",
    email="amina@openschools.example",
    contact="Amina Otieno",
    statement="We connect every school in our network by 2030.",
)
LIBRARY = Details(
    name="Biblioteca Rural de Cusco",
    country="PE",
    email="biblioteca.cusco@gmail.com",
    contact="Rosa Quispe",
    statement="Nuestra biblioteca abre su conexión a los estudiantes.",
)
NEIGHBOURS = Details(
    name="Red de Escuelas del Valle",
    country="PE",
    email="contacto@escuelasdelvalle.example",
    contact="Luis Mamani",
    statement="Conectamos las escuelas del valle.",
)
SPAM_NETWORK = "203.0.113.0/24"


@pytest.fixture(scope="module")
def site_environment():
    """As deployed behind nginx, which writes the visitor's address into X-Real-IP."""
    return {"RATELIMIT_IP_META_KEY": "HTTP_X_REAL_IP"}


@pytest.fixture(scope="module")
def nginx_in_front():
    """The browsers play the proxy here, each writing its made-up address into X-Real-IP: the
    real nginx would overwrite it with 127.0.0.1, as it must, and every visitor would share
    one network."""
    return False


class Endorser(Organisation):
    """An organisation that gives its website and, if it has one, its logo."""

    def __init__(self, browser, *, site, details, language, address, website="", logo=None):
        super().__init__(browser, site=site, details=details, language=language)
        self.context.set_extra_http_headers({"X-Real-IP": address})
        self.website, self.logo = website, logo

    def fill_in_the_form(self) -> None:
        super().fill_in_the_form()
        if self.website:
            self.form_field("website").fill(self.website)
        if self.logo:
            self.form_field("logo").set_input_files(self.logo)

    def endorse(self) -> None:
        self.find_the_form()
        self.fill_in_the_form()
        self.send_the_form()


class Spammer(Organisation):
    """One sender, many addresses in one network, many made-up organisations."""

    def send_a_burst(self, count: int) -> None:
        for number in range(count):
            self.context.set_extra_http_headers({"X-Real-IP": f"203.0.113.{21 + number}"})
            self.details = Details(
                name=f"Cheap Tablets Outlet {number}",
                country="US",
                email=f"deals{number}@tablet-outlet.example",
                contact="Sales",
                statement="Best prices!!!",
            )
            self.find_the_form()
            self.fill_in_the_form()
            self.send_the_form()


class TrustModerator(Moderator):
    def verify(self, name: str, *, note: str) -> None:
        """From the queue, open the entry's page and record how it was verified."""
        self.page.goto(self.page_of(name))
        self.field("How you verified it (kept for staff, never published)").fill(note)
        self.press("Record the verification")

    def approve(self, *names: str) -> None:
        self.open_the_queue()
        self.choose(*names)
        submit(*self.decision("Approve selected"))
        assert self.moderated() == len(names)

    def sweep_the_spike(self) -> int:
        """From the queue, open where submissions come from, preview a bulk action on the
        network that spikes and mark everything it lists as spam. Returns how many."""
        self.open_the_queue()
        self.follow("Where submissions come from")
        spike = self.page.locator("#by-network ~ div tr.spike")
        expect(spike).to_contain_text(SPAM_NETWORK)
        spike.get_by_role("link", name=re.compile(self.say("Preview a bulk action"))).click()
        heading = self.page.get_by_role("heading", level=2, name=re.compile(r"^\d+ "))
        matched = int(heading.inner_text().split()[0])
        self.page.get_by_label(self.say("Mark as spam")).check()
        self.press("Apply to these endorsements")
        expect(self.page.get_by_role("status")).to_contain_text(f"{matched} ")
        return matched

    def undo_for(self, name: str) -> None:
        """On the batch's page, restore `name` alone."""
        for box in self.page.locator("input[name=items]").all():
            box.uncheck()
        self.page.get_by_role("checkbox", name=name).check()
        self.press("Undo for the selected")
        expect(self.page.get_by_role("status")).to_contain_text("1 endorsement is back")


def a_logo(folder) -> str:
    path = folder / "open-schools.png"
    image = Image.new("RGBA", (600, 240), (0, 0, 0, 0))
    image.paste((20, 110, 190, 255), (0, 0, 240, 240))
    image.save(path)
    return str(path)


def change_commitments(schools: Endorser, mailbox) -> None:
    """From the link in the approval email: commit to action line 1.2 as well."""
    approval = schools.email(mailbox, "Your endorsement is now public")
    schools.page.goto(approval.link("/endorse/manage/"))
    schools.expect_heading("Manage your endorsement")
    schools.page.get_by_label(re.compile(r"^1\.2 ")).check()
    schools.press("Save")
    expect(schools.page.locator("#manage-saved")).to_be_visible()


@contextlib.contextmanager
def partner_website(snippet: str):
    """A partner organisation's website, another origin on this machine, whose page shows the
    badge with the snippet pasted in. (Chromium lets pages of public addresses load nothing from
    127.0.0.1, where the site runs in the journeys: the partner is local too.)"""
    folder = Path(tempfile.mkdtemp())
    (folder / "partners.html").write_text(
        f"<!doctype html><html lang=en><title>Our partners</title>{snippet}</html>"
    )
    handler = functools.partial(SimpleHTTPRequestHandler, directory=folder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/partners.html"
    finally:
        server.shutdown()


def the_badge_links_back(reader: Reader, *, page_url: str) -> None:
    """Paste the badge's snippet into a page of another site and follow it."""
    reader.page.goto(page_url)
    snippet = reader.page.locator("#badge-snippet").input_value()
    assert "badge.svg" in snippet
    other_site = reader.context.new_page()
    with partner_website(snippet) as partner:
        other_site.goto(partner)
        badge = other_site.locator("img[src$='badge.svg']")
        expect(badge).to_be_visible()
        # Drawn: loaded from the site by a page of another origin, as the partner's visitors see it.
        other_site.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=badge.element_handle(), timeout=5000
        )
        with other_site.expect_navigation():
            other_site.locator("a", has=badge).click()
        assert other_site.url == page_url
        expect(other_site.get_by_role("heading", level=1)).to_have_text(SCHOOLS.name)
    other_site.close()


def hourly_rows(reader: Reader) -> list[dict]:
    return list(csv.DictReader(io.StringIO(reader.download("/endorsers/hourly.csv").text())))


def test_trust_and_presence(site, cast, mailbox, story, tmp_path):
    site.add_staff(mo=["Moderator"])
    schools = cast(
        Endorser,
        details=SCHOOLS,
        language="en",
        address="198.51.100.7",
        website="https://www.openschools.example/",
        logo=a_logo(tmp_path),
    )
    library = cast(
        Endorser,
        details=LIBRARY,
        language="es",
        address="192.0.2.33",
        website="https://bibliotecacusco.example/",
    )
    neighbours = cast(Endorser, details=NEIGHBOURS, language="es", address="203.0.113.40")
    spammer = cast(Spammer, details=SCHOOLS, language="en")
    moderator = cast(TrustModerator, username="mo")
    reader = cast(Reader, name="A reader")

    with story.step("Three organisations endorse, one with its logo, and confirm", schools):
        for endorser in (schools, library, neighbours):
            endorser.endorse()
            endorser.confirm_from_the_email(mailbox)

    with story.step("A burst of nine spam submissions from one network", spammer):
        spammer.send_a_burst(9)

    with story.step("The moderator verifies the library and approves both", moderator):
        moderator.sign_in(at="/moderation/")
        moderator.verify(LIBRARY.name, note="Telephoned the library on 4 December; Rosa Quispe.")
        moderator.approve(SCHOOLS.name, LIBRARY.name)

    with story.step("The moderator removes the burst and undoes one wrong removal", moderator):
        assert moderator.sweep_the_spike() == 10  # the nine, and the schools' network
        moderator.undo_for(NEIGHBOURS.name)
        moderator.open_the_queue()
        expect(moderator.page.locator(".queue-entry", has_text=NEIGHBOURS.name)).to_be_visible()
        assert "Cheap Tablets" not in moderator.page.locator("main").inner_text()

    with story.step("Open Schools commits to another action line from its link", schools):
        change_commitments(schools, mailbox)

    with story.step("A reader finds both badges, the page, the logo and the badge", reader):
        listed = settle(
            lambda: reader.page.goto("/endorsers/") and reader.page.locator(".endorser"),
            lambda entries: entries.count() == 2,
        )
        schools_entry = listed.filter(has_text=SCHOOLS.name)
        library_entry = listed.filter(has_text=LIBRARY.name)
        expect(schools_entry.locator(".trust")).to_have_text("Domain confirmed")
        expect(library_entry.locator(".trust")).to_have_text("Verified by the secretariat")
        expect(reader.page.locator(".trust-count")).to_contain_text("1 of them is verified")
        expect(schools_entry).to_contain_text("1.1, 1.2")
        assert "Telephoned" not in reader.page.content()

        schools_entry.get_by_role("link", name=SCHOOLS.name).click()
        page_url = reader.page.url
        logo = reader.page.locator("img.endorser-logo")
        logo_response = reader.download(logo.get_attribute("src"))
        assert logo_response.headers["content-type"] == "image/webp"
        badge = reader.download(page_url + "badge.svg")
        assert badge.headers["content-type"].startswith("image/svg+xml")
        the_badge_links_back(reader, page_url=page_url)

    with story.step("The hourly open data counts what happened", reader):
        rows = settle(
            lambda: hourly_rows(reader),
            lambda rows: sum(int(row["approvals"]) for row in rows) == 2,
        )
        assert sum(int(row["approvals"]) for row in rows) == 2
        assert sum(int(row["confirmations"]) for row in rows) == 3
        assert "Telephoned" not in reader.download("/endorsers.csv").text()
