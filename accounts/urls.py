from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import notification_views, two_factor, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SiteLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("two-factor/recovery-codes/", two_factor.recovery_codes, name="two_factor_codes"),
    path(
        "two-factor/recovery-codes/new/",
        two_factor.new_recovery_codes,
        name="two_factor_new_codes",
    ),
    path("two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path("two-factor/reset/", two_factor.reset, name="two_factor_reset"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("accounts:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        views.SitePasswordResetView.as_view(
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.SitePasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

# Mounted at /notifications/ (config/urls.py).
notification_patterns = (
    [
        path("", notification_views.notification_list, name="list"),
        path("<id:pk>/open/", notification_views.open_notification, name="open"),
        path("read/", notification_views.mark_notifications_read, name="mark_read"),
    ],
    "notifications",
)
