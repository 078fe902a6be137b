import pytest

from principles.models import ConsultationStateError, Contribution, Invitation


def test_opening_keeps_the_text_as_it_was_and_later_edits_do_not_change_it(consultation, editor):
    from principles.drafting.services import save_item_text

    consulted = consultation.text
    line = consultation.draft.principles.get(position=2).action_lines.get(position=1)
    save_item_text(
        item=line,
        by=editor,
        values={"text": "Reworded after opening."},
        base_revision=consultation.draft.revisions.order_by("-pk").first().pk,
    )
    consultation.refresh_from_db()
    assert consultation.text == consulted
    assert "Action line 1.2 text, made stronger." in str(consulted)
    assert "Reworded after opening." not in str(consulted)


def test_a_withdrawn_contribution_loses_its_text_and_contact_but_is_still_counted(
    consultation, contribute
):
    contribution = contribute(consultation)
    contribution.withdraw()
    contribution.refresh_from_db()
    assert (contribution.body, contribution.name, contribution.email) == ("", "", "")
    assert contribution.organisation_type == "ngo"
    assert list(Contribution.objects.counted()) == [contribution]
    assert list(Contribution.objects.public()) == []


def test_declining_an_amendment_needs_a_public_reason(consultation, contribute, editor):
    amendment = contribute(consultation, kind=Contribution.Kind.AMENDMENT)
    with pytest.raises(ConsultationStateError):
        amendment.decide(outcome=Contribution.Outcome.DECLINED, by=editor, reason=" ")
    amendment.decide(outcome=Contribution.Outcome.DECLINED, by=editor, reason="Out of scope.")
    assert amendment.outcome == Contribution.Outcome.DECLINED


def test_an_invitation_link_works_until_the_consultation_closes(
    make_consultation, changed_draft, publisher
):
    consultation = make_consultation(changed_draft, audience="invited")
    invitation = Invitation.objects.create(
        consultation=consultation,
        organisation_name="Ministry of Education",
        email="office@moe.example",
        invited_by=publisher,
    )
    token = invitation.token()
    assert Invitation.from_token(token, consultation=consultation) == invitation
    assert Invitation.from_token(token + "x", consultation=consultation) is None
    consultation.close()
    assert Invitation.from_token(token, consultation=consultation) is None
