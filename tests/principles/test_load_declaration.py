from io import StringIO

from django.core.management import call_command

from principles.models import ActionLine, Declaration, Version


def load() -> str:
    output = StringIO()
    call_command("load_declaration", stdout=output)
    return output.getvalue()


def test_loading_the_shipped_text_publishes_version_1(db, client):
    output = load()

    version = Version.objects.get()
    assert version.number == 1
    assert version.is_published
    assert version.principles.count() == 3
    assert "Loaded 'connectivity-for-education' v1" in output
    page = client.get("/").content.decode()
    assert "Global Declaration on Connectivity for Education" in page
    assert "Center the most marginalized" in page
    assert "Expand investments in free and high-quality digital education content" in page


def test_each_shipped_principle_has_two_to_four_action_lines(db):
    load()

    for principle in Version.objects.get().principles.all():
        assert 2 <= principle.action_lines.count() <= 4


def test_loading_again_changes_nothing(db):
    load()
    output = load()

    assert Declaration.objects.count() == 1
    assert Version.objects.count() == 1
    assert ActionLine.objects.count() == 10
    assert "nothing loaded" in output
