from alembic import context

from tickets.adapters.models import metadata
from regcommon.db import run_migrations_online

run_migrations_online(context, metadata)
