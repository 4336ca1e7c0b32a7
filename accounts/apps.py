from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (connects the sign-in receivers)
        from accounts.backends import register_user_annotation
        from accounts.notifications import unread_count_expression

        register_user_annotation("unread_notification_count", unread_count_expression)
