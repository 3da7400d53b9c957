#!/usr/bin/env python3
"""Compiles CUDA bundles for the GPU parity checks, on the compile machine.

    python3 scripts/build_cuda_bundles.py OUT [--dtypes fp32,bf16] [--configs tiny,...] [--12b DIR]

One bundle per (parity config of test/python/conftest.py, weight dtype) in
OUT/<config>-<dtype>/, and with --12b the 12B config's bf16 bundle in DIR
(kept apart from OUT: the parity tests take every bundle under the directory
they are given). Carry both to the GPU machine, then:

    TESSERA_CUDA_BUNDLES=OUT PYTHONPATH=python python3 -m pytest -rs test/python/test_cuda_e2e.py
    PYTHONPATH=python python3 bench/gpu_e2e.py --bundle DIR --weights hf-random
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def compile_bundle(config_path: Path, dtype: str, out: Path) -> None:
    cmd = [sys.executable, "-m", "tessera", "compile", str(config_path), "--target", "cuda", "--emit", "bundle",
           "--weight-dtype", dtype, "-o", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr.strip()}")
    print(r.stderr.strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--dtypes", default="fp32,bf16")
    ap.add_argument("--configs", default=None, help="comma-separated parity config names (default: all)")
    ap.add_argument("--12b", dest="big", metavar="DIR", default=None, help="also the 12B config (bf16), into DIR")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO / "test" / "python"))
    from conftest import PARITY_CONFIGS

    # MoE ('E') layers have no GPU kernels yet: the default set leaves them out.
    names = args.configs.split(",") if args.configs else [
        n for n, (c, *_rest) in PARITY_CONFIGS.items() if "E" not in c.hybrid_override_pattern]
    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            config = PARITY_CONFIGS[name][0]
            path = Path(tmp) / f"{name}.json"
            path.write_text(json.dumps(config.to_hf_dict(json_safe=True)))
            for dtype in args.dtypes.split(","):
                compile_bundle(path, dtype, out / f"{name}-{dtype}")
    if args.big:
        compile_bundle(REPO / "configs" / "nemotron_nano_12b_v2_base.yaml", "bf16", Path(args.big))


if __name__ == "__main__":
    main()
