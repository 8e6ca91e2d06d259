"""Alembic environment of the auth service (the body is shared: regcommon.db)."""
from alembic import context

from auth.adapters.tables import metadata
from regcommon.db import run_migrations_online

run_migrations_online(context, metadata)
