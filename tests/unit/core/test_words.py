from learnhub.core.words import counted


def test_one_takes_the_singular_and_every_other_number_the_plural():
    assert counted(1, "theme") == "1 theme"
    assert counted(0, "theme") == "0 themes"
    assert counted(2, "story", "stories") == "2 stories"
    assert counted(1, "story", "stories") == "1 story"
    assert counted(12000, "report") == "12,000 reports"
