"""Summit day: organisations endorse in their own languages, confirm from their emails, two
moderators work the queue at once (deciding one entry both, and one undoing an approval), the
public sees exactly the approved ones, a new version is published, and the endorsers reconfirm
or withdraw. Each step is a function; a new step is one more function called from the story."""

import pytest

from principles.drafting.shipped import LOADER_USERNAME
from tests.principles.pdf.pdf_reading import shows

from .people import Details, Editor, Moderator, Organisation, Reader, submit_together
from .story import settle

pytestmark = pytest.mark.journeys

SCHOOLS = Details(
    name="Open Schools Network",
    country="KE",
    email="amina@openschools.example.org",
    contact="Amina Odhiambo",
    statement="We will connect 200 rural schools by 2027.",
)
HOPE = Details(
    name="مؤسسة الأمل للتعليم",
    country="JO",
    email="info@alamal.example.org",
    contact="ليلى حداد",
    statement="سنربط مئة مدرسة بالإنترنت.",
)
SENEGAL = Details(
    name="Écoles Connectées du Sénégal",
    country="SN",
    email="contact@ecoles-connectees.example.org",
    contact="Awa Diop",
    statement="Nous connecterons 50 écoles rurales.",
)
LAPTOPS = Details(
    name="Portátiles Baratos Online",
    country="ES",
    email="ventas@portatiles.example.com",
    contact="Carlos Ruiz",
    statement="Compre portátiles baratos hoy.",
    organisation_type="private",
)
RURAL = Details(
    name="Rural Connect Foundation",
    country="BR",
    email="contact@ruralconnect.example.org",
    contact="João Silva",
    statement="We fund satellite links for schools in the Amazon.",
    organisation_type="foundation",
)
PHARMACY = Details(
    name="BUY CHEAP VIAGRA ONLINE",
    country="RU",
    email="sales@pharmacy.example.com",
    contact="Ivan Petrov",
    statement="Best prices.",
    organisation_type="private",
)
LANGUAGES = {SCHOOLS: "en", HOPE: "ar", SENEGAL: "fr", LAPTOPS: "es", RURAL: "en", PHARMACY: "ru"}
DECLARATION = "Global Declaration on Connectivity for Education"


def organisations_endorse(organisations):
    """One after another, as they arrive at a summit: each finds the form from the home page in
    its own language, fills it in and sends it."""
    for organisation in organisations:
        organisation.find_the_form()
        organisation.fill_in_the_form()
        organisation.send_the_form()


def organisations_confirm(organisations, mailbox):
    for organisation in organisations:
        organisation.confirm_from_the_email(mailbox)


def moderators_work_the_queue_at_once(anna, bilal) -> str:
    """Both sign in and open the queue. Anna approves three, the shop among them by mistake;
    Bilal approves three, one of which Anna chose too, and they press at the same moment: the
    entry they share is decided once, the other is told by whom, and the rest of both batches
    is applied. Bilal then rejects the spam with a standard reason. Returns the address of the
    shop's page, which Anna noted from the queue."""
    for moderator in (anna, bilal):
        moderator.sign_in(at="/moderation/")
    shop = anna.page_of(LAPTOPS.name)
    anna.choose(SCHOOLS.name, HOPE.name, LAPTOPS.name)
    bilal.choose(HOPE.name, SENEGAL.name, RURAL.name)
    submit_together(anna.decision("Approve selected"), bilal.decision("Approve selected"))
    assert anna.moderated() + bilal.moderated() == 5
    assert [HOPE.name in moderator.told() for moderator in (anna, bilal)].count(True) == 1
    bilal.choose(PHARMACY.name)
    bilal.reject_selected(reason="spam-like")
    assert bilal.moderated() == 1
    return shop


def a_moderator_undoes_an_approval(anna, *, entry: str):
    """The shop got through Anna's batch: she revokes its approval on its page."""
    anna.revoke(entry=entry, name=LAPTOPS.name, reason="A shop, not an education organisation.")


