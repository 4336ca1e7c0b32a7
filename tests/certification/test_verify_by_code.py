"""/certificates/: typing a code finds the certificate's page; anything else says "not found"."""

from __future__ import annotations

import pytest

from certification import services, verification_views
from tests.certification.conftest import meet_everything

pytestmark = pytest.mark.django_db

LOOKUP = "/certificates/"


@pytest.fixture
def certificate(trainee, tree, programme, assessor):
    meet_everything(trainee, tree, programme, assessor)
    return services.issue_if_due(trainee, programme)


def test_the_form_has_a_labelled_code_field(client, db):
    response = client.get(LOOKUP)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_code">Certificate code' in html and 'name="code"' in html
    assert response["Cache-Control"] == "no-store"


def test_a_valid_code_redirects_to_the_verification_page(client, certificate):
    response = client.get(LOOKUP, {"code": f"  {certificate.code} "})
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{certificate.code}/"


def test_a_pasted_verification_address_finds_the_certificate(client, certificate):
    url = f"https://academy.example/certificates/{certificate.code}/"
    response = client.get(LOOKUP, {"code": url})
    assert response.status_code == 302 and response["Location"].endswith(f"{certificate.code}/")


def test_an_unknown_code_says_not_found_and_nothing_more(client, certificate):
    response = client.get(
        LOOKUP, {"code": certificate.code[:-1] + ("A" if certificate.code[-1] != "A" else "B")}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert verification_views.NOT_FOUND in html
    assert certificate.holder_name not in html and certificate.programme.title not in html


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "has spaces in it", "<script>alert(1)</script>", "x" * 40, "ü-code"],
)
def test_a_malformed_code_gets_a_clear_message_not_an_error(client, db, typed):
    response = client.get(LOOKUP, {"code": typed})
    html = response.content.decode()
    assert response.status_code == 200
    assert "field--error" in html
    assert "<script>alert(1)</script>" not in html


def test_lookups_from_one_address_are_limited(client, certificate, monkeypatch):
    monkeypatch.setattr(verification_views, "LOOKUPS_PER_ADDRESS", 3)
    codes = [
        client.get(LOOKUP, {"code": "unknown-code"}, REMOTE_ADDR="203.0.113.9").status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 200]
    limited = client.get(LOOKUP, {"code": certificate.code}, REMOTE_ADDR="203.0.113.9")
    assert limited.status_code == 429
    assert verification_views.TOO_MANY in limited.content.decode()
    other = client.get(LOOKUP, {"code": certificate.code}, REMOTE_ADDR="198.51.100.4")
    assert other.status_code == 302, "other addresses are not affected"


def test_opening_the_form_without_a_code_is_not_counted(client, db, monkeypatch):
    monkeypatch.setattr(verification_views, "LOOKUPS_PER_ADDRESS", 1)
    for _ in range(5):
        assert client.get(LOOKUP).status_code == 200


def test_the_footer_links_to_the_form(client, db):
    assert f'href="{LOOKUP}"' in client.get(LOOKUP).content.decode()


def test_a_revoked_certificate_shows_the_date_but_not_the_private_reason(
    client, certificate, admin_user
):
    services.revoke_certificate(certificate.pk, admin_user, "Private: complaint from clinic.")
    certificate.refresh_from_db()
    html = client.get(f"/certificates/{certificate.code}/").content.decode()
    assert f"revoked on {certificate.revoked_at:%-d %B %Y}" in html
    assert "complaint" not in html
