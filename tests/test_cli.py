"""`pancake-mock --version` and the shell completion scripts, as a shell uses them."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from importlib.metadata import version

import pytest

import pancake_mock

PANCAKE_MOCK = [sys.executable, "-m", "pancake_mock"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*PANCAKE_MOCK, *args], capture_output=True, text=True, timeout=60, check=True)


def test_version_is_the_packages():
    assert run("--version").stdout == f"pancake-mock {pancake_mock.__version__}\n"
    assert pancake_mock.__version__ == version("pancake-mock")  # what pip installed says the same


def bash_completes(*words: str) -> list[str]:
    """What bash offers for the last of `words` (the word being typed) after `pancake-mock`."""
    script = run("completion", "bash").stdout
    line = shlex.join(["pancake-mock", *words])
    probe = (f'eval "$1"; COMP_WORDS=({line}); COMP_CWORD={len(words)}; COMP_LINE="$2"; COMP_POINT=${{#COMP_LINE}}; '
             '_shtab_pancake_mock pancake-mock; printf "%s\\n" "${COMPREPLY[@]}"')
    result = subprocess.run(["bash", "-c", probe, "bash", script, line], capture_output=True, text=True, timeout=30,
                            check=True)
    return result.stdout.split()


def test_bash_completes_commands_options_and_choices():
    assert bash_completes("") == ["serve", "lint", "diff", "verify", "completion"]
    assert bash_completes("se") == ["serve"]
    assert bash_completes("serve", "--wo") == ["--workers"]
    assert bash_completes("verify", "--environment", "") == ["test", "prod"]
    assert bash_completes("diff", "--format", "") == ["text", "json", "markdown"]
    assert bash_completes("completion", "") == ["bash", "zsh"]


def test_zsh_registers_the_completion():
    if not shutil.which("zsh"):
        if os.environ.get("CI"):
            pytest.fail("zsh is missing: CI must check the zsh completion (.ci/run installs it)")
        pytest.skip("zsh is not installed")
    script = run("completion", "zsh").stdout
    assert script.startswith("#compdef pancake-mock\n")
    registered = subprocess.run(
        ["zsh", "-f", "-c", 'autoload -Uz compinit && compinit -u -D && eval "$1" && print -r -- $_comps[pancake-mock]',
         "zsh", script], capture_output=True, text=True, timeout=30, check=True)
    assert registered.stdout == "_shtab_pancake_mock\n", registered.stderr
    for command in ("serve", "lint", "diff", "verify", "completion"):
        assert f"{command}:'" in script  # zsh's command descriptions
