"""Damages the one entry of a Tessera compile cache directory, for
compile-cache.test: `flip` (one byte of the object), `truncate` (the object),
`stale` (the key recorded in the metadata, as another compiler would have
written it), `garble` (the metadata JSON)."""

import json
import sys
from pathlib import Path

how, directory = sys.argv[1], Path(sys.argv[2])
(meta,) = directory.glob("*.json")
obj = meta.with_suffix(".o")
if how == "flip":
    data = bytearray(obj.read_bytes())
    data[len(data) // 2] ^= 0x01
    obj.write_bytes(bytes(data))
elif how == "truncate":
    obj.write_bytes(obj.read_bytes()[:100])
elif how == "stale":
    entry = json.loads(meta.read_text())
    entry["key"]["compiler"]["sources"] = "0" * 64
    meta.write_text(json.dumps(entry))
elif how == "garble":
    meta.write_text(meta.read_text()[:-10])
else:
    sys.exit(f"unknown damage {how!r}")
