"""The container image, as far as a machine without a container engine can take it: the image's
install step, command, user and healthcheck run by docker/build-steps.sh outside a container, the
Dockerfile (read by Docker's own parser) and compose.yaml checked against what that run did, and
compose's PostgreSQL URL served by a real mock."""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import dockerfile
import psycopg
import pytest
import yaml

from pancake_mock import DEFAULT_PORT, __version__
from support import MockServer

ROOT = Path(__file__).resolve().parent.parent
IMAGE = dockerfile.parse_file(str(ROOT / "Dockerfile"))
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
# The image's user cannot reach an interpreter under root's home (pyenv's): the system's Python it is.
SYSTEM_PYTHON = Path("/usr/bin/python3")


def instructions(name: str) -> list[dockerfile.Command]:
    return [command for command in IMAGE if command.cmd.upper() == name]


def only(name: str) -> tuple[str, ...]:
    [command] = instructions(name)
    return command.value


def env() -> dict[str, str]:
    values = [value for command in instructions("ENV") for value in command.value]
    return dict(zip(values[::2], values[1::2]))


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the image's steps")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def report() -> dict[str, str]:
    """What `docker/build-steps.sh check` saw, one `key: value` line each; it fails on what it asserts."""
    if os.geteuid() != 0:
        unavailable("the image's steps start the server as another user, which needs root")
    if not SYSTEM_PYTHON.exists():
        unavailable(f"{SYSTEM_PYTHON} is missing")
    result = subprocess.run([str(ROOT / "docker/build-steps.sh"), "check"], capture_output=True, text=True,
                            timeout=600, env={**os.environ, "PYTHON": str(SYSTEM_PYTHON)})
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(line.split(": ", 1) for line in result.stdout.splitlines())


def test_the_steps_install_a_whole_package_and_serve_it_as_a_user(report):
    assert report["installed"] == f"pancake-mock {__version__}"
    assert report["user"] == only("USER")[0] != "0:0"
    assert "others send X-Control-Token (controlToken in credentials.json)" in report["banner"]
    assert report["lint"] == "OK, 4 file(s)"  # the packaged contracts, and lint's GraphQL engine
    assert report["graphql"].startswith("200 ")  # the script checked the answer
    assert report["stopped"] in ("exit 0 after SIGTERM", "exit 143 after SIGTERM")  # uvicorn re-raises it


def test_the_generated_control_token_guards_the_control_plane_from_other_machines(report):
    [(key, outcome)] = [(key, value) for key, value in report.items() if key.startswith("control from ")]
    assert outcome == "401 without the token, 401 with a wrong one, 200 with controlToken"


def test_the_healthcheck_is_the_dockerfiles(report):
    [healthcheck] = instructions("HEALTHCHECK")
    assert healthcheck.json
    kind, *command = healthcheck.value
    assert kind == "CMD" and command[:2] == ["python", "-c"]
    assert report["healthcheck"] == " ".join(command)


def test_the_command_and_data_dir_are_the_dockerfiles(report):
    data_dir = only("VOLUME")[0]
    assert data_dir == "/data"
    command = [*only("ENTRYPOINT"), *only("CMD")]
    served, _, _ = report["serve"].partition(" (PANCAKE_MOCK_PORT=")
    run_data_dir = served.split()[served.split().index("--data-dir") + 1]
    assert served.replace(run_data_dir, data_dir).split() == command
    assert command[:4] == ["pancake-mock", "serve", "--host", "0.0.0.0"]
    assert "--port" not in command  # it comes from PANCAKE_MOCK_PORT, as the healthcheck's does


def test_the_port_is_the_default_one_everywhere():
    assert only("EXPOSE") == (str(DEFAULT_PORT),)
    assert env()["PANCAKE_MOCK_PORT"] == str(DEFAULT_PORT)
    assert COMPOSE["services"]["mock"]["ports"] == [f"127.0.0.1:{DEFAULT_PORT}:{DEFAULT_PORT}"]


def test_the_image_installs_with_the_script_and_runs_its_install():
    [run] = instructions("RUN")
    assert "docker/build-steps.sh install /opt/pancake-mock" in run.value[0]
    assert env()["PATH"].startswith("/opt/pancake-mock/bin:")
    uid, gid = only("USER")[0].split(":")
    assert f"--uid {uid} --gid {gid}" in run.value[0] and f"chown {uid}:{gid} /data" in run.value[0]


def test_the_build_context_holds_what_the_package_is_built_from():
    copied = {source.rstrip("/") for command in instructions("COPY") for source in command.value[:-1]}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {"pyproject.toml", "constraints.txt", "docker/build-steps.sh", project["project"]["readme"],
              *wheel["packages"], *wheel["force-include"]}
    assert {path for path in needed if not any(path == c or path.startswith(c + "/") for c in copied)} == set()
    rules = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")]
    assert rules[0] == "*"  # an allowlist: whatever else the work tree holds (keys, a venv) stays out
    assert {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")} == copied


def test_compose_runs_the_images_command_against_its_postgresql():
    services = COMPOSE["services"]
    mock, postgres = services["mock"], services["postgres"]
    command = mock["command"]
    assert command[:len(only("CMD"))] == list(only("CMD"))
    assert f"mock:{only('VOLUME')[0]}" in mock["volumes"]
    assert mock["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert "healthcheck" not in mock  # the image's
    url = urlsplit(command[command.index("--database-url") + 1])
    database = postgres["environment"]
    assert (url.scheme, url.username, url.password, url.hostname, url.port, url.path) == \
           ("postgresql+psycopg", database["POSTGRES_USER"], database["POSTGRES_PASSWORD"], "postgres", 5432,
            "/" + database["POSTGRES_DB"])


def test_composes_database_url_is_served(pg_cluster, tmp_path):
    """compose's mock command on a real PostgreSQL, reached at the test cluster's address instead of
    the `postgres` service's, with PANCAKE_MOCK_CONTROL_TOKEN empty as compose passes it when unset."""
    command = COMPOSE["services"]["mock"]["command"]
    url = urlsplit(command[command.index("--database-url") + 1])
    with psycopg.connect(f"host=127.0.0.1 port={pg_cluster.port} user=postgres dbname=postgres",
                         autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{url.username}" LOGIN')
        admin.execute(f'CREATE DATABASE "{url.path[1:]}" OWNER "{url.username}"')
    local = url._replace(netloc=f"{url.username}:{url.password}@127.0.0.1:{pg_cluster.port}").geturl()
    served = [local if part == url.geturl() else part for part in command[1:]]
    data_dir = served.index("--data-dir")
    del served[data_dir:data_dir + 2]  # MockServer gives its own
    with MockServer.start(tmp_path, *served, env={"PANCAKE_MOCK_CONTROL_TOKEN": ""}) as running:
        assert running.client().create_session().startswith("cs_")
        assert running.credentials["controlToken"]  # generated: off loopback, an empty token is none
    with psycopg.connect(f"host=127.0.0.1 port={pg_cluster.port} user=postgres dbname={url.path[1:]}") as db:
        [(owner,)] = db.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'orders'").fetchall()
    assert owner == url.username  # the URL's user made the schema
