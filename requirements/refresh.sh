#!/bin/sh
# Refresh the lock files from the version ranges in pyproject.toml (and build.in), for every
# platform and Python 3.11+. Run it after changing a dependency, commit the result, and let CI's
# "newest releases" run say beforehand whether the refresh is safe.
set -eu
cd "$(dirname "$0")/.."
python3 -m pip install -q "uv==0.13.10"
common="--universal --python-version 3.11 --generate-hashes --quiet"
python3 -m uv pip compile $common pyproject.toml requirements/build.in -o requirements/app.txt
python3 -m uv pip compile $common pyproject.toml requirements/build.in --extra test -o requirements/test.txt