def the_public_sees(reader, *, listed, endorsing_current, version, not_shown):
    """The list and its charts, the count on / and in count.json, the CSV and JSON, and (once
    the worker has rendered it) the PDF of the current version show exactly who they should."""
    assert settle(reader.listed, lambda names: names == listed) == listed
    assert reader.charted() == {"by region": len(listed), "by type": len(listed)}
    assert settle(reader.headline_count, lambda count: count == len(listed)) == len(listed)
    counts = reader.count_json()
    assert (
        counts["endorsers"],
        counts["current_version"],
        counts["endorsers_of_current_version"],
    ) == (len(listed), version, len(endorsing_current))
    # The worker rebuilds the open data files a few seconds after each change.
    assert settle(reader.csv_names, lambda names: names == listed) == listed
    assert settle(reader.json_names, lambda names: names == listed) == listed

    def in_the_pdf():
        lines = reader.pdf_lines()
        return {name for name in listed | not_shown if shows(name, lines)}

    def right(shown):
        return shown == listed

    # The PDF of a new version lists every current endorser, those of an earlier text marked.
    shown = settle(in_the_pdf, right, seconds=60)
    assert right(shown), f"The PDF shows {shown}"


def editors_publish_a_new_version(editor, publisher) -> int:
    editor.sign_in(at="/drafting/")
    editor.draft_a_change(
        action_line="1.1",
        text="Connect every school and every library to fast, affordable internet by 2030.",
        note="Name libraries too",
    )
    publisher.sign_in(at="/drafting/")
    return publisher.approve_and_publish(draft=DECLARATION)


def one_audit_log(moderator, publisher, *, version: int):
    """A publisher and a moderator read one log: the moderators' decisions and the editors'
    draft side by side, each by whom; filtered to moderation, only the decisions."""
    everything = publisher.read_the_audit_log()
    # And the account that loaded the shipped translations when the site was set up.
    assert {who for who, _about in everything} == {"anna", "bilal", "ed", "rita", LOADER_USERNAME}
    assert any(who == "anna" and LAPTOPS.name in about for who, about in everything)
    assert any(who == "rita" and about.endswith(f" v{version}") for who, about in everything)
    moderation = moderator.read_the_audit_log(about="Moderation")
    assert {who for who, _about in moderation} == {"anna", "bilal"}
    assert moderation < everything


def test_summit_day(site, cast, mailbox, story):
    organisations = [
        cast(Organisation, details=details, language=language)
        for details, language in LANGUAGES.items()
    ]
    schools, hope, senegal = organisations[:3]
    with story.step("an operator adds two moderators, an editor and a publisher"):
        site.add_staff(
            anna=["Moderator"], bilal=["Moderator"], ed=["Editor"], rita=["Reviewer", "Publisher"]
        )
    anna, bilal = cast(Moderator, username="anna"), cast(Moderator, username="bilal", language="fr")
    editor, publisher = cast(Editor, username="ed"), cast(Editor, username="rita")
    reader = cast(Reader, name="reader")
    approved = {SCHOOLS.name, HOPE.name, SENEGAL.name, RURAL.name}

    with story.step("organisations find the form in their languages and endorse", *organisations):
        organisations_endorse(organisations)
    with story.step("each confirms from the link in its email", *organisations):
        organisations_confirm(organisations, mailbox)
    with story.step("two moderators work the queue at once", anna, bilal):
        shop = moderators_work_the_queue_at_once(anna, bilal)
    with story.step("a moderator undoes an approval", anna):
        a_moderator_undoes_an_approval(anna, entry=shop)
    with story.step("the public sees exactly the approved ones", reader):
        the_public_sees(
            reader,
            listed=approved,
            endorsing_current=approved,
            version=1,
            not_shown={LAPTOPS.name, PHARMACY.name},
        )
    with story.step("editors publish version 2", editor, publisher):
        version = editors_publish_a_new_version(editor, publisher)
        assert version == 2
    with story.step("a moderator and a publisher read one audit log", bilal, publisher):
        one_audit_log(bilal, publisher, version=version)
    with story.step("two reconfirm, one withdraws", schools, hope, senegal):
        schools.reconfirm_from_the_email(mailbox, version=version)
        hope.reconfirm_from_the_email(mailbox, version=version)
        senegal.withdraw_by_email(mailbox)
    with story.step("the public sees the endorsers of both versions", reader):
        the_public_sees(
            reader,
            listed={SCHOOLS.name, HOPE.name, RURAL.name},
            endorsing_current={SCHOOLS.name, HOPE.name},
            version=2,
            not_shown={SENEGAL.name, LAPTOPS.name, PHARMACY.name},
        )
