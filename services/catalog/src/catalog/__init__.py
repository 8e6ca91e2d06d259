"""Registratura catalog service: the region's districts, medical organizations, services and doctors."""
