"""The custom user model (AUTH_USER_MODEL), in place from migration 0001."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """A person who signs in: trainee, instructor, reviewer, clinic manager or admin.

    Roles are Django groups (see core.roles); clinic roles live on ClinicMembership.
    """

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        ordering = ["last_name", "first_name", "username"]

    @property
    def display_name(self) -> str:
        """The name shown on pages and certificates: full name, else the username."""
        return self.get_full_name() or self.username


class Notification(models.Model):
    """Something that happened that a person should know about, shown under the bell.

    Written by `accounts.notifications.notify`; `key` makes a notification idempotent (the same
    event notified twice is one row). Whether it is also e-mailed is the person's choice per kind.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=~models.Q(key=""),
                name="notification_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return self.message


class NotificationPreference(models.Model):
    """A person's choice of whether one kind of notification also comes by e-mail.

    No row means the kind's default (`Kind.email_by_default`).
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40)
    by_email = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} by e-mail {'on' if self.by_email else 'off'}"
