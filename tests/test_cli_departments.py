"""``ticketry departments list/add/remove``, run as a subprocess on a temporary database."""

from __future__ import annotations

import subprocess

from tests.test_cli import CLI, cli_env, run

__all__ = ["cli_env"]  # the module-scoped database fixture


def fails(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(CLI), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode != 0, result.stdout
    return result.stderr


def names(env: dict[str, str], slug: str) -> list[str]:
    return run(env, "departments", "list", "--account", slug).stdout.splitlines()


def test_list_add_remove(cli_env: dict[str, str]) -> None:
    run(cli_env, "token", "create", "--account", "dep-a", "--email", "a@example.com")
    assert names(cli_env, "dep-a") == ["Support", "Sales", "billing", "technical"]
    assert run(cli_env, "departments", "add", "--account", "dep-a", " Hardware ").stdout == (
        "Hardware\n"
    )
    run(cli_env, "departments", "add", "--account", "dep-a", "--position", "0", "Abuse")
    run(cli_env, "departments", "remove", "--account", "dep-a", "Sales")
    assert names(cli_env, "dep-a") == ["Support", "Abuse", "billing", "technical", "Hardware"]


def test_bad_input_is_refused(cli_env: dict[str, str]) -> None:
    run(cli_env, "token", "create", "--account", "dep-b", "--email", "b@example.com")
    assert 'A department named "billing" already exists.' in fails(
        cli_env, "departments", "add", "--account", "dep-b", "billing"
    )
    assert "name:" in fails(cli_env, "departments", "add", "--account", "dep-b", "x" * 101)
    assert "No department 'Nope'" in fails(
        cli_env, "departments", "remove", "--account", "dep-b", "Nope"
    )
    assert "No account 'nope'" in fails(cli_env, "departments", "list", "--account", "nope")
    assert names(cli_env, "dep-b") == ["Support", "Sales", "billing", "technical"]
