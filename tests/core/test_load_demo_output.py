"""What `load_demo` prints: the address to sign in at and every demo sign-in the README names."""

import io

import pytest
from django.core.management import CommandError, call_command


@pytest.fixture
def loader_stubbed(monkeypatch):
    """The loading itself is tested in test_demo.py; these tests read only what is printed."""
    monkeypatch.setattr("academy.management.commands.load_demo.load_demo", lambda password: {})
    monkeypatch.setattr("academy.management.commands.load_demo.call_command", lambda *a, **k: None)
    monkeypatch.delenv("PORT", raising=False)


def printed(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_load_demo_prints_the_address_of_the_port_it_is_given(loader_stubbed):
    assert "http://127.0.0.1:8001/accounts/login/" in printed("--port", "8001")


def test_load_demo_takes_the_port_from_the_environment(loader_stubbed, monkeypatch):
    monkeypatch.setenv("PORT", "9000")
    assert "http://127.0.0.1:9000/accounts/login/" in printed()


def test_load_demo_defaults_to_port_8000(loader_stubbed):
    assert "http://127.0.0.1:8000/accounts/login/" in printed()


def test_load_demo_refuses_a_port_out_of_range(loader_stubbed):
    with pytest.raises(CommandError, match="between 1 and 65535"):
        printed("--port", "70000")


def test_load_demo_lists_the_clinic_staff_and_every_other_demo_user(loader_stubbed):
    out = printed()
    for username in ("admin", "manager", "manager2", "trainee", "priya", "kenji"):
        assert username in out
    staff_line = next(line for line in out.splitlines() if "Riverside" in line and "staff" in line)
    for username in ("amara", "ben", "gus", "lucia"):
        assert username in staff_line
