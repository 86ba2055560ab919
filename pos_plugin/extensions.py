"""Flask extensions bound in `create_app` (the database handle lives in `database`)."""

from flask_migrate import Migrate

migrate = Migrate()
