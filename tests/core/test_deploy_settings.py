"""Production settings: `check --deploy` is clean, secrets are required, demo data refused."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, env_overrides: dict[str, str | None]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "academy.example.org",
    "WAGTAILADMIN_BASE_URL": "https://academy.example.org",
    "DATABASE_URL": "sqlite:////tmp/hfs-deploy-check.sqlite3",
}


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env_overrides={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": None})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_load_demo_refuses_under_production_settings():
    result = run_manage("load_demo", env_overrides=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "refuses to run under production settings" in result.stderr


@pytest.mark.django_db
def test_load_demo_refuses_when_settings_say_production(settings):
    settings.ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="refuses"):
        call_command("load_demo")


def test_public_pages_carry_a_strict_csp_and_cannot_be_framed(client, db):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp + ";"
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"


def test_admin_pages_allow_what_the_editor_needs_and_same_origin_preview(client, db):
    response = client.get("/admin/login/")
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
