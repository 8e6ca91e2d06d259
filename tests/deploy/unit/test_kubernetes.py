"""Kubernetes: overlays rendered by kustomize, validated strictly against the Kubernetes schemas."""
from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"


@pytest.fixture(scope="module")
def rendered(deploy_checks, with_tool):
    result = {}
    for overlay in ("dev", "production"):
        problems, docs = with_tool(deploy_checks.render_overlay, overlay)
        assert problems == [], overlay
        result[overlay] = docs
    return result


def find(docs, kind, name):
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert matches, f"no {kind}/{name}"
    return matches[0]


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_overlay_is_valid_against_the_kubernetes_schemas(rendered, deploy_checks, with_tool, overlay):
    assert with_tool(deploy_checks.validate_manifests, rendered[overlay]) == []


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_overlay_workloads_are_non_root_read_only_sized_and_probed(rendered, deploy_checks, overlay):
    assert deploy_checks.workload_policy(rendered[overlay]) == []


def test_validation_rejects_a_wrongly_typed_field(rendered, deploy_checks, with_tool):
    deployment = copy.deepcopy(find(rendered["production"], "Deployment", "booking"))
    deployment["spec"]["replicas"] = "two"
    problems = with_tool(deploy_checks.validate_manifests, [deployment])
    assert any("spec.replicas" in p and "integer" in p for p in problems)


def test_validation_rejects_an_unknown_field(rendered, deploy_checks, with_tool):
    deployment = copy.deepcopy(find(rendered["production"], "Deployment", "booking"))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    assert with_tool(deploy_checks.validate_manifests, [deployment]) != []


def test_validation_rejects_a_removed_api_version(rendered, deploy_checks, with_tool):
    hpa = copy.deepcopy(find(rendered["production"], "HorizontalPodAutoscaler", "booking"))
    hpa["apiVersion"] = "autoscaling/v2beta1"
    assert with_tool(deploy_checks.validate_manifests, [hpa]) != []


def test_validation_rejects_a_service_monitor_without_endpoints(rendered, deploy_checks, with_tool):
    monitor = copy.deepcopy(find(rendered["production"], "ServiceMonitor", "registratura"))
    del monitor["spec"]["endpoints"]
    assert with_tool(deploy_checks.validate_manifests, [monitor]) != []


@pytest.mark.parametrize("breakage, expected", [
    (lambda c: c["securityContext"].update(readOnlyRootFilesystem=False), "readOnlyRootFilesystem"),
    (lambda c: c.pop("readinessProbe"), "readinessProbe"),
    (lambda c: c["resources"].pop("limits"), "resources.limits"),
    (lambda c: c.update(command=["gunicorn"]), "use args"),
])
def test_policy_rejects_a_broken_workload(rendered, deploy_checks, breakage, expected):
    deployment = copy.deepcopy(find(rendered["production"], "Deployment", "booking-relay"))
    breakage(deployment["spec"]["template"]["spec"]["containers"][0])
    assert any(expected in p for p in deploy_checks.workload_policy([deployment]))


def test_kustomize_reports_a_resource_missing_from_the_base(deploy_checks, with_tool, tmp_path):
    shutil.copytree(K8S, tmp_path / "k8s")
    (tmp_path / "k8s" / "base" / "booking.yaml").unlink()
    problems, _ = with_tool(deploy_checks.render_overlay, "dev", tmp_path / "k8s")
    assert any("booking.yaml" in p for p in problems)


def test_production_does_not_render_without_its_secret_files(deploy_checks, with_tool, tmp_path):
    shutil.copytree(K8S, tmp_path / "k8s")
    shutil.rmtree(tmp_path / "k8s" / "overlays" / "production" / "secrets.example")
    problems, docs = with_tool(deploy_checks.render_overlay, "production", tmp_path / "k8s")
    assert problems and docs == []


def test_every_secret_the_pods_read_is_generated_by_each_overlay(rendered):
    for overlay, docs in rendered.items():
        secrets = {d["metadata"]["name"] for d in docs if d["kind"] == "Secret"}
        for doc in docs:
            if doc["kind"] not in ("Deployment", "Job"):
                continue
            for container in doc["spec"]["template"]["spec"]["containers"]:
                for env in container.get("env", []):
                    ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                    if ref:
                        assert ref["name"] in secrets, (overlay, doc["metadata"]["name"], ref)


