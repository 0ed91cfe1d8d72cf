-- docker compose's PostgreSQL: one role and one database per service, the schema registry's and Keycloak's, as the
-- local stack creates them (tools/local-stack/lib/postgres.mjs). The postgres image runs this once, on an empty data
-- volume (`docker compose down -v` starts over). Password = name: local development only.
CREATE ROLE user_service LOGIN PASSWORD 'user_service';
CREATE DATABASE user_service OWNER user_service;

CREATE ROLE email_service LOGIN PASSWORD 'email_service';
CREATE DATABASE email_service OWNER email_service;

CREATE ROLE dashboard_service LOGIN PASSWORD 'dashboard_service';
CREATE DATABASE dashboard_service OWNER dashboard_service;

CREATE ROLE apicurio_registry LOGIN PASSWORD 'apicurio_registry';
CREATE DATABASE apicurio_registry OWNER apicurio_registry;

CREATE ROLE keycloak LOGIN PASSWORD 'keycloak';
CREATE DATABASE keycloak OWNER keycloak;
