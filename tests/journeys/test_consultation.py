"""Drafting in the open. An editor drafts version 2 and a publisher opens it for consultation.
Five people in three languages, each in a browser of their own, comment and propose new
wording, and confirm by email with the button. A moderator approves them in bulk; only then are
they public. The editors accept one amendment (it becomes a revision of the draft) and decline
another with a public reason; both proposers are told. The publisher brings the closing forward
a few seconds and the task worker closes the consultation on time. The report is rendered and
signed by the worker, its counts match what was sent, and /verify/ recognises the PDF. The draft
goes through review and is published, and every contributor is told."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from .people import Editor, Moderator, Person, Reader, submit, translated
from .story import settle

pytestmark = pytest.mark.journeys

DECLARATION = "Global Declaration on Connectivity for Education"
SLUG = "version-2-in-the-open"
PREFIX = {"en": "", "fr": "/fr", "ar": "/ar"}


@dataclass(frozen=True)
class Contribution:
    anchor: str  # the clause, as the public page anchors it
    kind: str  # "comment", "amendment"
    text: str
    proposed: str = ""


class Participant(Person):
    """Someone taking part from the consultation's public page, in their own language."""

    def __init__(self, browser, *, site, name, email, organisation, country, language):
        super().__init__(browser, site=site, name=name, language=language)
        self.email, self.organisation, self.country = email, organisation, country
        self.language = language

    def send(self, contribution: Contribution) -> None:
        self.page.goto(f"{PREFIX[self.language]}/consultation/{SLUG}/")
        clause = self.page.locator(f"#{contribution.anchor}-contributions")
        link = "Comment" if contribution.kind == "comment" else "Propose new wording"
        clause.get_by_role("link", name=self.say(link), exact=True).click()
        form = self.page.locator("form", has=self.button("Send"))
        if contribution.kind == "amendment":
            form.locator("[name=proposed_text]").fill(contribution.proposed)
        form.locator("[name=body]").fill(contribution.text)
        form.locator("[name=name]").fill(self.name)
        form.locator("[name=organisation_name]").fill(self.organisation)
        form.locator("[name=organisation_type]").select_option("ngo")
        form.locator("[name=country]").select_option(self.country)
        form.locator("[name=email]").fill(self.email)
        form.locator("[name=consent]").check()
        self.press("Send")

    def confirm_from_the_email(self, mailbox) -> None:
        sent = self.wait_for(mailbox, "Please confirm your contribution to the consultation")
        self.page.goto(sent.link("/consultation/confirm/"))
        assert "/consultation/confirm/" in self.page.url
        self.press("Confirm my contribution")
        self.expect_heading("Thank you: your contribution is confirmed")

    def wait_for(self, mailbox, subject: str):
        return mailbox.wait_for(
            to=self.email, subject={subject, translated(subject, self.language)}
        )


class Publisher(Editor):
    def open_for_consultation(self, *, closes: datetime) -> None:
        self.page.goto("/drafting/")
        self.page.get_by_role("link", name=DECLARATION).click()
        self.follow("Open for consultation")
        self.field("Title").fill("Version 2, in the open")
        self.field("Address").fill(SLUG)
        opens = datetime.now(UTC) - timedelta(minutes=1)
        self.field("Opens at (UTC)").fill(opens.strftime("%Y-%m-%dT%H:%M"))
        self.field("Closes at (UTC)").fill(closes.strftime("%Y-%m-%dT%H:%M"))
        for language in ("en", "fr", "ar"):
            self.page.locator(f"input[name=languages][value={language}]").check()
        self.press("Open for consultation")

    def bring_the_closing_forward(self, *, to: datetime) -> None:
        self.page.goto(f"/consultation/manage/{SLUG}/")
        self.page.locator("form", has=self.button("Change the closing time")).locator(
            "input[type=datetime-local]"
        ).fill(to.strftime("%Y-%m-%dT%H:%M:%S"))
        self.press("Change the closing time")


