from django.conf import settings
from django.urls import include, path
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts.urls import notification_patterns
from accounts.views import AdminLogoutView
from certification import evidence_views, programme_views
from certification import views as certification_views
from certification.assess_urls import assess_patterns, my_assessment_patterns
from certification.urls import certificate_patterns, clinic_patterns, invitation_patterns
from core import views as core_views
from courses import routing as courses_routing
from courses import views as courses_views

urlpatterns = [
    # Before Wagtail's own: its sign-out view signs out on GET too (see AdminLogoutView).
    path("admin/logout/", AdminLogoutView.as_view()),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("accounts.urls")),
    path("notifications/", include(notification_patterns)),
    path("health/", core_views.health_ready, name="health"),
    path("health/ready/", core_views.health_ready, name="health_ready"),
    path("health/live/", core_views.health_live, name="health_live"),
    path("search/", courses_views.search, name="search"),
    path("learn/competencies/", certification_views.my_competencies, name="my_competencies"),
    path("learn/programmes/<slug:slug>/", programme_views.my_programme, name="my_programme"),
    path("learn/transcript/", evidence_views.cpd_transcript, name="cpd_transcript"),
    path("learn/transcript.pdf", evidence_views.cpd_transcript_pdf, name="cpd_transcript_pdf"),
    path("learn/transcript.csv", evidence_views.cpd_transcript_csv, name="cpd_transcript_csv"),
    path("learn/assessments/", include(my_assessment_patterns)),
    path("assess/", include(assess_patterns)),
    path("learn/", include("courses.urls")),
    path("certificates/", include(certificate_patterns)),
    path("clinics/", include(clinic_patterns)),
    path("invitations/", include(invitation_patterns)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's front-end URLs, pages served with their route read from the cache (courses.routing).
urlpatterns += [path("", include(courses_routing))]
