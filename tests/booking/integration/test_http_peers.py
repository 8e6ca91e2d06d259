"""The real HTTP clients against tiny fake peers speaking internal-contracts.md over a socket."""
import threading
import uuid

import pytest
from flask import Flask, abort, jsonify, request
from werkzeug.serving import make_server

from booking.adapters.peers import HttpAuth, HttpCatalog, HttpSchedule
from booking.app import build_deps, create_app
from booking.domain.errors import ConsentRequired, SlotNotFound, SlotUnavailable
from regcommon.http import ServiceClient, UpstreamUnavailable

pytestmark = pytest.mark.integration

TOKEN = "peer-test-token"


def fake_peers_app(schedule, catalog, auth) -> Flask:
    app = Flask("fake_peers")

    @app.before_request
    def internal_only():
        if request.path.startswith("/internal/") and request.headers.get("X-Internal-Token") != TOKEN:
            abort(403)

    def conflict():
        return jsonify({"error": {"code": "slot_unavailable", "message": "занято"}}), 409

    @app.get("/internal/slots/<slot_id>")
    def slot(slot_id):
        found = schedule.get_slot(slot_id)
        return jsonify(found) if found else (jsonify({"error": {"code": "not_found"}}), 404)

    @app.post("/internal/slots/<slot_id>/take")
    def take(slot_id):
        body = request.get_json()
        try:
            taken = schedule.take(slot_id, body["appointment_id"], body.get("hold_id"),
                                  body["channel"])
        except SlotUnavailable:
            return conflict()
        except SlotNotFound:
            return jsonify({"error": {"code": "not_found"}}), 404
        return jsonify(schedule.get_slot(taken.id))  # the contract: the slot's facts

    @app.get("/internal/takes")
    def takes():
        return jsonify({"items": schedule.takes(
            since=request.args.get("since"), after_id=request.args.get("after_id", "0"),
            older_than=float(request.args["older_than"]), limit=int(request.args["limit"]))})

    @app.post("/internal/slots/<slot_id>/release")
    def release(slot_id):
        schedule.release(slot_id, request.get_json()["appointment_id"])
        return jsonify({})

    @app.post("/internal/appointments/<appointment_id>/move")
    def move(appointment_id):
        body = request.get_json()
        try:
            return jsonify(schedule.move(appointment_id, body["from_slot_id"], body["to_slot_id"],
                                         body["channel"]))
        except SlotUnavailable:
            return conflict()

    @app.get("/internal/appointments/<appointment_id>/slot")
    def slot_of(appointment_id):
        found = schedule.slot_of(appointment_id)
        return jsonify(found) if found else (jsonify({"error": {"code": "not_found"}}), 404)

    @app.get("/internal/doctors/<doctor_id>/context")
    def context(doctor_id):
        found = catalog.doctor_context(doctor_id, request.args.get("service_id"))
        return jsonify(found) if found else (jsonify({"error": {"code": "not_found"}}), 404)

    @app.get("/internal/patients/<patient_id>")
    def patient(patient_id):
        found = auth.patient(patient_id)
        return jsonify(found) if found else (jsonify({"error": {"code": "not_found"}}), 404)

    @app.post("/internal/consents")
    def consent():
        body = request.get_json()
        try:
            auth.accept_consent(body["patient_id"], body["version"], body["channel"], body["ip"],
                                body["user_agent"])
        except ConsentRequired:
            return jsonify({"error": {"code": "consent_required", "message": "нужно"}}), 422
        return jsonify({}), 201

    @app.get("/v1/doctors/<doctor_id>/slots")
    def day_slots(doctor_id):
        return jsonify({"items": schedule.day_slots(doctor_id, request.args["service_id"],
                                                    request.args["date"])})

    return app


@pytest.fixture
def peers_url(world):
    server = make_server("127.0.0.1", 0, fake_peers_app(world.schedule, world.catalog, world.auth),
                         threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def clients(url, **kw):
    client = ServiceClient("peer", url, internal_token=TOKEN, timeout=2, **kw)
    return HttpSchedule(client), HttpCatalog(client, ttl=60), HttpAuth(client)


def test_the_booking_flow_works_over_http_with_the_internal_token(world, peers_url):
    schedule, catalog, auth = clients(peers_url)
    deps = build_deps(world.settings, engine=world.engine, clock=world.clock,
                      peers={"schedule": schedule, "catalog": catalog, "auth": auth})
    app = create_app(world.settings, deps=deps, verifier=world.app.extensions["booking"]["verifier"])
    patient = world.auth.add_patient(accepted=None)
    slot, target = world.slot(), world.slot(minute=15)
    client = app.test_client()
    body = {"slot_id": slot, "service_id": "svc-ther", "consent_version": "2026-01"}
    created = client.post("/v1/appointments", json=body, headers=world.headers(patient))
    assert created.status_code == 201, created.json
    assert world.auth.consents == [(patient, "2026-01", "portal")]
    moved = client.post(f"/v1/appointments/{created.json['id']}/reschedule",
                        json={"slot_id": target}, headers=world.headers(patient))
    assert moved.status_code == 200
    assert schedule.slot_of(created.json["id"])["id"] == target
    cancelled = client.post(f"/v1/appointments/{created.json['id']}/cancel",
                            headers=world.headers(patient))
    assert cancelled.json["status"] == "cancelled"
    assert world.schedule.slots[target]["status"] == "free"


def test_http_clients_map_contract_answers_to_domain_errors(world, peers_url):
    schedule, catalog, auth = clients(peers_url)
    slot = world.slot()
    assert schedule.get_slot("424242") is None
    taken = schedule.take(slot, "a-1", None, "portal")
    assert (taken.id, taken.doctor_id, taken.organization_id) == (slot, "doc-1", "o-1")
    assert taken.start.isoformat() == "2026-12-02T03:00:00+00:00"
    assert schedule.take(slot, "a-1", None, "portal") == taken  # idempotent
    with pytest.raises(SlotUnavailable):
        schedule.take(slot, "a-2", None, "portal")
    with pytest.raises(SlotNotFound):
        schedule.take("424242", "a-3", None, "portal")
    (listed,) = schedule.takes(since=None, after_id="0", older_than=0, limit=10)
    assert (listed["slot_id"], listed["appointment_id"]) == (slot, "a-1")
    assert catalog.doctor_context("doc-1", "svc-eye") is None
    assert catalog.doctor_context("doc-1", "svc-ther")["doctor"]["room"] == "101"
    with pytest.raises(ConsentRequired):
        auth.accept_consent(world.auth.add_patient(), "old", "portal", None, None)
    assert auth.patient(str(uuid.uuid4())) is None
    assert schedule.day_slots("doc-1", "svc-ther", "2026-12-02")[0]["id"] == slot


def test_the_doctor_context_is_cached(world, peers_url):
    _, catalog, _ = clients(peers_url)
    for _ in range(5):
        catalog.doctor_context("doc-1", "svc-ther")
    assert world.catalog.calls == 1


def test_a_wrong_internal_token_is_refused_by_peers(world, peers_url):
    client = ServiceClient("peer", peers_url, internal_token="wrong", timeout=2)
    assert client.get("/internal/patients/x").status == 403


def test_an_unreachable_peer_is_an_upstream_error(world):
    schedule, _, _ = clients("http://127.0.0.1:9", retries=0)
    with pytest.raises(UpstreamUnavailable):
        schedule.get_slot("1")
