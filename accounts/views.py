"""Sign-in view; the other account views are Django's own (see accounts/urls.py)."""

from django.contrib.auth import views as auth_views


class SiteLoginView(auth_views.LoginView):
    """Sign-in form. A signed-in visitor is sent on to where they were going."""

    redirect_authenticated_user = True
