"""Cross-cutting plumbing shared by the Registratura services.

Only infrastructure lives here (settings, logging, web app scaffolding, HTTP client, JWT
verification, database helpers, the outbox and the event envelope). No domain logic.
"""
