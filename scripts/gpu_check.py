#!/usr/bin/env python3
"""What the GPU machine runs to check Tessera's CUDA runtime (no compiler needed there).

    PYTHONPATH=python python3 scripts/gpu_check.py [--smoke] [BUNDLE ...] [--batch B --seq S --steps N]
                                                    [--json OUT.json]

--smoke   the driver layer on the hand-written vadd bundle (test/python/fixtures/cuda_vadd) and
          CudaModel on the toy bundle (fixtures/cuda_toy) against numpy, with
          both backends (cuda-bindings, ctypes): results, packing, CUDA graphs, launch errors, an
          illegal address in a child process, and eager vs graph launch overhead.
BUNDLE    directories from `tessera compile ... --target cuda --emit bundle`: for each, random HF
          weights of the bundle's config (plan.json), converted to an artifact, run with
          tessera.cuda and compared with HF NemotronHForCausalLM (fp32 within 1e-3, bf16 within
          2e-2 of max|ref|): prefill, N greedy decode steps, chunked prefill. Prints a table.
Exit status 1 when a check fails.
"""

import argparse
import json
import sys
import tempfile
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))

from tessera.cuda import check  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("bundles", nargs="*", help="CUDA bundle directories")
    p.add_argument("--smoke", action="store_true", help="driver self-test on the vadd fixture")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--seq", type=int, default=37)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--hf-device", default="cpu", help="where the HF oracle runs (cuda for large configs)")
    p.add_argument("--json", default=None, help="write all results here")
    args = p.parse_args()
    failed, report = False, {}

    if args.smoke:
        fixture = REPO / "test/python/fixtures/cuda_vadd"
        report["smoke"] = []
        for backend in ("cuda-bindings", "ctypes"):
            try:
                r = check.driver_selftest(fixture, backend)
                print(f"[smoke] {backend}: ok {json.dumps(r)}", flush=True)
            except Exception as e:  # report and go on with the other backend
                failed = True
                r = {"backend": backend, "error": f"{type(e).__name__}: {e}"}
                print(f"[smoke] {backend}: FAILED {r['error']}\n{traceback.format_exc()}", flush=True)
            report["smoke"].append(r)
        from tessera.config import builtin_config_path, load_config
        from tessera.cuda.driver import Device

        tiny = load_config(builtin_config_path("nemotron_h_tiny"))
        report["toy"] = []
        for backend in ("cuda-bindings", "ctypes"):
            with tempfile.TemporaryDirectory() as work:
                try:
                    r = check.toy_model_check(tiny, REPO / "test/python/fixtures/cuda_toy", work,
                                              device=Device(0, backend))
                    r["backend"] = backend
                    bad = [k for k in ("prefill", "state", "chunked", "decode") if not r[k] < 1e-5]
                    failed |= bool(bad)
                    print(f"[toy] {backend}: {'FAILED ' + str(bad) if bad else 'ok'} {json.dumps(r)}", flush=True)
                except Exception as e:
                    failed = True
                    r = {"backend": backend, "error": f"{type(e).__name__}: {e}"}
                    print(f"[toy] {backend}: FAILED {r['error']}\n{traceback.format_exc()}", flush=True)
            report["toy"].append(r)
        msg = check.illegal_address_report(fixture)
        print(f"[smoke] illegal address: {msg}", flush=True)
        report["illegal_address"] = msg
        failed |= "ILLEGAL_ADDRESS" not in msg

    rows = []
    for bundle in args.bundles:
        with tempfile.TemporaryDirectory() as work:
            try:
                rows.append(check.hf_parity(bundle, work, batch=args.batch, seq=args.seq, steps=args.steps,
                                             hf_device=args.hf_device))
            except Exception as e:
                rows.append({"bundle": bundle, "error": " ".join(f"{type(e).__name__}: {e}".split())[:300]})
                traceback.print_exc()
        r = rows[-1]
        failed |= not r.get("ok", False)
        print(f"[parity] {json.dumps(r, default=str)}", flush=True)
    if rows:
        print(check.format_table(rows))
        report["parity"] = rows
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, default=str) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
