"""Invitations: inviting one person, the link (signed, single use, expiring), accepting it, the
e-mail and its retries, who may invite, and the admin's invitations to site roles."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone

from certification import invitations
from certification.models import (
    ClinicMembership,
    ClinicRole,
    Invitation,
    InvitationState,
    ProgrammeAssignment,
)
from core.roles import INSTRUCTORS
from tests.factories import UserFactory

User = get_user_model()
PASSWORD = "a-Long-clinic-pass-2026"
LINK = re.compile(r"http://testserver(/invitations/[^/\s]+/)")


class FlakyBackend(EmailBackend):
    """A mail server that drops the connection settings.MAIL_FAILURES_LEFT times, then works."""

    def send_messages(self, messages):
        left = getattr(django_settings, "MAIL_FAILURES_LEFT", 0)
        if left:
            django_settings.MAIL_FAILURES_LEFT = left - 1
            raise ConnectionResetError(104, "Connection reset by peer")
        return super().send_messages(messages)


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the e-mail task) when the block ends, as in production."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def invited(clinic, manager, programme, mailoutbox, commits):
    with commits():
        invitation = invitations.invite(
            email="New.Person@Example.org",
            first_name="Nia",
            last_name="Person",
            invited_by=manager,
            clinic=clinic,
            programmes=[programme],
            due_date=timezone.localdate() + timedelta(days=30),
        )
    return invitation


def accept_data(**extra):
    return {
        "first_name": "Nia",
        "last_name": "Person",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }


def test_an_invitation_emails_a_link_that_creates_the_account_and_joins_the_clinic(
    client, invited, clinic, programme, mailoutbox
):
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new.person@example.org"]
    assert clinic.name in message.body and programme.title in message.body
    url = link_in(message)

    page = client.get(url)
    assert page.status_code == 200
    assert clinic.name in page.text and programme.title in page.text
    response = client.post(url, accept_data())
    assert response.status_code == 302

    user = User.objects.get(email="new.person@example.org")
    assert user.username == "new.person@example.org" and user.check_password(PASSWORD)
    assert ClinicMembership.objects.get(user=user, clinic=clinic).role == ClinicRole.STAFF
    assignment = ProgrammeAssignment.objects.get(user=user, clinic=clinic, programme=programme)
    assert assignment.due_date == invited.due_date
    assert client.get(reverse("learn:dashboard")).status_code == 200  # signed in
    invited.refresh_from_db()
    assert invited.state == InvitationState.ACCEPTED and invited.accepted_user == user


def test_a_used_link_says_it_was_used_and_creates_nothing_more(client, invited, mailoutbox):
    url = link_in(mailoutbox[0])
    client.post(url, accept_data())
    client.logout()
    again = client.post(url, accept_data(password1="Other-pass-1234", password2="Other-pass-1234"))
    assert again.status_code == 410
    assert "already been used" in again.text
    assert User.objects.filter(email="new.person@example.org").count() == 1
    assert User.objects.get(email="new.person@example.org").check_password(PASSWORD)


def test_an_expired_link_says_so_and_whom_to_ask(client, invited, manager, mailoutbox):
    Invitation.objects.filter(pk=invited.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    url = link_in(mailoutbox[0])
    response = client.post(url, accept_data())
    assert response.status_code == 410
    assert "expired" in response.text and manager.email in response.text
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_the_link_expires_after_the_configured_days(settings, clinic, manager):
    settings.INVITATION_DAYS = 3
    invitation = invitations.invite(email="a@example.org", invited_by=manager, clinic=clinic)
    assert invitation.expires_at - invitation.created_at == timedelta(days=3)


def test_a_withdrawn_link_says_so(client, invited, manager, mailoutbox):
    invitations.revoke(invited, manager)
    response = client.get(link_in(mailoutbox[0]))
    assert response.status_code == 410 and "withdrawn" in response.text


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature altered
        lambda token: "9999" + token[token.index(".") :],  # another id, same signature
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_token_is_404(client, invited, mailoutbox, mangle):
    token = link_in(mailoutbox[0]).split("/")[2]
    assert client.get(f"/invitations/{mangle(token)}/").status_code == 404


def test_the_database_alone_cannot_make_a_working_link(client, invited):
    """The row keeps a nonce, not a link: signing it needs the site's secret key."""
    from django.core import signing

    forged = signing.Signer(key="another-key", salt=invitations.SALT).sign(
        f"{invited.pk}.{invited.nonce}"
    )
    assert client.get(f"/invitations/{forged}/").status_code == 404


