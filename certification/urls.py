from django.urls import path

from certification import views

certificate_patterns = (
    [
        path("<code:code>/", views.verify, name="verify"),
        path("<code:code>.pdf", views.download_pdf, name="pdf"),
    ],
    "certificates",
)

clinic_patterns = (
    [
        path("<slug:slug>/", views.clinic_dashboard, name="dashboard"),
        path("<slug:slug>/report.csv", views.clinic_report_csv, name="report_csv"),
        path("<slug:slug>/assign/", views.clinic_assign, name="assign"),
    ],
    "clinics",
)
