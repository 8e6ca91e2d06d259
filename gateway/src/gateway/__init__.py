"""Registratura gateway: composes the patient flow, serves the web UI and the public API."""
