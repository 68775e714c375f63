"""The WSGI entry point for production servers: ``gunicorn -c gunicorn.conf.py wsgi:app``."""

import sys

from config import ConfigError
from learnhub import create_app

try:
    app = create_app()
except ConfigError as exc:
    # One line an operator can act on, not a traceback.
    sys.exit(f"LearnHub cannot start: {exc}")
