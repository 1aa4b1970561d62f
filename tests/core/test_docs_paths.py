"""The documents name files that exist: a reader who follows `companion/...`, `tests/...`,
`devtools/...` or `bench/...` from docs/ or bench/README.md finds the file, and a module named by
its package (`checkins/triage.py`) is where the page says it is. Moving a file without its
mentions fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(ROOT.glob("docs/**/*.md")) + [ROOT / "bench" / "README.md"]

# A path from the project root (companion/, tests/, devtools/, bench/), up to a space, quote, bracket or backtick.
ROOTED = re.compile(r"(?<![\w./-])((?:companion|tests|devtools|bench)/[\w./-]*)")
# A module named from its package inside companion/, in backticks: `reminders/dispatch/loop.py`.
PACKAGED = re.compile(r"`([a-z_]+(?:/[a-z_]+)*/[a-z_]+\.py)`")


def _rooted(text: str) -> set[str]:
    return {match.rstrip(".,:;") for match in ROOTED.findall(text)}


def _packaged(text: str) -> set[str]:
    """Only names whose first folder is a package of companion/ (not `devtools/...` or `bench/...`)."""
    return {name for name in PACKAGED.findall(text) if (ROOT / "companion" / name.split("/")[0]).is_dir()}


def test_the_patterns_find_what_a_page_names():
    text = "See `companion/channels/fcm.py`, tests/core/, [x](../bench/README.md) and `checkins/triage.py`."
    assert _rooted(text) == {"companion/channels/fcm.py", "tests/core/"}
    assert _packaged(text) == {"checkins/triage.py"}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_path_a_page_names_exists(page):
    text = page.read_text(encoding="utf-8")
    missing = sorted(name for name in _rooted(text) if not (ROOT / name).exists())
    missing += sorted(f"companion/{name}" for name in _packaged(text) if not (ROOT / "companion" / name).exists())
    assert missing == [], f"{page.relative_to(ROOT)} names files that are not there: {missing}"
