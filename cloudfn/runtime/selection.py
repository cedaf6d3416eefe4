"""Which files of a function folder go into its zip.

- A symlink is never followed out of the folder: packaging stops with an error naming it.
  A symlinked file whose target stays inside is packed as a copy of the target (when the
  target itself would be packed); a symlinked folder inside is skipped (its files are packed
  at their real place).
- Secrets are skipped and reported: the names in :data:`DEFAULT_EXCLUDES` (``.env`` files,
  private keys, token-store files) and any file readable by its owner only (no group or
  other read bit, e.g. mode 0600).
- ``.cloudfnignore`` (gitignore syntax) in the project root and in the function folder:
  its patterns exclude files; a ``!pattern`` line re-includes a default exclusion (never
  an owner-only file). The function folder's file wins over the root's, both over the defaults.
- Dot-files and dot-folders, ``__pycache__``, ``*.pyc``, ``tests/`` and tool caches are never packed.

Only the function folder is filtered so: the ``cloudfn`` package and the vendored
dependencies are packed whole (certifi's ``cacert.pem`` is needed).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

IGNORE_FILE = ".cloudfnignore"
DEFAULT_EXCLUDES = (  # gitignore lines
    ".env", ".env.*", "*.env",
    "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore",
    "id_*", "!id_*.py",  # SSH keys (id_rsa, id_ed25519...), not Python modules
    "token-????????????????.json", "token-????????????????.json.lock", "token-????????????????.json.*.tmp",  # cloudfn's FileTokenStore
)  # fmt: skip
SKIP_DIRS = {"__pycache__", "tests", "test", "node_modules"}
SKIP_SUFFIXES = (".pyc", ".pyo")


class SelectionError(Exception):
    """A file that must not be packed silently (a symlink out of the folder); ``str()`` is one line."""


@dataclass
class Selection:
    """The files to pack (archive name -> path to read) and what was left out."""

    files: Dict[str, str] = field(default_factory=dict)
    secrets: List[Tuple[str, str]] = field(default_factory=list)  # (name in the folder, why)
    ignored: int = 0


class _Rules:
    """Default exclusions < project-root ``.cloudfnignore`` < function ``.cloudfnignore``."""

    def __init__(self, directory: str, project_root: str) -> None:
        self.directory = directory
        inside = os.path.commonpath([os.path.abspath(directory), os.path.abspath(project_root)]) == os.path.abspath(project_root)
        self.root = os.path.abspath(project_root) if inside else None
        self.defaults = _spec(list(DEFAULT_EXCLUDES))
        self.layers: List[Tuple[Optional[str], Any]] = []  # (base folder to match from, spec)
        for base in dict.fromkeys(p for p in (self.root, os.path.abspath(directory)) if p):
            lines = _read_lines(os.path.join(base, IGNORE_FILE))
            if lines is not None:
                self.layers.append((base, _spec(lines)))

    def verdict(self, rel: str) -> Tuple[str, str]:
        """("secret", why), ("ignored", "") or ("pack", "") for a path relative to the function folder."""
        hit = self.defaults.check_file(rel)
        decision = ("secret", f"matches {DEFAULT_EXCLUDES[hit.index]}") if hit.include else ("pack", "")
        for base, spec in self.layers:
            path = os.path.relpath(os.path.join(self.directory, rel), base).replace(os.sep, "/")
            user = spec.check_file(path)
            if user.include is not None:
                decision = ("ignored", "") if user.include else ("pack", "")
        return decision


def select(directory: str, project_root: str) -> Selection:
    """Walk ``directory`` (a function folder) and decide every file; raise :class:`SelectionError` on a link out."""
    rules = _Rules(directory, project_root)
    real_root = os.path.realpath(directory)
    result = Selection()
    for here, dirs, names in os.walk(directory):
        rel_here = os.path.relpath(here, directory)
        kept = []
        for d in sorted(dirs):
            if _skipped_dir(d):
                continue
            if os.path.islink(os.path.join(here, d)):
                _target(os.path.join(here, d), real_root, _join(rel_here, d))  # refuses a link out
                continue
            kept.append(d)
        dirs[:] = kept
        for name in sorted(names):
            _decide(result, rules, real_root, os.path.join(here, name), _join(rel_here, name))
    return result


def _decide(result: Selection, rules: _Rules, real_root: str, path: str, rel: str) -> None:
    verdict, why = rules.verdict(rel)
    if verdict == "ignored":
        result.ignored += 1
        return
    if verdict == "secret":
        result.secrets.append((rel, why))
        return
    if os.path.basename(rel).startswith(".") or rel.endswith(SKIP_SUFFIXES):
        return
    source = path
    if os.path.islink(path):
        source = _target(path, real_root, rel)
        target_rel = os.path.relpath(source, real_root).replace(os.sep, "/")
        verdict, why = rules.verdict(target_rel)
        hidden = any(part.startswith(".") or part in SKIP_DIRS for part in target_rel.split("/"))
        if verdict != "pack" or hidden:
            result.secrets.append((rel, f"-> {target_rel}, {why or 'a file that is never packed'}"))
            return
    try:
        st = os.stat(source)
    except OSError:  # a dangling link inside the folder
        return
    if not stat.S_ISREG(st.st_mode):
        return
    if not st.st_mode & (stat.S_IRGRP | stat.S_IROTH):
        result.secrets.append((rel, f"readable by its owner only, mode {stat.S_IMODE(st.st_mode):04o}"))
        return
    result.files[rel] = source


def _target(link: str, real_root: str, rel: str) -> str:
    """The real path a link inside the folder points to; a link leaving the folder is refused."""
    target = os.path.realpath(link)
    if os.path.commonpath([target, real_root]) != real_root:
        raise SelectionError(
            f"{rel} is a symlink to {os.readlink(link)}, outside the function folder: refusing to pack it "
            "(copy the file into the folder, or remove the link)"
        )
    return target


def _skipped_dir(name: str) -> bool:
    return name in SKIP_DIRS or name.startswith(".") or name.endswith(".egg-info")


def _join(rel_here: str, name: str) -> str:
    return name if rel_here == "." else f"{rel_here}/{name}".replace(os.sep, "/")


def _read_lines(path: str) -> Optional[List[str]]:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return None


def _spec(lines: List[str]) -> Any:
    import pathspec  # gitignore semantics; imported only when packaging

    return pathspec.GitIgnoreSpec.from_lines(lines)
