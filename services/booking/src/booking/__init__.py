"""Registratura booking service: appointments, waiting list, idempotency and the outbox."""
