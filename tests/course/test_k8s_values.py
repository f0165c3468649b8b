"""The Kubernetes deployment (deploy/k8s, docs/jupyterhub.md "A class beyond one server").

Nothing here starts a cluster or builds an image (no Docker, no Kubernetes on a test machine): the
values file is checked against the Zero to JupyterHub chart's own schema — over the chart's defaults,
as `helm install` merges them — and the pieces that must agree across the values file, the shared
volume and the Dockerfile are checked to agree.
"""
from __future__ import annotations

import copy
import os
import pathlib
import re

import pytest
import yaml

from tests.conftest import need

REPO = pathlib.Path(__file__).parents[2]
DEPLOY = REPO / "deploy" / "k8s"
# The chart's schema and defaults (reference data beside the repository: ../shared/reference/z2jh in CI).
CANDIDATES = [pathlib.Path(os.environ["CRM_LAB_Z2JH_REFERENCE"])] if os.environ.get("CRM_LAB_Z2JH_REFERENCE") else []
CANDIDATES += [parent / "shared" / "reference" / "z2jh" for parent in REPO.parents[:2]]


def _reference() -> pathlib.Path:
    found = next((p for p in CANDIDATES if (p / "values.schema.yaml").exists()), None)
    need(None if found else "the Zero to JupyterHub chart's values.schema.yaml is not beside the repository "
                            f"(looked in {', '.join(map(str, CANDIDATES))}; or set CRM_LAB_Z2JH_REFERENCE)")
    return found


def _merged(defaults: dict, values: dict) -> dict:
    """`values` over the chart's `defaults`, as Helm coalesces them (maps merge, everything else replaces)."""
    out = copy.deepcopy(defaults)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((DEPLOY / "values.yaml").read_text("utf-8"))


def test_the_values_file_passes_the_chart_schema(values):
    jsonschema = pytest.importorskip("jsonschema")
    reference = _reference()
    schema = yaml.safe_load((reference / "values.schema.yaml").read_text("utf-8"))
    defaults = yaml.safe_load((reference / "values.yaml").read_text("utf-8"))
    errors = [f"{'.'.join(map(str, e.path))}: {e.message}"
              for e in jsonschema.Draft7Validator(schema).iter_errors(_merged(defaults, values))]
    assert errors == []


def test_the_schema_check_catches_a_misspelt_key(values):
    jsonschema = pytest.importorskip("jsonschema")
    reference = _reference()
    schema = yaml.safe_load((reference / "values.schema.yaml").read_text("utf-8"))
    defaults = yaml.safe_load((reference / "values.yaml").read_text("utf-8"))
    wrong = copy.deepcopy(values)
    wrong["singleuser"]["memory"]["guarante"] = wrong["singleuser"]["memory"].pop("guarantee")
    assert list(jsonschema.Draft7Validator(schema).iter_errors(_merged(defaults, wrong)))


def _volumes(names: list[dict]) -> set[str]:
    return {v["name"] for v in names}


def test_every_pod_mounts_the_shared_volume_the_manifest_claims(values):
    claim = yaml.safe_load((DEPLOY / "shared-volume.yaml").read_text("utf-8"))
    assert claim["kind"] == "PersistentVolumeClaim" and "ReadWriteMany" in claim["spec"]["accessModes"]
    storage = values["singleuser"]["storage"]
    for volumes, mounts in ((values["hub"]["extraVolumes"], values["hub"]["extraVolumeMounts"]),
                            (storage["extraVolumes"], storage["extraVolumeMounts"])):
        assert {m["name"] for m in mounts} <= _volumes(volumes)
        assert {v["persistentVolumeClaim"]["claimName"] for v in volumes} == {claim["metadata"]["name"]}
    # the students' exchange is the hub's exchange folder on the same volume
    (student_mount,) = storage["extraVolumeMounts"]
    (hub_mount,) = values["hub"]["extraVolumeMounts"]
    assert f"{hub_mount['mountPath']}/{student_mount['subPath']}" == "/srv/crm-lab/exchange"
    dockerfile = (DEPLOY / "Dockerfile").read_text("utf-8")
    assert f"c.Exchange.root = \"{student_mount['mountPath']}\"" in dockerfile
    assert 'c.Exchange.root = "/srv/crm-lab/exchange"' in dockerfile
    assert '"/srv/crm-lab/exchange", 0o777' in values["hub"]["extraConfig"]["crm-lab.py"]


def test_the_formgrader_service_is_reachable_and_granted(values):
    hub = values["hub"]
    service = hub["services"]["crm-lab"]
    port = int(re.fullmatch(r"http://hub:(\d+)", service["url"])[1])
    assert f"--ServerApp.port={port}" in service["command"]
    assert {"name": "crm-lab", "port": port, "targetPort": port} in hub["service"]["extraPorts"]
    assert any({"port": port} in rule["ports"] for rule in hub["networkPolicy"]["ingress"])
    # the command is the course environment the hub image builds
    venv = service["command"][0].rsplit("/bin/", 1)[0]
    assert f"python3 -m venv {venv}" in (DEPLOY / "Dockerfile").read_text("utf-8")
    # instructors reach it through nbgrader's formgrade-<course> group
    group = "formgrade-crm-lab"
    assert group in hub["config"]["JupyterHub"]["load_groups"]
    assert hub["loadRoles"][group]["groups"] == [group]
    assert "access:services!service=crm-lab" in hub["loadRoles"][group]["scopes"]
    assert set(hub["config"]["JupyterHub"]["load_groups"][group]["users"]) <= set(hub["config"]["Authenticator"]["admin_users"])
    compile(hub["extraConfig"]["crm-lab.py"], "crm-lab.py", "exec")   # a typo would stop the hub pod


def _bytes(size) -> float:
    units = {"K": 1e3, "M": 1e6, "G": 1e9, "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30}
    number, unit = re.fullmatch(r"([\d.]+)([KMG]i?)?", str(size)).groups()
    return float(number) * units.get(unit, 1)


def test_students_get_a_guarantee_within_their_limit_and_are_culled(values):
    single = values["singleuser"]
    assert 0 < _bytes(single["memory"]["guarantee"]) <= _bytes(single["memory"]["limit"])
    assert 0 < single["cpu"]["guarantee"] <= single["cpu"]["limit"]
    assert values["cull"]["enabled"] and 0 < values["cull"]["timeout"] <= values["cull"]["maxAge"]


def test_the_dockerfile_builds_from_the_lock_and_the_wheel():
    text = (DEPLOY / "Dockerfile").read_text("utf-8")
    targets = re.findall(r"^FROM (\S+) AS (\S+)$", text, flags=re.M)
    assert dict((name, image) for image, name in targets)["singleuser"].startswith("python:3.11-slim")
    assert dict((name, image) for image, name in targets)["hub"].startswith("quay.io/jupyterhub/k8s-hub:")
    assert "uv export --locked" in text and "--require-hashes" in text and "uv build --wheel" in text
    pinned = REPO / "requirements-uv.txt"   # the uv that ./crmlab.sh installs, where the repository pins one
    if pinned.exists():
        (version,) = re.findall(r"^uv==(\S+)", pinned.read_text("utf-8"), flags=re.M)
        assert f"ARG UV_VERSION={version}" in text
