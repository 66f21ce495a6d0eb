"""Files that cannot be read as configuration: each problem names the file, line and column."""

from __future__ import annotations

import pytest
from cfgkit import errors, write

from dorado_tui.home import Home

BOT = "config/bots/spy-ic.yaml"


def _bot(text: str) -> dict[str, str | bytes]:
    return {BOT: text}


CASES = [
    pytest.param(
        _bot('bot:\n  id: spy-ic\n  universe: core\n  underlying: "SPY\n  strategy_template: iron_condor\n'),
        ["config/bots/spy-ic.yaml:6:1 YAML syntax error: found unexpected end of stream "
         "(while scanning a quoted scalar at line 4, column 15)"],
        id="syntax-unterminated-quote"),
    pytest.param(
        _bot("bot:\n  id: spy-ic\n  universe: core: main\n"),
        ["config/bots/spy-ic.yaml:3:17 YAML syntax error: mapping values are not allowed here"],
        id="syntax-colon-in-plain-value"),
    pytest.param(
        _bot("bot:\n  id: spy-ic\n universe: core\n"),
        ["config/bots/spy-ic.yaml:3:2 YAML syntax error: expected <block end>, but found "
         "'<block mapping start>' (while parsing a block mapping at line 1, column 1)"],
        id="syntax-bad-indentation"),
    pytest.param(
        _bot("bot:\n  id: spy-ic\n  universe: core\n  underlying: SPY\n  underlying: TLT\n"
             "  strategy_template: iron_condor\n"),
        ["config/bots/spy-ic.yaml:5:3 bot.underlying: duplicate key 'underlying', first at line 4"],
        id="duplicate-key"),
    pytest.param(
        _bot("bot:\n\tid: spy-ic\n"),
        ["config/bots/spy-ic.yaml:2:1 tab character in indentation; YAML indents with spaces "
         "(got a tab, allowed spaces)"],
        id="tab-indentation"),
    pytest.param(
        {"config/universe.yaml": ""},
        ["config/universe.yaml:1:1 file is empty (allowed a mapping with the top-level key 'universe')"],
        id="empty-file"),
    pytest.param(
        {"config/scoring.yaml": "# weights to come\n"},
        ["config/scoring.yaml:1:1 file is empty (allowed a mapping with the top-level key 'scoring')"],
        id="comments-only-file"),
    pytest.param(
        {BOT: b"bot:\n  id: spy-ic\n  description: caf\xe9\n"},
        ["config/bots/spy-ic.yaml:3:19 file is not UTF-8 (got byte 0xe9, allowed UTF-8 text)"],
        id="latin-1-byte"),
    pytest.param(
        {BOT: "bot:\n  id: spy-ic\n".encode("utf-16")},
        ["config/bots/spy-ic.yaml:1:1 file is not UTF-8 (got UTF-16 (byte-order mark), allowed UTF-8 text)"],
        id="utf-16-file"),
    pytest.param(
        {"config/universe.yaml": "- SPY\n- TLT\n"},
        ["config/universe.yaml:1:1 expected a mapping at the top level "
         "(got a list, allowed a mapping with the top-level key 'universe')"],
        id="top-level-list"),
    pytest.param(
        _bot("bots:\n  id: spy-ic\n"),
        ["config/bots/spy-ic.yaml:1:1 bot: required top-level key is missing",
         "config/bots/spy-ic.yaml:1:1 bots: unknown key, did you mean 'bot'? (got 'bots', allowed bot)"],
        id="wrong-root-key"),
    pytest.param(
        _bot("bot: spy-ic\n"),
        ["config/bots/spy-ic.yaml:1:6 bot: expected a mapping (got 'spy-ic')"],
        id="root-not-a-mapping"),
]


@pytest.mark.parametrize(("files", "expected"), CASES)
def test_unreadable_file_is_reported_at_its_exact_location(home: Home, files: dict[str, str | bytes],
                                                          expected: list[str]) -> None:
    for rel, content in files.items():
        if isinstance(content, bytes):
            (home.root / rel).write_bytes(content)
        else:
            write(home, rel, content)

    got = errors(home)

    assert got == expected


def test_missing_required_file_names_the_file_and_the_fix(home: Home) -> None:
    (home.config_dir / "universe.yaml").unlink()

    got = errors(home)

    assert got == ["config/universe.yaml required file is missing (allowed the tradable underlyings "
                   "(PRD §2.1); `dorado init` copies the defaults)"]
