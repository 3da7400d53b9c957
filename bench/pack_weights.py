#!/usr/bin/env python3
"""Load-time cost of packing the 12B model's matmul weights into panels.

The x86 runtime packs each projection weight once, in
``CPUDriver.bind_weights`` (:func:`tessera.runtime.packing.pack_weight`). The
12B model does not fit this box's memory, so each distinct weight shape of
its config is packed once (bf16 K-pair panels, as on an AVX512_BF16 host,
and f32 panels) and the whole model's packing time is estimated as the sum
over its tensors. NR = 64 (AVX-512). Writes JSON
(bench/results/pack_weights.json by default). Timing lives here, never in
tests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from tessera.checkpoint.names import weight_specs  # noqa: E402
from tessera.config import builtin_config_path, load_config  # noqa: E402
from tessera.runtime.abi import WeightLayout, packed_panels_shape  # noqa: E402
from tessera.runtime.packing import pack_weight  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="nemotron_nano_12b_v2_base")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "pack_weights.json"))
    args = ap.parse_args()
    config = load_config(builtin_config_path(args.config))
    # The projections and the LM head: 2-D weights other than the embedding
    # table and the depthwise conv kernels.
    shapes = Counter(tuple(s.shape) for s in weight_specs(config)
                     if len(s.shape) == 2 and s.name != "embedding" and "conv" not in s.name)
    load_before = os.getloadavg()[0]
    result = {"config": args.config, "panel_cols": 64, "shapes": [], "totals": {}}
    for dtype, k_pack in (("bf16", 2), ("f32", 1)):
        total_s = total_bytes = 0.0
        for (n, k), count in sorted(shapes.items()):
            w = np.random.default_rng(0).integers(0, 1 << 15, (n, k)).astype(
                np.uint16 if dtype == "bf16" else np.float32)
            layout = WeightLayout("panels", 64, k_pack, (n, k), packed_panels_shape((n, k), 64, k_pack))
            t = time.perf_counter()
            packed = pack_weight("w", w, layout)
            seconds = time.perf_counter() - t
            del packed
            result["shapes"].append({"dtype": dtype, "shape": [n, k], "tensors": count, "bytes": w.nbytes,
                                     "seconds": seconds, "gb_per_s": w.nbytes / seconds / 1e9})
            total_s += seconds * count
            total_bytes += w.nbytes * count
        result["totals"][dtype] = {"bytes": total_bytes, "estimated_seconds": total_s,
                                   "gb_per_s": total_bytes / total_s / 1e9}
    result["loadavg_1m"] = [load_before, os.getloadavg()[0]]
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["totals"], indent=2))


if __name__ == "__main__":
    main()
