"""The learner's own programme page, /learn/programmes/<key>/: requirements, due date,
certificate and renewal. A programme the learner neither was assigned nor has begun does not
exist for them (404); another learner's standing is never shown."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from certification.models import Programme
from certification.my_programmes import programme_page


@login_required
@require_GET
def my_programme(request: AuthenticatedHttpRequest, slug: str) -> TemplateResponse:
    programme = get_object_or_404(Programme, key=slug)
    page = programme_page(request.user, programme)
    if page is None:
        raise Http404("No such programme.")
    return TemplateResponse(request, "certification/my_programme.html", {"view": page})
