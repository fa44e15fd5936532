"""The README's contract: the two-command quick start, and every setting documented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
SETTINGS = (ROOT / "src" / "omnichannel" / "settings.py").read_text()


def test_the_quick_start_is_one_block_of_exactly_the_two_commands():
    start = README.index("## Quick start")
    assert README[:start].strip() == "# Omnichannel"
    block = re.search(r"## Quick start\s*\n```[^\n]*\n(.*?)```", README, re.DOTALL)
    assert block, "the quick start needs a fenced code block right under its heading"
    assert block[1].splitlines() == ["./omni up --demo", "./omni test"]


def test_both_quick_start_commands_exist_and_are_executable():
    assert (ROOT / "omni").stat().st_mode & 0o111
    assert (ROOT / ".ci" / "run").stat().st_mode & 0o111
    assert "./omni test" in (ROOT / ".ci" / "run").read_text()


def test_every_environment_variable_of_the_settings_is_documented():
    read = set(re.findall(r'(?:environ\.get|env_bool|env_list)\(\s*"([A-Z_]+)"', SETTINGS))
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", README, re.MULTILINE))
    assert read, "the pattern no longer finds the settings' variables"
    assert read - documented == set()