def test_an_existing_account_joins_only_when_its_owner_accepts_signed_in(
    client, clinic, manager, programme, trainee, mailoutbox, commits
):
    with commits():
        invitation = invitations.invite(
            email=trainee.email.upper(),
            invited_by=manager,
            clinic=clinic,
            programmes=[programme],
            due_date=timezone.localdate() + timedelta(days=10),
        )
    assert invitation.existing_account and invitation.accepted_user is None
    assert not ClinicMembership.objects.filter(user=trainee, clinic=clinic).exists()
    (message,) = [
        m for m in mailoutbox if m.to == [trainee.email.upper()] or m.to == [trainee.email]
    ]
    link = link_in(message)
    assert "sign in to it" in message.body

    # Whoever holds the link without being signed in to the account cannot take it.
    password = "a-Long-clinic-pass-2026"
    refused = client.post(
        link, {"first_name": "X", "last_name": "Y", "password1": password, "password2": password}
    )
    assert refused.status_code == 410 and "sign in to it" in refused.text
    assert User.objects.filter(email__iexact=trainee.email).count() == 1
    assert not ClinicMembership.objects.filter(clinic=clinic).exclude(user=manager).exists()

    client.force_login(trainee)
    accepted = client.post(link)
    assert accepted.status_code == 302
    assert ClinicMembership.objects.filter(user=trainee, clinic=clinic).exists()
    assert ProgrammeAssignment.objects.filter(user=trainee, programme=programme).exists()


def test_an_address_taken_by_someone_else_never_hands_them_the_invitation(
    client, clinic, manager, trainee, mailoutbox, commits
):
    """Claiming the invited address on one's profile gives nothing: the account must accept
    signed in, through the link only the invited mailbox received."""
    with commits():
        invitations.invite(email="victim@example.org", invited_by=manager, clinic=clinic)
    link = link_in(mailoutbox[-1])
    trainee.email = "victim@example.org"
    trainee.save()
    password = "a-Long-clinic-pass-2026"
    response = client.post(
        link,
        {"first_name": "V", "last_name": "Ictim", "password1": password, "password2": password},
    )
    assert response.status_code == 410
    assert not ClinicMembership.objects.filter(user=trainee, clinic=clinic).exists()


def test_an_old_username_is_no_claim_to_an_address(clinic, manager, commits):
    from tests.factories import UserFactory

    UserFactory(username="old@example.org", email="new@example.org")
    with commits():
        invitation = invitations.invite(email="old@example.org", invited_by=manager, clinic=clinic)
    assert not invitation.existing_account and invitation.accepted_user is None


def test_reinviting_a_pending_address_replaces_the_invitation(
    client, invited, clinic, manager, mailoutbox, commits
):
    old_link = link_in(mailoutbox[0])
    with commits():
        again = invitations.invite(
            email="new.person@example.org", invited_by=manager, clinic=clinic, first_name="Nia"
        )
    assert again.pk == invited.pk
    assert Invitation.objects.filter(email="new.person@example.org").count() == 1
    assert list(again.programmes.all()) == []  # the new choices replace the old
    assert client.get(old_link).status_code == 404
    assert client.get(link_in(mailoutbox[-1])).status_code == 200


