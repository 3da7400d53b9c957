#!/usr/bin/env python3
"""Tessera x86 vs Hugging Face torch eager, same machine, same run.

Builds a random checkpoint of a mid-size Nemotron-H (hidden 1024, 8 layers,
all block kinds, Mamba chunk 128 like the 12B model), converts it, compiles it
with Tessera for x86 and times, side by side with HF's NemotronHForCausalLM on
CPU torch (float32, eager), both with the same number of threads (--threads,
default: the cores this process may use; torch.set_num_threads and Tessera's
num_threads):

* prefill: tokens/s for a [1, 512] prompt (median of --repeats runs, Tessera
  and HF alternating; ``paired_ratio`` is the median of each pair's ratio);
* decode: tokens/s for greedy steps after a 512-token prompt (HF with its
  cache, Tessera with its explicit state);
* peak RSS of one prefill: each side alone in a child process, after a
  warm-up prefill, with the kernel's peak-RSS counter reset (VmHWM, the
  absolute peak, which includes the weights) and the growth over the RSS
  before the call.

``--isa avx2`` measures what an AVX2 host would see, on this one: Tessera
compiles for ``x86-64-v3`` (AVX2 + FMA, 8-lane vectors, the 6 x 2 ymm
micro-kernel) and torch is held to AVX2 as well (``ATEN_CPU_CAPABILITY``,
``MKL_ENABLE_INSTRUCTIONS``, ``ONEDNN_MAX_CPU_ISA``, set before torch loads).

With ``--dtype bf16`` the checkpoint's weights are bf16: Tessera runs the
bf16 artifact (bf16 matmul weights; vdpbf16ps on hosts with AVX512_BF16)
and HF runs twice, in torch bfloat16 (``hf_torch``) and in float32 on the
same bf16-rounded weights (``hf_torch_fp32``).

Writes JSON (bench/results/cpu_e2e.json by default) with both numbers and the
ratios (Tessera / HF; > 1 means Tessera is faster). Also checks that the two
agree on the prefill logits, so the timings compare the same computation.
Timing lives here, never in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

# --isa avx2: both sides limited to AVX2; torch's libraries read these when
# they load, so they are set before the import.
AVX2_ENV = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2",
            "OPENBLAS_CORETYPE": "Haswell"}
AVX2_CPU = "x86-64-v3"
if "--isa=avx2" in sys.argv or any(a == "--isa" and b == "avx2" for a, b in zip(sys.argv, sys.argv[1:])):
    os.environ.update(AVX2_ENV)

import torch  # noqa: E402

import tessera  # noqa: E402
from tessera.checkpoint import convert_checkpoint  # noqa: E402
from tessera.config import builtin_config_path, load_config  # noqa: E402
from tessera.testing import load_hf_model, write_hf_checkpoint  # noqa: E402

MID = dict(vocab_size=8192, hidden_size=1024, num_hidden_layers=8, hybrid_override_pattern="M-M*M-M-",
           num_attention_heads=16, num_key_value_heads=4, head_dim=64, intermediate_size=4096,
           mamba_num_heads=32, mamba_head_dim=64, ssm_state_size=128, n_groups=8, chunk_size=128,
           conv_kernel=4, expand=2, max_position_embeddings=8192)


# Pause before each timed run: the other side's idle threads (torch's
# OpenMP pool, OpenBLAS's workers) keep polling a core for ~0.1 s after their
# last call, which on 2 cores halves whoever is timed next (measured with
# bench/cpu_matmul.py).
SETTLE_S = 0.5


def median_time(fn, repeats: int, setup=None) -> float:
    """Median wall time of fn(setup()) over ``repeats`` runs after a warm-up;
    ``setup`` (untimed) prepares each run's input."""
    prepare = setup or (lambda: None)
    fn(prepare())  # warm-up
    times = []
    for _ in range(repeats):
        arg = prepare()
        time.sleep(SETTLE_S)
        t = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def paired_times(fa, fb, repeats: int, setup_a=None, setup_b=None) -> tuple[float, float, float]:
    """Runs a and b alternately (a, b, a, b, ...) after a warm-up of each:
    (median time of a, median time of b, median of the per-pair ratios
    t_b / t_a). On a machine whose speed drifts between minutes (a shared
    VM), each pair sees the same conditions, so the paired ratio is the
    steadier comparison."""
    prep_a, prep_b = setup_a or (lambda: None), setup_b or (lambda: None)
    fa(prep_a())
    fb(prep_b())
    ta, tb = [], []
    for _ in range(repeats):
        for fn, prep, out in ((fa, prep_a, ta), (fb, prep_b, tb)):
            arg = prep()
            time.sleep(SETTLE_S)
            t = time.perf_counter()
            fn(arg)
            out.append(time.perf_counter() - t)
    return statistics.median(ta), statistics.median(tb), statistics.median(b / a for a, b in zip(ta, tb))


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def rss_child(which: str, work: Path, prompt: int, threads: int, cpu: str | None) -> None:
    """Prints {"peak_mib", "growth_mib"} of one prefill of ``which``."""
    torch.set_num_threads(threads)
    config = load_config(builtin_config_path("nemotron_h_tiny")).replace(**MID)
    ids = np.random.default_rng(1).integers(0, config.vocab_size, (1, prompt)).astype(np.int64)
    if which == "tessera":
        model = tessera.compile(work / "art", target="x86", cache_dir=work / "cache", num_threads=threads,
                                cpu=cpu)
        run = lambda: model.prefill(ids)  # noqa: E731
    else:
        hf = load_hf_model(work / "ckpt")
        tids = torch.as_tensor(ids)

        def run():
            with torch.no_grad():
                hf(input_ids=tids, use_cache=False, logits_to_keep=1)
    run()  # warm-up (code generation, first-touch of the weights)
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before = _status_kib("VmRSS")
    run()
    peak = _status_kib("VmHWM")
    print(json.dumps({"peak_mib": peak / 1024, "growth_mib": (peak - before) / 1024}))


