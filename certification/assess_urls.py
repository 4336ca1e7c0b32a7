"""URLs of workplace-based assessment, outside the admin.

- `/assess/...` (namespace "assess"): the assessor's queue and requests, the chair-side
  assessment screen, countersigning, and the external supervisor's one-time link.
- `/learn/assessments/...` (namespace "my_assessments"): a trainee's requests and the signed
  assessments of them, with acknowledgement, reflection and dispute.
"""

from django.urls import path

from certification import (
    acknowledgement_views,
    assess_views,
    countersign_views,
    external_views,
    request_views,
)

# The assessor's queue: requests received, accepted, declined (certification.request_views).
request_urls: list = [
    path("", request_views.assessor_queue, name="queue"),
    path("requests/<id:pk>/accept/", request_views.accept_request, name="accept"),
    path("requests/<id:pk>/decline/", request_views.decline_request, name="decline"),
]
# The chair-side screen, signing, countersigning and the external link (certification.assess_views).
screen_urls: list = [
    path("start/", assess_views.start, name="start"),
    path("assessments/<id:assessment_id>/", assess_views.screen, name="screen"),
    path("assessments/<id:assessment_id>/save/", assess_views.save, name="save"),
    path("assessments/<id:assessment_id>/sign/", assess_views.sign, name="sign"),
    path("countersign/", countersign_views.queue, name="countersign_queue"),
    path(
        "assessments/<id:assessment_id>/countersign/",
        countersign_views.countersign,
        name="countersign",
    ),
    path("external/<str:token>/", external_views.external, name="external"),
    path("external/<str:token>/save/", external_views.external_save, name="external_save"),
    path("external/<str:token>/sign/", external_views.external_sign, name="external_sign"),
]

assess_patterns = ([*request_urls, *screen_urls], "assess")

# A trainee's own requests (certification.request_views).
learner_request_urls: list = [
    path("", request_views.my_requests, name="list"),
    path("request/", request_views.request_assessment, name="request"),
    path("requests/<id:pk>/withdraw/", request_views.withdraw_request, name="withdraw"),
]
# A trainee's signed assessments: acknowledgement, reflection, dispute (certification.acknowledgements).
learner_record_urls: list = [
    path("<id:pk>/", acknowledgement_views.assessment_detail, name="detail"),
    path("<id:pk>/acknowledge/", acknowledgement_views.acknowledge, name="acknowledge"),
    path("<id:pk>/dispute/", acknowledgement_views.dispute, name="dispute"),
]

my_assessment_patterns = ([*learner_request_urls, *learner_record_urls], "my_assessments")

__all__ = ["assess_patterns", "my_assessment_patterns", "path"]
