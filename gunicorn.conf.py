"""Gunicorn settings for LearnHub. Access logs leave out the client address, user agent and
referrer, and the reporting and follow-up routes are not access-logged at all: a line with the
time of a request to them could point at a reporter."""

import multiprocessing
import os

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