def test_resending_sends_a_new_link_and_the_old_one_stops_working(
    client, invited, manager, mailoutbox, commits
):
    old_link = link_in(mailoutbox[0])
    with commits():
        invitations.resend(invited, manager)
    assert len(mailoutbox) == 2
    assert client.get(old_link).status_code == 404
    assert client.get(link_in(mailoutbox[1])).status_code == 200


def test_passwords_are_checked_by_the_site_validators(client, invited, mailoutbox):
    url = link_in(mailoutbox[0])
    weak = client.post(url, accept_data(password1="12345678", password2="12345678"))
    assert weak.status_code == 400
    differ = client.post(url, accept_data(password2="something-else-2026"))
    assert differ.status_code == 400 and "differ" in differ.text
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_someone_else_signed_in_is_told_and_offered_to_sign_out(
    client, invited, trainee, mailoutbox
):
    client.force_login(trainee)
    url = link_in(mailoutbox[0])
    page = client.get(url)
    assert "You are signed in as" in page.text and "Sign out and continue" in page.text
    client.post(url, accept_data())
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_mail_failure_is_tried_again(settings, clinic, manager, mailoutbox, commits):
    settings.EMAIL_BACKEND = "tests.certification.test_invitations.FlakyBackend"
    settings.MAIL_FAILURES_LEFT = 2
    with commits():
        invitation = invitations.invite(
            email="flaky@example.org", invited_by=manager, clinic=clinic
        )
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["flaky@example.org"]
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_mail_server_down_gives_up_after_the_last_try_and_resend_works_later(
    settings, clinic, manager, mailoutbox, commits
):
    settings.EMAIL_BACKEND = "tests.certification.mail_backends.RefusingBackend"
    settings.MAIL_REFUSED = {}
    settings.MAIL_SERVER_DOWN = True
    with commits():
        invitation = invitations.invite(email="down@example.org", invited_by=manager, clinic=clinic)
    assert mailoutbox == []
    invitation.refresh_from_db()
    assert invitation.sent_at is None
    settings.MAIL_SERVER_DOWN = False
    with commits():
        invitations.resend(invitation, manager)
    assert [m.to for m in mailoutbox] == [["down@example.org"]]


# Manager pages ----------------------------------------------------------------------------------


def test_a_manager_invites_from_the_list_page(
    client, clinic, manager, programme, mailoutbox, commits
):
    client.force_login(manager)
    url = reverse("clinics:invitations", args=[clinic.slug])
    with commits():
        response = client.post(
            url,
            {
                "first_name": "Ola",
                "last_name": "Berg",
                "email": "ola@example.org",
                "role": "staff",
                "programmes": [programme.pk],
                "due_date": (timezone.localdate() + timedelta(days=20)).isoformat(),
            },
        )
    assert response.status_code == 302
    assert Invitation.objects.get(email="ola@example.org").clinic == clinic
    assert len(mailoutbox) == 1
    page = client.get(url)
    assert "ola@example.org" in page.text and "Send again" in page.text


def test_the_invite_form_refuses_bad_input_and_writes_nothing(client, clinic, manager, programme):
    client.force_login(manager)
    url = reverse("clinics:invitations", args=[clinic.slug])
    for data in (
        {"email": "not an address", "role": "staff"},
        {"email": "x@example.org", "role": "owner"},
        {"email": "x@example.org", "role": "staff", "programmes": [programme.pk]},  # no due date
        {
            "email": "x@example.org",
            "role": "manager",
            "programmes": [programme.pk],
            "due_date": "2099-01-01",
        },
        {"email": "x@example.org", "role": "staff", "due_date": "2001-01-01"},
    ):
        assert client.post(url, data).status_code == 400
    assert Invitation.objects.count() == 0


def test_the_dashboard_links_to_the_invitations(client, clinic, manager):
    client.force_login(manager)
    page = client.get(reverse("clinics:dashboard", args=[clinic.slug]))
    assert reverse("clinics:invitations", args=[clinic.slug]) in page.text


