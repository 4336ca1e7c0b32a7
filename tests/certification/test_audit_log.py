"""Clinic exports and certificate revocations in the audit log, readable by admins."""

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from certification import services
from tests.certification.conftest import meet_everything

pytestmark = pytest.mark.django_db


def test_clinic_csv_exports_are_recorded_with_who_and_which_clinic(
    client, manager, clinic, staff, programme, admin_user
):
    client.force_login(manager)
    response = client.get("/clinics/riverside/report.csv", {"status": "expired"})
    assert response.status_code == 200
    (entry,) = ModelLogEntry.objects.filter(action="accounts.export")
    assert entry.user_id == manager.pk
    assert entry.object_id == str(clinic.pk) and entry.label == str(clinic)
    assert entry.data["report"] == "clinic certification CSV"
    assert entry.data["filters"] == "status=expired"

    client.force_login(admin_user)
    html = client.get(
        reverse("wagtailadmin_reports:site_history"), {"action": "accounts.export"}
    ).content.decode()
    assert "Exported clinic certification CSV (filters: status=expired" in html


def test_revocation_reasons_are_readable_in_the_site_history(
    client, trainee, tree, programme, assessor, admin_user
):
    meet_everything(trainee, tree, programme, assessor)
    certificate = services.issue_if_due(trainee, programme)
    services.revoke_certificate(certificate.pk, admin_user, "Audit found <b>unsafe</b> depth.")
    client.force_login(admin_user)
    html = client.get(
        reverse("wagtailadmin_reports:site_history"),
        {"action": "certification.certificate.revoke"},
    ).content.decode()
    assert "Certificate revoked: Audit found &lt;b&gt;unsafe&lt;/b&gt; depth." in html
