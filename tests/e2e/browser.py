"""The Chromium the browser tests share within one test process (see `Browser`)."""

from __future__ import annotations

import os

from django.db import connections


class Browser:
    """One Playwright driver and one Chromium per test process, started by the first browser
    test and stopped before any other kind of test or when the run ends.

    Each test still gets a new browser context (its own cookies, storage and viewport), which
    costs milliseconds; launching Chromium costs a second or more. Playwright's sync API leaves
    its event loop registered as running on this thread between calls, which Django's ORM
    refuses outside browser tests, hence the stop before any other test. While it runs, this
    thread is handed new database connection objects; `adopt` gives them what pytest-django
    keeps on the original ones (the database as it was after migrating, which a
    `serialized_rollback` test restores before it starts).
    """

    def __init__(self) -> None:
        self._manager = None
        self.browser = None
        self._serialized: dict[str, str] = {}

    def start(self, executable: str, args: list[str]):
        if self.browser is None:
            from playwright.sync_api import sync_playwright

            self._serialized = {
                connection.alias: connection._test_serialized_contents
                for connection in connections.all(initialized_only=True)
                if getattr(connection, "_test_serialized_contents", None)
            }
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            self._manager = sync_playwright()
            playwright = self._manager.__enter__()
            self.browser = playwright.chromium.launch(executable_path=executable, args=args)
            self.adopt()
        return self.browser

    def adopt(self) -> None:
        """Before a browser test's fixtures: hand the connections it will use the serialized
        database (a no-op unless the browser is running)."""
        if self.browser is None:
            return
        for alias, contents in self._serialized.items():
            connection = connections[alias]
            if not getattr(connection, "_test_serialized_contents", None):
                connection._test_serialized_contents = contents

    def stop(self) -> None:
        if self._manager is None:
            return
        manager, self._manager, self.browser = self._manager, None, None
        manager.__exit__(None, None, None)
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        connections.close_all()


SHARED = Browser()