def test_manager_of_another_clinic_gets_404(client, clinic, other_manager, invited):
    client.force_login(other_manager)
    base = reverse("clinics:invitations", args=[clinic.slug])
    assert client.get(base).status_code == 404
    assert client.post(base, {"email": "x@example.org", "role": "staff"}).status_code == 404
    assert client.get(reverse("clinics:invitations_import", args=[clinic.slug])).status_code == 404
    for name in ("clinics:invitation_resend", "clinics:invitation_revoke"):
        assert client.post(reverse(name, args=[clinic.slug, invited.pk])).status_code == 404
    invited.refresh_from_db()
    assert invited.revoked_at is None


def test_a_manager_cannot_touch_another_clinics_invitation_through_their_own(
    client, other_clinic, other_manager, invited
):
    client.force_login(other_manager)
    url = reverse("clinics:invitation_revoke", args=[other_clinic.slug, invited.pk])
    assert client.post(url).status_code == 404


def test_a_trainee_gets_404(client, clinic, staff):
    client.force_login(staff)
    assert client.get(reverse("clinics:invitations", args=[clinic.slug])).status_code == 404


def test_signed_out_is_sent_to_sign_in(client, clinic):
    response = client.get(reverse("clinics:invitations", args=[clinic.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_resend_and_withdraw_from_the_list(client, clinic, manager, invited, mailoutbox, commits):
    client.force_login(manager)
    with commits():
        client.post(reverse("clinics:invitation_resend", args=[clinic.slug, invited.pk]))
    assert len(mailoutbox) == 2
    client.post(reverse("clinics:invitation_revoke", args=[clinic.slug, invited.pk]))
    invited.refresh_from_db()
    assert invited.state == InvitationState.REVOKED
    with commits():
        client.post(reverse("clinics:invitation_resend", args=[clinic.slug, invited.pk]))
    assert len(mailoutbox) == 2  # a withdrawn invitation is not sent again


def test_the_list_page_costs_the_same_queries_for_many_invitations(
    client, clinic, manager, programme, django_assert_max_num_queries
):
    for n in range(25):
        invitations.invite(
            email=f"p{n}@example.org",
            invited_by=manager,
            clinic=clinic,
            programmes=[programme],
            due_date=timezone.localdate() + timedelta(days=5),
        )
    client.force_login(manager)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("clinics:invitations", args=[clinic.slug]))
    assert response.status_code == 200 and "p24@example.org" in response.text


def test_the_login_page_says_accounts_are_by_invitation(client):
    page = client.get(reverse("accounts:login"))
    assert "by invitation" in page.text and "clinic manager" in page.text


# Admins invite site roles -----------------------------------------------------------------------


def test_an_admin_invites_an_instructor_who_joins_the_group(
    client, admin_user, roles, mailoutbox, commits
):
    client.force_login(admin_user)
    url = reverse("certification_invitations")
    assert client.get(url).status_code == 200
    with commits():
        response = client.post(
            url, {"email": "ines@example.org", "first_name": "Ines", "site_role": INSTRUCTORS}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="ines@example.org")
    assert invitation.clinic is None and invitation.site_role == INSTRUCTORS
    client.logout()
    client.post(link_in(mailoutbox[0]), accept_data(first_name="Ines"))
    user = User.objects.get(email="ines@example.org")
    assert user.groups.filter(name=INSTRUCTORS).exists()
    assert not user.clinic_memberships.exists()


def test_a_user_with_add_user_may_invite_but_a_manager_may_not(client, manager, roles):
    url = reverse("certification_invitations")
    client.force_login(manager)
    assert client.get(url).status_code in (302, 403)
    staffer = UserFactory(username="people-admin", groups=[INSTRUCTORS])
    staffer.user_permissions.add(Permission.objects.get(codename="add_user"))
    client.force_login(staffer)
    assert client.get(url).status_code == 200


def test_an_unknown_site_role_is_refused(admin_user):
    with pytest.raises(invitations.InvitationError):
        invitations.invite(email="x@example.org", invited_by=admin_user, site_role="Superusers")
    assert Invitation.objects.count() == 0
