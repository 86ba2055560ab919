"""Head office: receives the stores' nightly file sets, checks them, loads each exactly once.

Its own database and Alembic history (`migrations/`, version table
`headoffice_alembic_version`), so a head office needs no store tables and a
store no head office ones. `verify` checks a set on disk before anything is
written; `ingest` loads it in one transaction; `receiver` takes HTTPS
uploads; `reports` and `pages` show the consolidated figures, to people signed in
(`users`, `signin`, `access`; admins also use `admin`).
"""
