"""No Docker engine runs here: check docker-compose.yml by reading it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_env_names() -> set[str]:
    source = (ROOT / "modig" / "settings.py").read_text()
    return (
        set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', source))
        | set(re.findall(r'database_config\(\s*"([A-Z_]+)"', source))
        | set(re.findall(r'email_config\(\s*"([A-Z_]+)"', source))
    )


def test_compose_has_the_production_services_with_healthchecks():
    services = compose()["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]


def test_compose_keeps_database_and_media_on_volumes():
    data = compose()
    assert {"pgdata", "media"} <= set(data["volumes"])
    assert any("pgdata:" in v for v in data["services"]["postgres"]["volumes"])
    for name in ("web", "worker"):
        assert any(v.startswith("media:") for v in data["services"][name]["volumes"])


def test_compose_environment_names_are_the_ones_settings_read():
    services = compose()["services"]
    known = settings_env_names()
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert set(env) <= known, set(env) - known
        assert services[name]["env_file"] == ".env"
    for required in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"):
        assert required in services["web"]["environment"]


def test_env_example_names_only_settings_or_compose_variables():
    names = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert names <= settings_env_names() | {"POSTGRES_PASSWORD"}, names - settings_env_names()
    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "ALLOWED_HOSTS"} <= names


def test_app_services_depend_on_healthy_database_and_broker():
    for name in ("web", "worker", "beat"):
        deps = compose()["services"][name]["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["redis"]["condition"] == "service_healthy"
