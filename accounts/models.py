"""The custom user model (AUTH_USER_MODEL), in place from migration 0001."""

from django.contrib.auth.models import AbstractUser


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
