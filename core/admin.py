"""Pieces every app's custom Wagtail admin views share."""

from django.urls import reverse
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin


class AdminPage(WagtailAdminTemplateMixin):
    """A custom admin page with breadcrumbs: Dashboard > [parent] > this page."""

    parent_label = ""
    parent_url_name = ""

    def get_breadcrumbs_items(self):
        items = [{"url": reverse("wagtailadmin_home"), "label": "Dashboard"}]
        if self.parent_url_name:
            items.append({"url": reverse(self.parent_url_name), "label": self.parent_label})
        return [*items, {"url": "", "label": self.get_page_title()}]


class PermissionMenuItem(MenuItem):
    """An admin menu item shown only to users holding `permission`."""

    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)
