"""The README is the contract for a new user: its commands must be real."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from bot.cli import build_parser
from handlers.cli import add_slack_commands

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(parser: argparse.ArgumentParser, prefix: str = "vcop") -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _commands(sub, f"{prefix} {name}")
                found.extend(nested or [f"{prefix} {name}"])
    return found


def test_readme_opens_with_the_demo_and_the_test_command() -> None:
    block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert block is not None and README.index(block.group(0)) < README.index("\n## ")
    lines = block.group(1).strip().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("vcop demo")
    assert "pytest" in lines[1]
    assert lines[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_cli_command_is_documented() -> None:
    commands = _commands(build_parser(extra=[add_slack_commands]))
    assert {"vcop meeting import", "vcop serve", "vcop demo", "vcop manifest"} <= set(commands)
    missing = [command for command in commands if f"`{command}" not in README]
    assert not missing, f"commands missing from README: {missing}"


def _leaf_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    leaves = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                leaves.extend(_leaf_parsers(sub) or [sub])
    return leaves


def test_every_command_has_help_text_from_its_docstring() -> None:
    leaves = _leaf_parsers(build_parser(extra=[add_slack_commands]))
    assert len(leaves) >= 7
    for leaf in leaves:
        func = leaf.get_default("func")
        assert func is not None and func.__doc__, leaf.prog
        assert leaf.description and len(leaf.description) > 30, leaf.prog


def test_the_secretariat_section_needs_no_command_line() -> None:
    start = README.index("## For the secretariat")
    section = README[start : README.index("\n## ", start + 1)]
    for step in ("/vcop template", "Messages", "Open voting", "/vcop summary", "Replace"):
        assert step in section
    assert "`vcop " not in section and " vcop " not in section and "```" not in section


def test_the_slack_subcommand_table_is_one_table_with_every_subcommand() -> None:
    section = README.split("In Slack, `/vcop`", 1)[1]
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Subcommand |"))
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append(line)
    documented = {row.split("`")[1].split()[0] for row in table[2:]}
    usage_hint = re.search(r'usage_hint: "([^"]+)"', (ROOT / "app.yaml").read_text("utf-8"))
    assert usage_hint is not None
    subcommands = {name.strip() for name in usage_hint.group(1).split("|")} - {"help"}
    assert subcommands <= documented, subcommands - documented
