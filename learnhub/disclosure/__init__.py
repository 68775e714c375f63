"""What may be shown beyond the review panel, decided in one place.

Every page, export, chart, email, feed and API answer that shows an aggregate or a story to
anyone outside the panel (leaders, editors, bulletin readers, API tokens of non-reviewers) asks
this package, so that the same figure reads the same everywhere:

* ``counts``: small-number suppression (hidden below k, rounded to the nearest k, and the
  secondary hiding that keeps a total from giving a hidden count away), and the one wording
  of a count ("12", "0", "fewer than 5", "not shown");
* ``text``: a report's text may leave the panel only as its reviewer-confirmed redacted version;
* ``themes``: a theme's shared title and words, from taxonomy codes and confirmed text only.

It knows no feature above reports: the queries that pick themes, bulletins or dashboard rows
live in those features and call these rules.
"""
