"""Staging directories of the converter (``ART.tmp-XXXX`` beside ``ART``) that
a killed conversion cannot leave behind for good.

``tessera convert`` assembles an artifact in a temporary directory and
renames it into place (tessera.checkpoint.convert). A conversion killed
mid-way (SIGKILL, OOM killer, power loss) never reaches its cleanup, so each
staging directory records its owner in ``.tessera-owner.json``: host, boot
id, pid and the process's start time (which tells a live owner from a
later process that reused its pid). The next conversion into the same
parent directory removes staging directories whose owner is gone; those of
live conversions, of other hosts (a shared file system) and of unknown
origin (no owner record) are left alone.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import warnings
from pathlib import Path

OWNER_FILE = ".tessera-owner.json"


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def process_start_time(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot (Linux), None if it is
    not running or unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    try:  # field 22; the command name (field 2) may hold spaces and parentheses
        return int(stat[stat.rindex(")") + 2:].split()[19])
    except (ValueError, IndexError):
        return None


def _owner_record() -> dict:
    pid = os.getpid()
    return {"pid": pid, "start_time": process_start_time(pid), "host": socket.gethostname(),
            "boot_id": _boot_id()}


def make_staging_dir(parent: Path, name: str) -> Path:
    """A new ``parent/name.tmp-XXXX`` directory owned by this process."""
    tmp = Path(tempfile.mkdtemp(prefix=f"{name}.tmp-", dir=parent))
    try:
        mark_owned(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def mark_owned(directory: Path) -> None:
    (directory / OWNER_FILE).write_text(json.dumps(_owner_record()) + "\n", encoding="utf-8")


def release(directory: Path) -> None:
    """Drops the owner record (before the directory becomes the artifact)."""
    (directory / OWNER_FILE).unlink(missing_ok=True)


def _owner_gone(record: object) -> bool:
    if not isinstance(record, dict) or not isinstance(record.get("pid"), int) or isinstance(record["pid"], bool):
        return False  # not ours to judge
    if record.get("host") != socket.gethostname():
        return False
    if record.get("boot_id") and record.get("boot_id") != _boot_id():
        return True  # the machine rebooted since
    pid = record["pid"]
    if pid <= 0:
        return False
    if pid == os.getpid():
        return record.get("start_time") != process_start_time(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # alive, someone else's
    started = process_start_time(pid)
    return started is not None and record.get("start_time") is not None and started != record["start_time"]


def remove_stale(parent: Path) -> list[Path]:
    """Removes staging directories in ``parent`` left by dead conversions
    (``*.tmp-*``; and ``*.old-*``, an artifact being replaced with --force,
    only once the replacement is in place); returns what was removed."""
    removed = []
    try:
        candidates = [p for p in parent.iterdir() if (".tmp-" in p.name or ".old-" in p.name)
                      and p.is_dir() and not p.is_symlink()]
    except OSError:
        return removed
    for path in candidates:
        try:
            record = json.loads((path / OWNER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not _owner_gone(record):
            continue
        if ".old-" in path.name:
            final = path.with_name(path.name.split(".old-")[0])
            if not (final / "manifest.json").is_file():
                continue  # killed between the two renames: this is still the only copy
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            removed.append(path)
            warnings.warn(f"removed {path}, left behind by a killed conversion (pid {record['pid']})",
                          UserWarning, stacklevel=2)
    return removed
