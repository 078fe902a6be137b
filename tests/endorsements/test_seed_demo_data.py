"""`manage.py seed_demo_data` fills the site with approved endorsers for load tests."""

import pytest
from django.core.management import CommandError, call_command

from endorsements.models import Endorsement


def test_it_adds_approved_endorsers_across_countries_types_and_scripts(version, settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo_data", endorsers=50)

    endorsers = Endorsement.objects.public()
    assert endorsers.count() == 50
    assert len(endorsers.count_by("country")) > 10
    assert len(endorsers.count_by("region")) == 6
    assert len(endorsers.count_by("organisation_type")) == 8
    names = " ".join(endorsers.values_list("organisation_name", flat=True))
    for script_sample in ("Escuelas", "جمعية", "连接学校"):
        assert script_sample in names
    assert "Added 50 approved endorser(s) of version 1" in capsys.readouterr().out


def test_running_it_again_adds_more_without_clashing(version, settings):
    settings.DEBUG = True

    call_command("seed_demo_data", endorsers=20)
    call_command("seed_demo_data", endorsers=20)

    assert Endorsement.objects.public().count() == 40


def test_it_can_publish_a_declaration_of_ten_principles_with_ten_action_lines(
    declaration, settings
):
    settings.DEBUG = True

    call_command("seed_demo_data", endorsers=5, large_declaration=True)

    declaration.refresh_from_db()
    version = declaration.current_version
    assert version.principles.count() == 10
    assert all(p.action_lines.count() == 10 for p in version.principles.all())
    assert Endorsement.objects.public().filter(version=version).count() == 5


def test_it_refuses_to_run_with_debug_off_unless_forced(version, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo_data", endorsers=5)
    call_command("seed_demo_data", endorsers=5, force=True)

    assert Endorsement.objects.public().count() == 5
