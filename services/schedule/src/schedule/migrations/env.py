from alembic import context

from regcommon.db import run_migrations_online
from schedule.adapters.tables import metadata

run_migrations_online(context, metadata)
