"""Production settings: safe by construction, and `check --deploy` has nothing to say."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run_manage(*args, env_extra):
    unwanted = {"DEBUG", "SECRET_KEY", "HALQA_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unwanted}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_in_production():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "HALQA_ENV": "production",
            "SECRET_KEY": "x7#Kp2!vQ9zL@m4Rt8wY1nB6cF3hJ5dG0sA-uE_iO+pX=qZ&rT*yU%wV^bN",
            "ALLOWED_HOSTS": "halqa.example.org",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "env,message",
    [
        ({"HALQA_ENV": "production"}, "SECRET_KEY"),
        ({"HALQA_ENV": "production", "SECRET_KEY": "s" * 60, "DEBUG": "1"}, "DEBUG"),
    ],
)
def test_production_refuses_to_start_unsafely(env, message):
    result = run_manage("check", env_extra=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_cookies_are_secure_and_https_is_enforced():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.DEBUG,"
        " all(n.startswith('__Host-') for n in (s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.LANGUAGE_COOKIE_NAME)))"
    )
    result = run_manage(
        "shell",
        "-c",
        code,
        env_extra={"HALQA_ENV": "production", "SECRET_KEY": "k" * 20 + "Q7!x" * 10, "ALLOWED_HOSTS": "h.example.org"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["True", "True", "True", "True", "True", "False", "True"]


def test_the_demo_data_refuses_a_production_site(tmp_path):
    """The demo's accounts (a site administrator among them) share a password printed in the README."""
    result = run_manage(
        "load_demo",
        env_extra={
            "HALQA_ENV": "production",
            "SECRET_KEY": "k" * 20 + "Q7!x" * 10,
            "ALLOWED_HOSTS": "h.example.org",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        },
    )
    assert result.returncode != 0
    assert "refuses to run with HALQA_ENV=production" in result.stderr
