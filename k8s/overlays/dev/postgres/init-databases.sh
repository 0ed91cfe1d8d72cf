#!/bin/sh
# Runs once, when the postgres container initialises an empty data directory: one role and one database per
# service, one for the registry and one for Keycloak, all with the dev-only password from the postgres-credentials
# Secret.
set -eu
for name in user_service email_service dashboard_service apicurio_registry keycloak; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v name="$name" -v password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
SQL
done
