#!/bin/sh
# Compose only: one database per service, created on the first start of an empty data volume.
# (Kubernetes uses an operated PostgreSQL with one database and one role per service instead.)
set -eu
for db in catalog schedule auth booking tickets gateway; do
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -c "CREATE DATABASE \"$db\" OWNER \"$POSTGRES_USER\""
done
