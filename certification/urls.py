from django.urls import path

from certification import (
    evidence_views,
    invitation_views,
    supervisor_views,
    verification_views,
    views,
)

certificate_patterns = (
    [
        path("", verification_views.lookup, name="lookup"),
        path("<code:code>/", views.verify, name="verify"),
        path("<code:code>.pdf", views.download_pdf, name="pdf"),
        path("<code:code>/evidence/", evidence_views.evidence, name="evidence"),
        path("<code:code>/evidence.pdf", evidence_views.evidence_pdf, name="evidence_pdf"),
    ],
    "certificates",
)

clinic_patterns = (
    [
        path("<slug:slug>/", views.clinic_dashboard, name="dashboard"),
        path("<slug:slug>/report.csv", views.clinic_report_csv, name="report_csv"),
        path("<slug:slug>/assign/", views.clinic_assign, name="assign"),
        path("<slug:slug>/selection/", views.clinic_selection, name="selection"),
        path("<slug:slug>/remind/", views.clinic_remind, name="remind"),
        path("<slug:slug>/staff/<id:user_id>/", views.clinic_staff, name="staff"),
        path("<slug:slug>/invitations/", invitation_views.clinic_invitations, name="invitations"),
        path(
            "<slug:slug>/invitations/import/",
            invitation_views.import_invitations,
            name="invitations_import",
        ),
        path(
            "<slug:slug>/invitations/<id:pk>/resend/",
            invitation_views.resend_invitation,
            name="invitation_resend",
        ),
        path(
            "<slug:slug>/invitations/<id:pk>/revoke/",
            invitation_views.revoke_invitation,
            name="invitation_revoke",
        ),
        path(
            "<slug:slug>/external-assessors/",
            supervisor_views.clinic_external_assessors,
            name="external_assessors",
        ),
        path(
            "<slug:slug>/external-assessors/<id:pk>/approve/",
            supervisor_views.approve_external,
            name="external_assessor_approve",
        ),
        path(
            "<slug:slug>/external-assessors/<id:pk>/reject/",
            supervisor_views.reject_external,
            name="external_assessor_reject",
        ),
    ],
    "clinics",
)

# Mounted at /invitations/ (config/urls.py): the link in an invitation e-mail.
invitation_patterns = (
    [path("<str:token>/", invitation_views.accept_invitation, name="accept")],
    "invitations",
)
