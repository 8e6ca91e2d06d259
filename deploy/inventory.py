"""Every service and role must appear in every place that starts or scales it.

The list comes from one source: the process table of docs/internal-contracts.md (plus any
service folder under services/). The places: the image build (deploy/Dockerfile, built for each
service by compose), deploy/compose.yaml (its role, its migration step, its database), the
Kubernetes base (Deployment, Service, HPA, PDB, migration Job), the overlays (image, database
secret) and the launcher tools/stack.py.
Reads files only; needs no tool.
"""
from __future__ import annotations

import importlib.util
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ROLE_NAMES = {"consume": "consumer"}


@dataclass(frozen=True)
class Role:
    service: str
    role: str            # "web", "relay", "consumer", "worker", "beat"...
    command: tuple[str, ...]
    dev_only: bool = False

    @property
    def name(self) -> str:
        """The name of the role in compose, Kubernetes and tools/stack.py's PROCESSES."""
        if self.dev_only:
            return self.command[1].split(":")[0].split(".")[-1].replace("_", "-")
        return self.service if self.role == "web" else f"{self.service}-{self.role}"

    @property
    def singleton(self) -> bool:
        """Celery beat must run exactly once: no autoscaler, no disruption budget."""
        return self.command[:1] == ("celery",) and "beat" in self.command


def _contract_services(text: str) -> list[str]:
    match = re.search(r"names:\s*((?:`[a-z]+`[,\s]*)+)", text)
    return re.findall(r"`([a-z]+)`", match.group(1)) if match else []


def roles(root: Path = ROOT) -> list[Role]:
    text = (root / "docs" / "internal-contracts.md").read_text(encoding="utf-8")
    services = _contract_services(text)
    services += sorted(p.parent.name for p in root.glob("services/*/pyproject.toml")
                       if p.parent.name != "common" and p.parent.name not in services)
    table = text.split("## Processes", 1)[1] if "## Processes" in text else ""
    found: list[Role] = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        quoted = re.findall(r"`([^`]+)`", cells[1]) if len(cells) == 2 else []
        if len(quoted) != 1 or cells[0].startswith("seeding"):
            continue
        command = tuple(shlex.split(quoted[0]))
        if "<name>.app:create_app()" in command:
            found += [Role(s, "web", ("gunicorn", f"{s}.app:create_app()")) for s in services]
        elif command[0] == "python" and command[1] == "-m":
            # `python -m booking consume` is the role "booking-consumer".
            found.append(Role(command[2], ROLE_NAMES.get(command[3], command[3]), command))
        elif command[0] == "celery":
            found.append(Role(command[2].split(".")[0], command[3], command))
        elif command[0] == "gunicorn":
            found.append(Role(command[1].split(".")[0], "dev", command, dev_only=True))
    return found


def _has_command(actual, expected: tuple[str, ...]) -> bool:
    """The expected words appear in order in the actual command (which may add options)."""
    words = iter(actual if isinstance(actual, list) else shlex.split(actual or ""))
    return all(any(word == want for word in words) for want in expected)


def compose_problems(compose: dict, all_roles: list[Role], init_script: str) -> list[str]:
    services = compose.get("services") or {}
    problems = []
    for role in all_roles:
        entry = services.get(role.name)
        if entry is None:
            problems.append(f"compose: no service {role.name!r}")
            continue
        if not _has_command(entry.get("command"), role.command):
            problems.append(f"compose: {role.name} does not run {' '.join(role.command)!r}")
        if role.dev_only:
            if entry.get("profiles") != ["dev"]:
                problems.append(f"compose: {role.name} must be only in the dev profile")
            continue
        if entry.get("profiles"):
            problems.append(f"compose: {role.name} must not be behind a profile")
        dependency = (entry.get("depends_on") or {}).get(f"{role.service}-migrate") or {}
        if dependency.get("condition") != "service_completed_successfully":
            problems.append(f"compose: {role.name} must wait for {role.service}-migrate to succeed")
    for service in sorted({r.service for r in all_roles}):
        migrate = services.get(f"{service}-migrate")
        if migrate is None or not _has_command(migrate.get("command"), ("-m", service, "migrate")):
            problems.append(f"compose: no {service}-migrate running `python -m {service} migrate`")
        if not re.search(rf"\b{service}\b", init_script):
            problems.append(f"compose: deploy/postgres/init-databases.sh does not create {service}")
    return problems


def load_base(root: Path = ROOT) -> list[dict]:
    base = root / "deploy" / "k8s" / "base"
    kustomization = yaml.safe_load((base / "kustomization.yaml").read_text(encoding="utf-8"))
    docs = []
    for resource in kustomization.get("resources", []):
        docs += [d for d in yaml.safe_load_all((base / resource).read_text(encoding="utf-8")) if d]
    return docs