class ConsultationModerator(Moderator):
    def approve_every_waiting_contribution(self) -> int:
        self.page.goto("/consultation/manage/moderation/")
        boxes = self.page.locator("input[name=contributions]")
        waiting = boxes.count()
        for box in boxes.all():
            box.check()
        self.press("Approve the selected contributions")
        return waiting


class ConsultationEditor(Editor):
    def open_the_contributions(self) -> None:
        self.page.goto("/drafting/")
        self.page.get_by_role("link", name=DECLARATION).click()
        self.page.get_by_role("link", name=re.compile(r"^Consultation contributions")).click()

    def decide(self, *, organisation: str, decision: str, reason: str = "") -> None:
        """From the contributions page, open the amendment from `organisation` and decide."""
        self.open_the_contributions()
        amendment = self.page.locator("li.contribution-amendment", has_text=organisation)
        amendment.get_by_role("link", name="Decide on this amendment…").click()
        if reason:
            self.page.locator("[name=reason]").fill(reason)
        submit(self.page, self.button(decision))


PEOPLE = [
    # name, email, organisation, country, language, what they send
    (
        "Amina Diallo",
        "amina@schools-online.example",
        "Schools Online Network",
        "SN",
        "en",
        Contribution(
            "principle-1-action-1",
            "amendment",
            "Libraries serve learners too.",
            proposed="Connect every school and every public library to the internet by 2030.",
        ),
    ),
    (
        "Tom Baker",
        "tom@open-campus.example",
        "Open Campus",
        "GB",
        "en",
        Contribution("principle-2", "comment", "Name teachers' training explicitly here."),
    ),
    (
        "Claire Martin",
        "claire@ecoles-connectees.example",
        "Écoles connectées",
        "FR",
        "fr",
        Contribution(
            "principle-1-action-2",
            "amendment",
            "Le coût compte autant que la vitesse.",
            proposed="Rendre la connexion abordable pour chaque école, sans péage.",
        ),
    ),
    (
        "Paul Dubois",
        "paul@savoirs-pour-tous.example",
        "Savoirs pour tous",
        "CA",
        "fr",
        Contribution("principle-3", "comment", "Un texte clair ; merci de le garder court."),
    ),
    (
        "Layla Haddad",
        "layla@taalim.example",
        "شبكة تعليم",
        "JO",
        "ar",
        Contribution("principle-1-action-1", "comment", "نرحب بهذا البند ونقترح مؤشرات واضحة."),
    ),
]


def public_texts(reader: Reader) -> str:
    reader.page.goto(f"/consultation/{SLUG}/")
    return reader.page.locator("main").inner_text()


