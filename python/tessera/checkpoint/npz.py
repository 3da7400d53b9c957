"""Uncompressed, memory-mappable NPZ files for Tessera artifacts.

An artifact shard is an ordinary ``.npz`` (``np.load`` reads it), written
uncompressed (ZIP_STORED) like ``np.savez`` -- with one addition: each
member's zip local header carries a padding extra field (id 0xD935, the one
Android's zipalign uses) so that the array data starts on a 64-byte boundary
of the file.  Readers (``tessera.checkpoint.artifact`` here, the C++ runtime
later) can then ``mmap`` the file and use the data in place, properly aligned.

:func:`locate_member` is the reading half: it finds a member's absolute data
offset from the zip local header and the ``.npy`` header, without reading data.
"""

from __future__ import annotations

import os
import struct
import tokenize
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

ALIGN = 64
_PAD_EXTRA_ID = 0xD935
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")  # 30 bytes
_ZIP64_EXTRA_LEN = 20  # zipfile appends a zip64 extra of this size when force_zip64
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # reproducible output


def write_npz(path: str | os.PathLike, arrays: Iterable[tuple[str, np.ndarray]]) -> None:
    """Write ``(member_name, array)`` pairs; members are stored as ``{name}.npy``."""
    with open(path, "wb") as fp, zipfile.ZipFile(fp, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, arr in arrays:
            arr = np.ascontiguousarray(arr)
            zinfo = zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_DATE)
            zinfo.compress_type = zipfile.ZIP_STORED
            zinfo.external_attr = 0o644 << 16
            # np.lib.format writes magic+header padded to a multiple of 64 bytes, so aligning
            # the start of the member aligns the array data too.
            zip64 = arr.nbytes + 4096 > zipfile.ZIP64_LIMIT
            fixed = _LOCAL_HEADER.size + len(zinfo.filename.encode("utf-8")) + (_ZIP64_EXTRA_LEN if zip64 else 0)
            pad = -(fp.tell() + fixed + 4) % ALIGN
            zinfo.extra = struct.pack("<HH", _PAD_EXTRA_ID, pad) + b"\0" * pad
            with zf.open(zinfo, mode="w", force_zip64=zip64) as out:
                np.lib.format.write_array(out, arr, allow_pickle=False)


@dataclass(frozen=True)
class MemberInfo:
    name: str  #: member name without ``.npy``
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool
    stored: bool  #: ZIP_STORED (memory-mappable) vs compressed
    data_offset: int | None  #: absolute file offset of the array data (stored members only)
    file_size: int  #: uncompressed member size (npy header + data)
    header_size: int  #: size of the npy header


class NpzFormatError(Exception):
    """Raised with a human-readable reason; callers wrap it in their own error type."""


# What a corrupt member can raise on the way to its npy header (numpy
# tokenizes the header and parses it with ast.literal_eval; zipfile
# decompresses): a corrupt file, whatever the exception type.
_BAD_HEADER = (ValueError, struct.error, OSError, EOFError, SyntaxError, RecursionError, MemoryError,
               NotImplementedError, zipfile.BadZipFile, zlib.error, tokenize.TokenError)


def read_members(path: str | os.PathLike) -> dict[str, MemberInfo]:
    """Shape/dtype/offset of every ``.npy`` member, from headers only."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
        raise NpzFormatError(f"not a readable npz file ({e})") from None
    out = {}
    with zf, open(path, "rb") as raw:
        for zinfo in zf.infolist():
            if not zinfo.filename.endswith(".npy"):
                raise NpzFormatError(f"unexpected member {zinfo.filename!r}")
            name = zinfo.filename[: -len(".npy")]
            stored = zinfo.compress_type == zipfile.ZIP_STORED
            try:
                if stored:
                    raw.seek(zinfo.header_offset)
                    local = raw.read(_LOCAL_HEADER.size)
                    if len(local) != _LOCAL_HEADER.size:
                        raise NpzFormatError(f"member {name!r}: truncated local header")
                    fields = _LOCAL_HEADER.unpack(local)
                    if fields[0] != b"PK\x03\x04":
                        raise NpzFormatError(f"member {name!r}: bad local header signature")
                    start = zinfo.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
                    raw.seek(start)
                    shape, fortran, dtype, header_size = _read_npy_header(raw)
                    data_offset = start + header_size
                else:
                    with zf.open(zinfo) as f:
                        shape, fortran, dtype, header_size = _read_npy_header(f)
                    data_offset = None
            except _BAD_HEADER as e:
                raise NpzFormatError(f"member {name!r}: bad npy header ({e})") from None
            out[name] = MemberInfo(name, shape, dtype, fortran, stored, data_offset, zinfo.file_size, header_size)
    return out


def _read_npy_header(f) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    start = f.tell()
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ValueError(f"unsupported npy version {version}")
    return tuple(shape), bool(fortran), dtype, f.tell() - start
