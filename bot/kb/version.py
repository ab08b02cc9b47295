"""The knowledge version: a content hash of the knowledge files, the same on every replica with the same files.

Announcements are recorded per chat and version, so the version must not depend on when or where the
files were read: only their relative paths and bytes go in (file dates and the folder's location do not).
"""

import hashlib
from pathlib import Path

PATTERNS = ("*.yaml", "models/*.yaml")


def knowledge_version(directory: Path) -> str:
    """SHA-256 (hex) over the YAML files the loader reads, in a fixed order."""
    digest = hashlib.sha256()
    for path in sorted(p for pattern in PATTERNS for p in directory.glob(pattern)):
        relative = path.relative_to(directory).as_posix().encode()
        content = path.read_bytes()
        digest.update(len(relative).to_bytes(4, "big") + relative + len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()