def test_consultation(site, cast, story, mailbox, tmp_path):
    with story.step("an operator adds an editor, a reviewer, a publisher and a moderator"):
        site.add_staff(ed=["Editor"], rita=["Reviewer"], pia=["Publisher"], mona=["Moderator"])
    editor, publisher = cast(ConsultationEditor, username="ed"), cast(Publisher, username="pia")
    moderator, reader = cast(ConsultationModerator, username="mona"), cast(Reader, name="reader")
    reviewer = cast(ConsultationEditor, username="rita")

    with story.step("the editor starts version 2 and rewords action line 1.1", editor):
        editor.sign_in(at="/drafting/")
        editor.draft_a_change(
            action_line="1.1",
            text="Connect every school to fast, reliable internet by 2030.",
            note="Say fast and reliable",
            submit=False,
        )
    with story.step("the publisher opens the draft for consultation", publisher):
        publisher.sign_in(at="/drafting/")
        publisher.open_for_consultation(closes=datetime.now(UTC) + timedelta(days=14))
        page = public_texts(reader)
        assert "Connect every school to fast, reliable internet by 2030." in page

    people = []
    with story.step("five people in three languages comment and propose new wording"):
        for name, email, organisation, country, language, contribution in PEOPLE:
            person = cast(
                Participant,
                name=name,
                email=email,
                organisation=organisation,
                country=country,
                language=language,
            )
            person.send(contribution)
            people.append((person, contribution))
    with story.step("each confirms from their email, with the button"):
        for person, _contribution in people:
            person.confirm_from_the_email(mailbox)
        # Confirmed but not yet moderated: nothing is public.
        page = public_texts(reader)
        assert not any(c.text in page for _p, c in people), "public before moderation"

    with story.step("the moderator approves them in bulk; now they are public", moderator):
        moderator.sign_in(at="/consultation/manage/moderation/")
        assert moderator.approve_every_waiting_contribution() == len(PEOPLE)
        page = settle(lambda: public_texts(reader), lambda text: PEOPLE[4][5].text in text)
        for _person, contribution in people:
            assert contribution.text in page
        assert not any(email in reader.page.content() for _n, email, *_rest in PEOPLE)

    amina, claire = people[0][0], people[2][0]
    with story.step("the editors accept Amina's amendment and decline Claire's", editor):
        editor.decide(organisation="Schools Online Network", decision="Accept as proposed")
        editor.decide(
            organisation="Écoles connectées",
            decision="Decline",
            reason="Affordability is already the subject of action line 1.3.",
        )
        amina.wait_for(mailbox, "The editors' decision on your amendment")
        told = claire.wait_for(mailbox, "The editors' decision on your amendment")
        assert "Affordability is already the subject of action line 1.3." in told.body
        editor.page.goto("/drafting/")
        editor.page.get_by_role("link", name=DECLARATION).click()
        expect(editor.page.locator("main")).to_contain_text(
            "Connect every school and every public library to the internet by 2030."
        )

    with story.step("the publisher brings the closing forward; the worker closes on time"):
        due = (datetime.now(UTC) + timedelta(seconds=6)).replace(microsecond=0)
        publisher.bring_the_closing_forward(to=due)
        closed = settle(
            lambda: reader.page.goto(f"/consultation/{SLUG}/report/") and reader.page.content(),
            until=lambda html: "approved by our moderators" in html,
            seconds=(due - datetime.now(UTC)).total_seconds() + 20,
        )
        seen = datetime.now(UTC)
        assert due <= seen, f"closed before {due}"
        assert "approved by our moderators" in closed, "still open"

    with story.step("the report counts what was sent, and its signed PDF verifies", reader):
        report = reader.page.locator("main").inner_text()
        assert f"{len(PEOPLE)} contributions on the draft were approved" in report
        assert "Affordability is already the subject of action line 1.3." in report
        pdf = settle(
            lambda: reader.context.request.get(f"/consultation/{SLUG}/report.pdf"),
            until=lambda response: response.status == 200,
            seconds=90,
        )
        assert pdf.headers["content-type"] == "application/pdf"
        path = tmp_path / "report.pdf"
        path.write_bytes(pdf.body())
        reader.page.goto("/verify/")
        reader.page.locator("input[type=file]").set_input_files(path)
        reader.press("Check the file")
        expect(reader.page.get_by_role("status")).to_contain_text(
            "Genuine: signed by this site and unaltered"
        )
        expect(reader.page.locator("main")).to_contain_text(SLUG)

    with story.step("the draft is reviewed and published; every contributor is told"):
        editor.page.goto("/drafting/")
        editor.page.get_by_role("link", name=DECLARATION).click()
        editor.press("Submit for review")
        reviewer.sign_in(at="/drafting/")
        number = reviewer_publishes(reviewer, publisher)
        assert number == 2
        for person, _contribution in people:
            sent = person.wait_for(mailbox, "The version you helped shape is published")
            assert "/versions/2/" in sent.body


def reviewer_publishes(reviewer: ConsultationEditor, publisher: Publisher) -> int:
    reviewer.page.get_by_role("link", name=DECLARATION).click()
    reviewer.press("Approve")
    expect(reviewer.page.get_by_role("status")).to_contain_text(reviewer.say("Approved"))
    publisher.page.goto("/drafting/")
    publisher.page.get_by_role("link", name=DECLARATION).click()
    publisher.confirm_publication(note="Shaped by the consultation")
    status = publisher.page.get_by_role("status")
    expect(status).to_contain_text(re.compile(r"Published as version \d+"))
    return int(re.search(r"Published as version (\d+)", status.inner_text()).group(1))
