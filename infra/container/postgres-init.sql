-- Run once by the postgres image when it creates the cluster (mounted into /docker-entrypoint-initdb.d).
-- `primoart` is created by POSTGRES_DB; these are the other databases the stack's services use,
-- as infra/stack/services/postgres.ts creates them for the local stack.
CREATE DATABASE apicurio;
CREATE DATABASE alerta;
