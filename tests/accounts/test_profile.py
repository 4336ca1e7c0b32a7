"""The profile page: one's own name and e-mail address, and which notifications come by e-mail."""

from __future__ import annotations

import pytest
from wagtail.models import ModelLogEntry

from accounts.models import NotificationPreference
from accounts.notifications import email_choices, kinds
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"
PROFILE_MAX_QUERIES = 8


def form_data(user, **changes) -> dict:
    """What the form posts when `user` changes nothing but `changes` (every kind ticked as now)."""
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "notify-by_email": [key for key, on in email_choices(user).items() if on],
    }
    data.update(changes)
    return data


def test_the_profile_needs_a_sign_in(client):
    response = client.get(PROFILE)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_profile_shows_details_choices_and_security_links(
    client, trainee, django_assert_max_num_queries
):
    client.force_login(trainee)
    with django_assert_max_num_queries(PROFILE_MAX_QUERIES):
        response = client.get(PROFILE)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{trainee.email}"' in html
    assert '<label for="id_first_name">' in html
    assert "<legend>Also send me an e-mail when</legend>" in html
    for kind in kinds():
        assert kind.label in html
    assert html.count('type="checkbox"') == len(kinds())
    assert html.count("checked") == len(kinds()), "every kind is e-mailed by default"
    assert 'href="/accounts/password/change/"' in html
    assert (
        '<a class="site-account__link" href="/accounts/profile/" aria-current="page">Profile</a>'
        in html
    )


def test_names_and_email_choices_are_saved(client, trainee):
    client.force_login(trainee)
    response = client.post(
        PROFILE,
        form_data(
            trainee,
            first_name="Ada",
            last_name="Lovelace",
            **{"notify-by_email": ["essay.graded"]},
        ),
    )
    assert response.status_code == 302 and response.url == PROFILE
    trainee.refresh_from_db()
    assert (trainee.first_name, trainee.last_name) == ("Ada", "Lovelace")
    choices = email_choices(trainee)
    assert choices["essay.graded"] is True
    assert [key for key, on in choices.items() if not on] == [
        kind.key for kind in kinds() if kind.key != "essay.graded"
    ]
    assert "Your profile is saved." in client.get(PROFILE).content.decode()
    client.post(PROFILE, form_data(trainee, **{"notify-by_email": []}))
    assert not any(email_choices(trainee).values())
    assert NotificationPreference.objects.filter(user=trainee).count() == len(kinds())


def test_changing_the_email_address_needs_the_current_password(client, trainee):
    client.force_login(trainee)
    response = client.post(PROFILE, form_data(trainee, email="new@example.org"))
    assert response.status_code == 400
    assert "Enter your current password to change your e-mail address." in response.content.decode()
    response = client.post(
        PROFILE, form_data(trainee, email="new@example.org", current_password="wrong")
    )
    assert "Your current password was entered wrongly." in response.content.decode()
    trainee.refresh_from_db()
    assert trainee.email != "new@example.org"

    response = client.post(
        PROFILE, form_data(trainee, email="New@Example.ORG", current_password=PASSWORD)
    )
    assert response.status_code == 302
    trainee.refresh_from_db()
    assert trainee.email == "New@example.org", "the domain is normalised"
    (entry,) = ModelLogEntry.objects.filter(action="accounts.email_change")
    assert entry.object_id == str(trainee.pk)


def test_an_address_taken_by_another_account_in_any_case_is_refused_and_nothing_saved(
    client, trainee
):
    UserFactory(username="someone", email="someone@example.org")
    client.force_login(trainee)
    before = email_choices(trainee)
    response = client.post(
        PROFILE,
        form_data(
            trainee,
            first_name="Changed",
            email="SOMEONE@example.org",
            current_password=PASSWORD,
            **{"notify-by_email": []},
        ),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Another account already uses this e-mail address." in html
    assert "Nothing was saved." in html
    trainee.refresh_from_db()
    assert trainee.first_name != "Changed"
    assert email_choices(trainee) == before


def test_keeping_ones_own_address_needs_no_password(client, trainee):
    client.force_login(trainee)
    response = client.post(PROFILE, form_data(trainee, first_name="Same"))
    assert response.status_code == 302


@pytest.mark.parametrize("email", ["", "not-an-address"])
def test_a_missing_or_malformed_address_is_refused(client, trainee, email):
    client.force_login(trainee)
    response = client.post(PROFILE, form_data(trainee, email=email, current_password=PASSWORD))
    assert response.status_code == 400
    assert 'class="field field--error"' in response.content.decode()


def test_an_unknown_kind_is_refused_and_nothing_is_saved(client, trainee):
    client.force_login(trainee)
    response = client.post(
        PROFILE,
        form_data(
            trainee, first_name="Changed", **{"notify-by_email": ["essay.graded", "no.such"]}
        ),
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not NotificationPreference.objects.filter(user=trainee).exists()
    trainee.refresh_from_db()
    assert trainee.first_name != "Changed"


def test_the_header_links_the_profile_for_signed_in_people_only(client, trainee):
    assert 'href="/accounts/profile/"' not in client.get("/search/").content.decode()
    client.force_login(trainee)
    assert ">Profile</a>" in client.get("/search/").content.decode()
