"""Gunicorn settings for LearnHub. Access logs leave out the client address, user agent and
referrer, and the reporting and follow-up routes are not access-logged at all: a line with the
time of a request to them could point at a reporter."""

import multiprocessing
import os
import sys

from gunicorn.glogging import Logger

from learnhub.core.anonymity import is_anonymous_path

bind = os.environ.get("LEARNHUB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LEARNHUB_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("LEARNHUB_WEB_THREADS", "4"))
accesslog = "-"
# No %(h)s (address), %(a)s (user agent), %(f)s (referrer) or query string (%(q)s).
access_log_format = "%(m)s %(U)s %(s)s %(B)s %(M)sms"


class AnonymousAccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if is_anonymous_path(environ.get("PATH_INFO", "")):
            return
        super().access(resp, req, environ, request_time)


logger_class = AnonymousAccessLogger


def on_starting(server):
    """Refuse, in production, to start several workers that would each count rate limits and
    sign-in failures on their own (memory://); elsewhere say so loudly."""
    from learnhub import load_config_module
    from learnhub.core.shared_store import per_process_problem

    config = load_config_module()
    try:
        settings = config.load_settings(None, "")
    except config.ConfigError:
        return  # wsgi.py reports it, in one line
    problem = per_process_problem(settings, server.cfg.workers)
    if problem is None:
        return
    if settings["ENV_NAME"] == "production":
        server.log.error("LearnHub cannot start: %s", problem)
        sys.exit(1)
    server.log.warning("%s", problem)
