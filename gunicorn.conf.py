"""Gunicorn settings for LearnHub. Access logs leave out the client address, user agent and
referrer. A reporter's request (decided by the app's URL map: learnhub.core.anonymous_routes)
gets no access line, and whatever gunicorn or the app logs while serving it is withheld and
counted in the daily summary (learnhub.core.log_summary), written when the day is over and when
a worker exits."""

import multiprocessing
import os
import sys

from gunicorn.glogging import Logger

from learnhub.core.anonymous_routes import (
    decoded_path,
    is_anonymous_request,
    mark_serving,
    serving_anonymous_request,
)
from learnhub.core.log_summary import write_summary

bind = os.environ.get("LEARNHUB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LEARNHUB_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("LEARNHUB_WEB_THREADS", "4"))
accesslog = "-"
# No %(h)s (address), %(a)s (user agent), %(f)s (referrer) or query string (%(q)s).
access_log_format = "%(m)s %(U)s %(s)s %(B)s %(M)sms"


def pre_request(worker, req):
    # Replaces gunicorn's default, which logs the method and raw path at debug level. The mark
    # is left set after the request on purpose: gunicorn logs an error that escaped the app
    # (and its access line) after post_request, in this same thread; the next request's
    # pre_request sets it afresh.
    mark_serving(is_anonymous_request(worker.wsgi, req.method, decoded_path(req.path)))


def worker_exit(server, worker):
    write_summary()


class AnonymousAccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if serving_anonymous_request():
            return
        super().access(resp, req, environ, request_time)


logger_class = AnonymousAccessLogger


def on_starting(server):
    """Refuse, in production, to start several workers that would each count rate limits and
    sign-in failures on their own (memory://); elsewhere say so loudly."""
    from learnhub.core.config import load_config_module
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
