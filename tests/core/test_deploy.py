"""Production settings pass Django's deployment checklist."""

import secrets

from tests.core.subprocess_env import rapport_env, run_rapport


def test_production_settings_pass_check_deploy_at_warning_level(tmp_path):
    # given production settings: a long random key, no debug, a real host name
    env = rapport_env(
        tmp_path,
        RAPPORT_SECRET_KEY=secrets.token_urlsafe(64),
        RAPPORT_ALLOWED_HOSTS="crm.example.com",
        RAPPORT_DEBUG=None,
    )

    # when the deployment checks run, failing on warnings too
    result = run_rapport("check", "--deploy", "--fail-level", "WARNING", env=env)

    # then nothing is reported
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_settings_fail_check_deploy(tmp_path):
    # given development settings (so the test above could fail)
    env = rapport_env(tmp_path, RAPPORT_DEBUG="1", RAPPORT_ALLOWED_HOSTS="crm.example.com")

    # when
    result = run_rapport("check", "--deploy", "--fail-level", "WARNING", env=env)

    # then DEBUG in deployment is flagged
    assert result.returncode == 1
    assert "security.W018" in result.stderr
