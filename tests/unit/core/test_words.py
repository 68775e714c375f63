from learnhub.core.words import counted, shorten


def test_one_takes_the_singular_and_every_other_number_the_plural():
    assert counted(1, "theme") == "1 theme"
    assert counted(0, "theme") == "0 themes"
    assert counted(2, "story", "stories") == "2 stories"
    assert counted(1, "story", "stories") == "1 story"
    assert counted(12000, "report") == "12,000 reports"


def test_long_text_is_cut_after_a_whole_word_within_the_limit() -> None:
    short = shorten("word " * 200, 50)
    assert len(short) <= 50
    assert short.endswith("word…")
    assert shorten("A list, then more words here", 12) == "A list…"
    assert shorten("  short\n text ", 50) == "short text"
