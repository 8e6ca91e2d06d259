"""Registratura tickets service: talons (PDF and printable HTML) and patient notifications."""
