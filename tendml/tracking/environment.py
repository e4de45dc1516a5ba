"""What a run records about where it ran: git commit and dirtiness, Python, platform, packages.

Captured once per process (a subprocess call to git and a scan of installed distributions
cost milliseconds; runs are many, processes few) and reused by every run the process starts.
"""

from __future__ import annotations

import functools
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from tendml.entities.runs import Environment


@functools.cache
def capture(cwd: str | None = None) -> Environment:
    """The environment of this process, with git state read in ``cwd`` (default: the script's folder)."""
    source = _source()
    where = cwd or (str(Path(source).parent) if source and Path(source).exists() else None)
    commit, dirty, branch = _git_state(where)
    return Environment(
        git_commit=commit,
        git_dirty=dirty,
        git_branch=branch,
        source=source,
        python_version=platform.python_version(),
        platform=platform.platform(terse=True),
        packages=installed_packages(),
    )


def installed_packages() -> dict[str, str]:
    """Every installed distribution and its version, by lower-case name."""
    out: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            out[name.lower()] = dist.version
    return dict(sorted(out.items()))


def _source() -> str | None:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path:
        return str(Path(path).resolve())
    return sys.argv[0] or None


def _git_state(cwd: str | None) -> tuple[str | None, bool | None, str | None]:
    """(commit, dirty, branch) from one ``git status`` call; all None outside a repository."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain=v2", "--branch", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, None, None
    commit = branch = None
    dirty = False
    for line in out.splitlines():
        if line.startswith("# branch.oid "):
            oid = line.split()[2]
            commit = None if oid == "(initial)" else oid
        elif line.startswith("# branch.head "):
            head = line.split()[2]
            branch = None if head == "(detached)" else head
        elif not line.startswith("#"):
            dirty = True
    return commit, dirty, branch
