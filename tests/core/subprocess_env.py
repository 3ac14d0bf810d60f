"""Running `rapport` in a child process with a controlled environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path


def rapport_env(home: Path, **overrides: str | None) -> dict[str, str]:
    """The current environment minus Rapport's own variables, plus `overrides`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("RAPPORT_") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["RAPPORT_HOME"] = str(home)
    env["RAPPORT_SECRET_KEY"] = secrets.token_urlsafe(64)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_rapport(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "rapport", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_python(code: str, *, env: dict[str, str]) -> str:
    """Run `code` after django.setup() in a fresh interpreter; return its stdout."""
    prelude = (
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'rapport.settings');"
        "import django; django.setup()\n"
    )
    result = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-c", prelude + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
