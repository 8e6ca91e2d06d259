"""Registratura auth service: patient registry, logins, tokens, consents, ESIA."""
