from alembic import context

from gateway import revocation  # noqa: F401 - registers the revoked_tokens table
from gateway.sessions import metadata
from regcommon.db import run_migrations_online

run_migrations_online(context, metadata)
