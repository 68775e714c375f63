"""``python -m learnhub``: the same as the ``learnhub`` command."""

from learnhub.cli import main

main()