def test_celery_beat_runs_exactly_once(rendered):
    docs = rendered["production"]
    beat = find(docs, "Deployment", "tickets-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"
    assert not [d for d in docs if d["kind"] == "HorizontalPodAutoscaler"
                and d["spec"]["scaleTargetRef"]["name"] == "tickets-beat"]


def test_celery_workers_scale_on_queue_depth_in_production(rendered):
    hpa = find(rendered["production"], "HorizontalPodAutoscaler", "tickets-worker")
    external = [m for m in hpa["spec"]["metrics"] if m["type"] == "External"]
    assert external and external[0]["external"]["metric"]["selector"]["matchLabels"]["queue"] == "tickets"


def test_every_web_service_is_scraped_for_metrics(rendered):
    docs = rendered["production"]
    monitor = find(docs, "ServiceMonitor", "registratura")
    wanted = monitor["spec"]["selector"]["matchLabels"]
    scraped = {d["metadata"]["name"] for d in docs if d["kind"] == "Service"
               and wanted.items() <= d["metadata"]["labels"].items()}
    assert scraped == {"catalog", "schedule", "auth", "booking", "tickets", "gateway"}
    for name in scraped:
        pod = find(docs, "Deployment", name)["spec"]["template"]["metadata"]
        assert pod["annotations"]["prometheus.io/scrape"] == "true"


def test_production_images_come_from_the_registry_with_a_fixed_tag(rendered):
    for doc in rendered["production"]:
        if doc["kind"] in ("Deployment", "Job"):
            image = doc["spec"]["template"]["spec"]["containers"][0]["image"]
            assert image.startswith("registry.example.org/registratura/") and ":" in image, image


def test_the_operated_engines_are_replicated():
    postgres = list(yaml.safe_load_all((K8S / "operators" / "postgres.yaml").read_text(encoding="utf-8")))
    rabbitmq = list(yaml.safe_load_all((K8S / "operators" / "rabbitmq.yaml").read_text(encoding="utf-8")))
    cluster = next(d for d in postgres if d["kind"] == "Cluster")
    assert cluster["spec"]["instances"] >= 3
    databases = {d["spec"]["name"] for d in postgres if d["kind"] == "Database"}
    assert databases == {"catalog", "schedule", "auth", "booking", "tickets", "gateway"}
    broker = next(d for d in rabbitmq if d["kind"] == "RabbitmqCluster")
    assert broker["spec"]["replicas"] == 3
    assert "cluster_partition_handling = pause_minority" in broker["spec"]["rabbitmq"]["additionalConfig"]


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_network_policies_deny_by_default_and_admit_only_the_paths_in_use(rendered, deploy_network,
                                                                          overlay):
    assert deploy_network.network_policy_problems(rendered[overlay]) == []


def _without(docs, name):
    return [d for d in docs if not (d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == name)]


def _open_booking_to(peer):
    def change(docs):
        policy = find(docs, "NetworkPolicy", "booking-from-callers")
        policy["spec"]["ingress"][0]["from"].append(peer)
        return docs
    return change


@pytest.mark.parametrize("breakage, expected", [
    (lambda docs: _without(docs, "default-deny"), "no default-deny"),
    (lambda docs: _without(docs, "tickets-from-callers"), "Deployment/tickets: no NetworkPolicy"),
    (lambda docs: _without(docs, "egress-dns-and-datastores"), "5432"),
    (_open_booking_to({"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": "ingress-nginx"}}}), "only the gateway"),
    (_open_booking_to({"ipBlock": {"cidr": "0.0.0.0/0"}}), "IP block"),
    (_open_booking_to({"namespaceSelector": {}}), "admits the namespace"),
])
def test_network_policy_check_reports_a_hole(rendered, deploy_network, breakage, expected):
    docs = breakage(copy.deepcopy(rendered["production"]))
    assert any(expected in p for p in deploy_network.network_policy_problems(docs))


def test_the_gateway_trusts_one_proxy_hop_behind_the_ingress(rendered):
    config = find(rendered["production"], "ConfigMap", "gateway-config")["data"]
    assert config["GATEWAY_PROXY_HOPS"] == "1"
    assert "GATEWAY_TRUST_PROXY" not in config and "FORWARDED_ALLOW_IPS" not in config


def test_prometheus_reads_the_gateway_metrics_with_a_generated_token(rendered):
    for docs in rendered.values():
        secrets = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}
        monitor = find(docs, "ServiceMonitor", "registratura") if any(
            d["kind"] == "ServiceMonitor" for d in docs) else None
        gateway = find(docs, "Deployment", "gateway")["spec"]["template"]["spec"]["containers"][0]
        ref = next(e for e in gateway["env"] if e["name"] == "GATEWAY_METRICS_TOKEN")
        assert ref["valueFrom"]["secretKeyRef"]["name"] in secrets
        if monitor:
            credentials = monitor["spec"]["endpoints"][0]["authorization"]["credentials"]
            assert credentials["name"] in secrets
            assert credentials["key"] in secrets[credentials["name"]]["data"]


def test_esia_returns_only_to_the_portal(rendered):
    config = find(rendered["production"], "ConfigMap", "auth-config")["data"]
    portal = find(rendered["production"], "ConfigMap", "gateway-config")["data"]["GATEWAY_PUBLIC_URL"]
    assert config["AUTH_ESIA_REDIRECT_URIS"] == portal + "/auth/esia/callback"
def test_production_services_reach_postgresql_through_pgbouncer_in_transaction_mode():
    postgres = list(yaml.safe_load_all((K8S / "operators" / "postgres.yaml").read_text(encoding="utf-8")))
    pooler = next(d for d in postgres if d["kind"] == "Pooler")
    assert pooler["spec"]["cluster"]["name"] == "registratura-pg" and pooler["spec"]["type"] == "rw"
    assert pooler["spec"]["pgbouncer"]["poolMode"] == "transaction"
    # psycopg prepares frequent statements server-side: PgBouncer must track them per connection.
    assert int(pooler["spec"]["pgbouncer"]["parameters"]["max_prepared_statements"]) > 0
    examples = sorted((K8S / "overlays" / "production" / "secrets.example").glob("*-database.env"))
    assert len(examples) == 6
    for example in examples:
        assert f"@{pooler['metadata']['name']}:5432/" in example.read_text(encoding="utf-8"), example
