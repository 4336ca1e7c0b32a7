"""`load_demo`: the curriculum plus the five demo accounts in their groups."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory

from core.roles import INSTRUCTORS, REVIEWERS

pytestmark = pytest.mark.django_db


def test_demo_users_exist_in_the_right_groups_with_the_demo_password(settings, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "a-chosen-demo-password")
    call_command("load_demo", verbosity=0)
    User = get_user_model()
    groups = {u.username: {g.name for g in u.groups.all()} for u in User.objects.all()}
    assert User.objects.get(username="admin").is_superuser
    assert INSTRUCTORS in groups["instructor"]
    assert REVIEWERS in groups["reviewer"]
    assert "Clinic managers" in groups["manager"]
    assert "Trainees" in groups["trainee"]
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="trainee", password="a-chosen-demo-password")


def test_demo_can_be_loaded_twice(settings, demo):
    call_command("load_demo", verbosity=0)
    assert get_user_model().objects.filter(username="trainee").count() == 1
