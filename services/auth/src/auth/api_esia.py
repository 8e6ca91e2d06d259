"""ESIA login for the gateway: an authorization URL, then the callback's code exchange."""
from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app

from . import esia_flow
from .api import ctx, json_body

bp = APIBlueprint("esia", __name__)


def client():
    return current_app.extensions["auth_esia"]


@bp.post("/v1/esia/authorize-url")
@bp.doc(summary="Where to send the browser to log in with Gosuslugi")
def authorize_url():
    return esia_flow.authorize_url(ctx(), client(), json_body().get("redirect_uri"))


@bp.post("/v1/esia/callback")
@bp.doc(summary="Exchange the code ESIA returned for our access token")
def callback():
    return esia_flow.callback(ctx(), client(), json_body())