def kubernetes_problems(docs: list[dict], all_roles: list[Role]) -> list[str]:
    by_kind: dict[str, dict[str, dict]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    problems = []
    for role in all_roles:
        deployment = by_kind.get("Deployment", {}).get(role.name)
        if role.dev_only:
            if deployment is not None:
                problems.append(f"kubernetes: {role.name} is for development only")
            continue
        if deployment is None:
            problems.append(f"kubernetes: no Deployment {role.name}")
        else:
            args = deployment["spec"]["template"]["spec"]["containers"][0].get("args")
            if not _has_command(args, role.command):
                problems.append(f"kubernetes: Deployment {role.name} does not run {' '.join(role.command)!r}")
        if role.role == "web" and role.name not in by_kind.get("Service", {}):
            problems.append(f"kubernetes: no Service {role.name}")
        for kind in ("HorizontalPodAutoscaler", "PodDisruptionBudget"):
            if not role.singleton and role.name not in by_kind.get(kind, {}):
                problems.append(f"kubernetes: no {kind} {role.name}")
    for service in sorted({r.service for r in all_roles}):
        if f"{service}-migrate" not in by_kind.get("Job", {}):
            problems.append(f"kubernetes: no migration Job {service}-migrate")
    return problems


def overlay_problems(overlay: Path, all_roles: list[Role]) -> list[str]:
    kustomization = yaml.safe_load((overlay / "kustomization.yaml").read_text(encoding="utf-8"))
    images = {i["name"] for i in kustomization.get("images", [])}
    secrets = {s["name"] for s in kustomization.get("secretGenerator", [])}
    problems = []
    for service in sorted({r.service for r in all_roles}):
        if f"registratura/{service}" not in images:
            problems.append(f"{overlay.name} overlay: no image for {service}")
        if f"{service}-database" not in secrets:
            problems.append(f"{overlay.name} overlay: no {service}-database secret")
    return problems


def launcher_problems(stack: Path, all_roles: list[Role]) -> list[str]:
    """tools/stack.py (the lead's launcher) must start every role, once it defines PROCESSES."""
    if not stack.exists():
        return []
    name = "registratura_stack_for_inventory"
    spec = importlib.util.spec_from_file_location(name, stack)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    names = getattr(module, "PROCESSES", None)
    if names is None:
        return []
    problems = [f"tools/stack.py: PROCESSES has no {role.name!r}"
                for role in all_roles if role.name not in names]
    problems += [f"tools/stack.py: PROCESSES has {name!r}, unknown to docs/internal-contracts.md"
                 for name in names if name not in {role.name for role in all_roles}]
    # Where the launcher exposes its process objects, their commands must match the contract too.
    procs = {getattr(p, "name", None): getattr(p, "argv", None)
             for p in getattr(module, "processes", lambda _ports: [])(getattr(module, "DEFAULT_PORTS", {}))}
    for role in all_roles:
        argv = procs.get(role.name)
        if argv is not None and not _has_command([Path(a).name for a in argv], role.command[1:]):
            problems.append(f"tools/stack.py: {role.name} does not run {' '.join(role.command)!r}")
    return problems


def service_dir(root: Path, service: str) -> Path:
    """The gateway sits at the top level; every other service under services/."""
    return root / "gateway" if service == "gateway" else root / "services" / service


def dockerfile_problems(root: Path, all_roles: list[Role], compose: dict) -> list[str]:
    """One Dockerfile (deploy/Dockerfile) builds every image: compose builds each service's
    image with it, naming the service and its folder."""
    dockerfile = root / "deploy" / "Dockerfile"
    if not dockerfile.exists():
        return ["no Dockerfile for the images (deploy/Dockerfile)"]
    problems = []
    if "REGISTRATURA_SERVICE=${SERVICE}" not in dockerfile.read_text(encoding="utf-8"):
        problems.append("deploy/Dockerfile does not name the service (REGISTRATURA_SERVICE)")
    builds = [entry.get("build") or {} for entry in (compose.get("services") or {}).values()]
    for service in sorted({r.service for r in all_roles}):
        source = str(service_dir(root, service).relative_to(root))
        wanted = {"SERVICE": service, "SOURCE": source}
        if not any(b.get("dockerfile") == "deploy/Dockerfile"
                   and all(str((b.get("args") or {}).get(k)) == v for k, v in wanted.items())
                   for b in builds):
            problems.append(f"no image build for {service} (deploy/Dockerfile with "
                            f"SERVICE={service} SOURCE={source} in compose)")
    return problems


def inventory_problems(root: Path = ROOT) -> list[str]:
    all_roles = roles(root)
    if not all_roles:
        return ["docs/internal-contracts.md: no process table found"]
    compose = yaml.safe_load((root / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    init_script = (root / "deploy" / "postgres" / "init-databases.sh").read_text(encoding="utf-8")
    problems = dockerfile_problems(root, all_roles, compose)
    problems += compose_problems(compose, all_roles, init_script)
    problems += kubernetes_problems(load_base(root), all_roles)
    for overlay in sorted((root / "deploy" / "k8s" / "overlays").iterdir()):
        problems += overlay_problems(overlay, all_roles)
    return problems + launcher_problems(root / "tools" / "stack.py", all_roles)
