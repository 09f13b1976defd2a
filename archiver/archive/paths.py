"""File names made from untrusted names (sites, hosts, spider and worker names).

A site name comes from a URL, that is from a page: `../../etc`, `/abs`, `a\\b`, `C:x`, NUL or
`．．／` (fullwidth dots and slash, `../` once NFKC-normalised) must never reach the file
system as a path. Every archive or state file name built from such a name goes through
`safe_component`; `path_inside` also checks the joined result.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

MAX_COMPONENT = 100
# Names Windows reserves in any directory (archives get copied to Windows machines).
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)


def safe_component(name: str, *, max_length: int = MAX_COMPONENT) -> str:
    """One file-name component: letters, digits, `-`, `_`, `.`, never `.`/`..`, never empty.

    A name that had to change gets a short hash of the original, so `a/b` and `a_b` stay
    distinct files; a name that is already safe comes back unchanged.
    """
    normal = unicodedata.normalize("NFKC", name)
    kept = "".join(c if (c.isalnum() or c in "-_.") and c.isprintable() else "_" for c in normal)
    kept = kept.lstrip(".")
    if kept.split(".")[0].lower() in _WINDOWS_DEVICES:
        kept = "_" + kept
    changed = kept != name or not kept
    if changed or len(kept) > max_length:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        kept = f"{kept[: max(max_length - 13, 1)]}-{digest}" if kept else digest
    return kept


def path_inside(root: Path, *names: str) -> Path:
    """`root / name / …` with every name made safe; ValueError if it would still leave root."""
    path = root.joinpath(*(safe_component(n) for n in names))
    if not path.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"{path} is outside {root}")
    return path
