from wagtail import hooks

from accounts.audit import FORMATTERS


@hooks.register("register_log_actions")
def register_account_log_actions(actions):
    for action, formatter in FORMATTERS.items():
        actions.register_action(action)(formatter)
