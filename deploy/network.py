"""Offline checks of the NetworkPolicies in rendered manifests (docs/security.md, "Network").

What they must say: every pod of ours is denied by default; only the gateway is admitted from
the ingress controller's namespace; Prometheus only on the http and metrics ports; no policy
admits an IP block or anyone at all; each service admits the gateway; our pods may reach
PostgreSQL and RabbitMQ. Reads the manifests only; needs no tool.
"""
from __future__ import annotations

OURS = {"app.kubernetes.io/part-of": "registratura"}
INGRESS_NAMESPACE = "ingress-nginx"
MONITORING_NAMESPACE = "monitoring"
MONITORING_PORTS = {"http", "metrics"}
GATEWAY = {"app.kubernetes.io/name": "gateway", "app.kubernetes.io/component": "web"}
DATASTORE_PORTS = {5432, 5672}


def selects(selector: dict | None, labels: dict) -> bool:
    """Whether a Kubernetes label selector matches these labels (an empty selector matches all)."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for rule in selector.get("matchExpressions") or []:
        present, value = rule["key"] in labels, labels.get(rule["key"])
        wanted = {"In": present and value in rule.get("values", []),
                  "NotIn": not present or value not in rule.get("values", []),
                  "Exists": present, "DoesNotExist": not present}[rule["operator"]]
        if not wanted:
            return False
    return True


def _policies(docs: list[dict]) -> list[dict]:
    return [d for d in docs if d.get("kind") == "NetworkPolicy"]


def _namespace_of(peer: dict) -> str | None:
    labels = (peer.get("namespaceSelector") or {}).get("matchLabels") or {}
    return labels.get("kubernetes.io/metadata.name")


def _peer_problems(ref: str, policy: dict, rule: dict) -> list[str]:
    peers = rule.get("from") or []
    if not peers:
        return [f"{ref}: an ingress rule without 'from' admits everyone"]
    problems = []
    ports = {str(p.get("port")) for p in rule.get("ports") or []}
    for peer in peers:
        if "ipBlock" in peer:
            problems.append(f"{ref}: admits an IP block; only the ingress controller may come in")
        elif "namespaceSelector" in peer:
            namespace = _namespace_of(peer)
            if namespace == INGRESS_NAMESPACE:
                if policy["spec"].get("podSelector") != {"matchLabels": GATEWAY}:
                    problems.append(f"{ref}: only the gateway may be admitted from {namespace}")
            elif namespace == MONITORING_NAMESPACE:
                if not ports or not ports <= MONITORING_PORTS:
                    problems.append(f"{ref}: Prometheus may reach only the http and metrics ports")
            else:
                problems.append(f"{ref}: admits the namespace {namespace or '(any)'}")
    return problems


def _default_deny(policies: list[dict]) -> bool:
    return any(p["spec"].get("podSelector") == {"matchLabels": OURS}
               and {"Ingress", "Egress"} <= set(p["spec"].get("policyTypes") or [])
               and not p["spec"].get("ingress") and not p["spec"].get("egress")
               for p in policies)


def _admits_gateway(policies: list[dict], pod_labels: dict) -> bool:
    gateway_pod = {**OURS, **GATEWAY}
    for policy in policies:
        if not selects(policy["spec"].get("podSelector"), pod_labels):
            continue
        peers = [peer for rule in policy["spec"].get("ingress") or []
                 for peer in rule.get("from") or []]
        if any("podSelector" in peer and "namespaceSelector" not in peer
               and selects(peer["podSelector"], gateway_pod) for peer in peers):
            return True
    return False


def _egress_ports(policies: list[dict]) -> set:
    return {port.get("port") for policy in policies
            if policy["spec"].get("podSelector") == {"matchLabels": OURS}
            for rule in policy["spec"].get("egress") or [] for port in rule.get("ports") or []}


def network_policy_problems(docs: list[dict]) -> list[str]:
    policies = _policies(docs)
    problems = [] if _default_deny(policies) else [
        "no default-deny NetworkPolicy (Ingress and Egress) selecting every Registratura pod"]
    for policy in policies:
        ref = f"NetworkPolicy/{policy['metadata']['name']}"
        for rule in policy["spec"].get("ingress") or []:
            problems += _peer_problems(ref, policy, rule)
    for doc in docs:
        labels = (doc.get("spec") or {}).get("template", {}).get("metadata", {}).get("labels", {})
        if doc.get("kind") != "Deployment" or labels.get("app.kubernetes.io/component") != "web" \
                or labels.get("app.kubernetes.io/name") == "gateway":
            continue
        if not _admits_gateway(policies, labels):
            problems.append(f"Deployment/{doc['metadata']['name']}: no NetworkPolicy admits the "
                            "gateway")
    missing = DATASTORE_PORTS - _egress_ports(policies)
    if missing:
        problems.append(f"our pods may not reach port(s) {sorted(missing)} (PostgreSQL, RabbitMQ)")
    return problems