def peak_rss(work: Path, prompt: int, threads: int, isa: str) -> dict:
    out = {}
    for which in ("tessera", "hf_torch"):
        done = subprocess.run([sys.executable, __file__, "--rss-child", which, "--work", str(work),
                               "--prompt", str(prompt), "--threads", str(threads), "--isa", isa],
                              capture_output=True, text=True, check=True)
        out[which] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prompt", type=int, default=512)
    ap.add_argument("--decode-steps", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                    help="threads for both Tessera and torch (default: usable cores)")
    ap.add_argument("--isa", choices=("host", "avx2"), default="host",
                    help="avx2: Tessera compiles for x86-64-v3 and torch is limited to AVX2 (an AVX2 host's view)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "cpu_e2e.json"))
    ap.add_argument("--dtype", choices=("fp32", "bf16"), default="fp32", help="checkpoint weight dtype")
    ap.add_argument("--no-rss", action="store_true", help="skip the peak-RSS children")
    ap.add_argument("--rss-child", choices=("tessera", "hf_torch"), help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rss_child:
        return rss_child(args.rss_child, Path(args.work), args.prompt, args.threads,
                         AVX2_CPU if args.isa == "avx2" else None)

    config = load_config(builtin_config_path("nemotron_h_tiny")).replace(**MID)
    work = Path(tempfile.mkdtemp(prefix="tessera-bench-"))
    ckpt = write_hf_checkpoint(config, work / "ckpt", dtype=args.dtype, seed=0)
    art = convert_checkpoint(ckpt, work / "art", dtype=args.dtype)
    ids = np.random.default_rng(1).integers(0, config.vocab_size, (1, args.prompt)).astype(np.int64)

    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()
    t = time.perf_counter()
    model = tessera.compile(art, target="x86", cache_dir=work / "cache", num_threads=args.threads,
                            cpu=AVX2_CPU if args.isa == "avx2" else None)
    compile_s = time.perf_counter() - t
    hf = load_hf_model(ckpt)  # float32 (bf16 weights upcast exactly)
    hf32 = hf
    if args.dtype == "bf16":
        import copy
        hf = copy.deepcopy(hf32).to(torch.bfloat16)
    tids = torch.as_tensor(ids)

    # Same computation: prefill logits (every position) agree.
    ours, _ = model.prefill(ids, all_logits=True)
    with torch.no_grad():
        ref = hf32(input_ids=tids, use_cache=False).logits.double().numpy()
    rel = float(np.abs(ours - ref).max() / np.abs(ref).max())

    # Timed prefill: the last position's logits on both sides (Tessera's
    # default, HF's logits_to_keep=1).
    def hf_prefill(m=hf):
        with torch.no_grad():
            m(input_ids=tids, use_cache=False, logits_to_keep=1)

    tessera_prefill, hf_prefill_s, prefill_paired = paired_times(lambda _: model.prefill(ids),
                                                                 lambda _: hf_prefill(), args.repeats)
    hf32_prefill_s = median_time(lambda _: hf_prefill(hf32), args.repeats) if hf32 is not hf else None

    # Decode: time args.decode_steps greedy steps after the prompt.
    _, state = model.prefill(ids)
    token = np.zeros(1, np.int64)

    def tessera_decode(st):
        tok = token
        for _ in range(args.decode_steps):
            logits, st = model.decode(tok, st)
            tok = np.argmax(logits, axis=-1)

    with torch.no_grad():
        cache = hf(input_ids=tids, use_cache=True).past_key_values
        cache32 = hf32(input_ids=tids, use_cache=True).past_key_values if hf32 is not hf else None

    def fresh_cache():
        import copy
        return copy.deepcopy(cache)  # decode mutates HF's cache in place

    def fresh_cache32():
        import copy
        return copy.deepcopy(cache32)

    def hf_decode(c, m=hf):
        tok = torch.zeros((1, 1), dtype=torch.long)
        pos = args.prompt
        with torch.no_grad():
            for _ in range(args.decode_steps):
                o = m(input_ids=tok, past_key_values=c, use_cache=True,
                       cache_position=torch.tensor([pos]))
                c = o.past_key_values
                tok = o.logits[:, -1:].argmax(-1)
                pos += 1

    # Decode updates the state in place: each run starts from a copy (untimed).
    tessera_decode_s, hf_decode_s, decode_paired = paired_times(tessera_decode, hf_decode, args.repeats,
                                                                setup_a=state.copy, setup_b=fresh_cache)

    prefill_tps = {"tessera": args.prompt / tessera_prefill, "hf_torch": args.prompt / hf_prefill_s}
    if hf32_prefill_s is not None:
        prefill_tps["hf_torch_fp32"] = args.prompt / hf32_prefill_s
    result = {
        "machine": {"cpu": tessera._tessera.host_cpu(), "cores": os.cpu_count(), "platform": platform.platform(),
                    "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
                    "tessera_threads": args.threads, "host_features": tessera._tessera.host_features(),
                    # What the code was allowed: Tessera's CPU and features,
                    # and the ISA limits set for torch's libraries.
                    "isa": args.isa, "tessera_target": {"cpu": model.cpu, "features": model.features},
                    "torch_isa_env": {k: os.environ.get(k) for k in AVX2_ENV},
                    # Other work on the machine skews timings: the 1-minute load
                    # average before and after the run.
                    "loadavg_1m": [load_before[0], os.getloadavg()[0]]},
        "config": {k: MID[k] for k in ("hidden_size", "num_hidden_layers", "hybrid_override_pattern",
                                       "chunk_size", "ssm_state_size", "vocab_size")},
        "prompt_tokens": args.prompt, "decode_steps": args.decode_steps, "repeats": args.repeats, "settle_s": SETTLE_S,
        "prefill_logits_rel_err": rel,
        "compile_seconds": compile_s,
        "weights": args.dtype,
        "prefill_tokens_per_s": prefill_tps,
        "decode_tokens_per_s": {"tessera": args.decode_steps / tessera_decode_s,
                                "hf_torch": args.decode_steps / hf_decode_s},
        # Tessera and HF timed alternately: the median of each pair's ratio.
        "paired_ratio": {"prefill": prefill_paired, "decode": decode_paired},
    }
    if args.dtype == "bf16":  # HF float32 on the same (bf16-rounded) weights
        hf32_decode_s = median_time(lambda c: hf_decode(c, hf32), args.repeats, setup=fresh_cache32)
        result["decode_tokens_per_s"]["hf_torch_fp32"] = args.decode_steps / hf32_decode_s
    # Decode is bound by memory bandwidth: every step reads every weight
    # once (the embedding table: one row). The weights' bytes per step over
    # the step time, beside what a plain parallel read reaches here (torch's
    # sum of a 1 GiB float32 tensor, same threads, in memory numpy allocated:
    # transparent huge pages, like the packed weights; torch's own
    # allocation reads ~15% slower on this kind of VM). `decode_ratio_bound`
    # is the decode ratio of a Tessera that read its weights at that rate
    # against HF as measured: above it, only reading fewer bytes helps.
    from tessera.checkpoint.artifact import Artifact

    a = Artifact.open(art)
    step_bytes = sum(a.array(n).nbytes for n in a.names() if n != "embedding")
    big = torch.from_numpy(np.ones(256 << 20, np.float32))
    big.sum()
    read_s = min(_timed(big.sum) for _ in range(5))
    result["decode_bandwidth"] = {
        "weight_bytes_per_step": step_bytes,
        "tessera_gb_per_s": step_bytes * result["decode_tokens_per_s"]["tessera"] / 1e9,
        "hf_torch_gb_per_s": step_bytes * result["decode_tokens_per_s"]["hf_torch"] / 1e9,
        "torch_sum_read_gb_per_s": big.numel() * 4 / read_s / 1e9}
    result["decode_bandwidth"]["decode_ratio_bound"] = (result["decode_bandwidth"]["torch_sum_read_gb_per_s"]
                                                        / result["decode_bandwidth"]["hf_torch_gb_per_s"])
    del big
    if not args.no_rss and args.dtype == "fp32":
        result["prefill_peak_rss_mib"] = peak_rss(work, args.prompt, args.threads, args.isa)
    result["prefill_ratio"] = result["prefill_tokens_per_s"]["tessera"] / result["prefill_tokens_per_s"]["hf_torch"]
    result["decode_ratio"] = result["decode_tokens_per_s"]["tessera"] / result["decode_tokens_per_s"]["hf_torch"]
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
