"""Checks of the CUDA runtime on a GPU machine, shared by scripts/gpu_check.py
and test/python/test_cuda_e2e.py.

* :func:`driver_selftest` -- the driver layer on the hand-written vadd bundle
  (test/python/fixtures/cuda_vadd): results, parameter packing, graphs,
  launch errors, and eager vs graph launch overhead.
* :func:`hf_parity` -- a compiled bundle against Hugging Face's
  NemotronHForCausalLM on random weights of the bundle's config: prefill,
  greedy decode steps, chunked prefill (needs torch and transformers).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from tessera.cuda.driver import Device, capture_graph, run_launches
from tessera.cuda.plan import Kernel, Plan, evaluate
from tessera.errors import CudaError

#: max|a - b| / max|b| allowed against HF, by the bundle's weight dtype
TOLERANCE = {"fp32": 1e-3, "bf16": 2e-2}


def rel(a, b) -> float:
    b = np.asarray(b, np.float64)
    return float(np.abs(np.asarray(a, np.float64) - b).max() / np.abs(b).max())


# ============================================================================ driver self-test
def _bind_and_upload(dev: Device, launches, arrays):
    ptrs = []
    for a in arrays:
        ptrs.append(dev.alloc(a.nbytes))
        dev.upload(ptrs[-1], a)
    arena = dev.alloc(launches.arena_bytes)
    launches.bind(ptrs + [arena])
    return ptrs, arena


def driver_selftest(fixture: str | Path, backend: str | None = None) -> dict:
    """Runs the vadd fixture through ``backend``; returns measurements, raises on a wrong result."""
    plan = Plan.load(fixture)
    dev = Device(0, backend)
    out = {"backend": dev.backend, "device": dev.name, "cc": "%d.%d" % dev.compute_capability}
    module = dev.load_module(plan.cubin)
    functions = {k: dev.get_function(module, k) for k in plan.kernels}
    rng = np.random.default_rng(0)

    # c = a + b through an arena intermediate and a device copy
    n = 100_003
    a, b = rng.normal(size=n).astype(np.float32), rng.normal(size=n).astype(np.float32)
    launches = evaluate(plan, "vadd", [(n,)] * 3)
    launches.functions = functions
    ptrs, arena = _bind_and_upload(dev, launches, [a, b, np.zeros(n, np.float32)])
    run_launches(dev, launches, "vadd")
    c = dev.download(np.empty(n, np.float32), ptrs[2])
    assert np.array_equal(c, a + b), "vadd: wrong result"

    # strided views with an offset, f32 and i32 scalars
    x = rng.normal(size=2 * 777 + 1).astype(np.float32)
    pl = evaluate(plan, "pairs", [x.shape, (777,)])
    pl.functions = functions
    pp, _ = _bind_and_upload(dev, pl, [x, np.zeros(777, np.float32)])
    run_launches(dev, pl, "pairs")
    got = dev.download(np.empty(777, np.float32), pp[1])
    assert np.allclose(got, 0.5 * (x[1::2][:777] + x[0::2][:777]), rtol=1e-6), "pairs: wrong result"

    # the same list as a CUDA graph, replayed on fresh inputs
    dev.upload(ptrs[0], b)
    dev.upload(ptrs[1], b)
    graph = capture_graph(dev, launches, "vadd")
    dev.launch_graph(graph)
    dev.synchronize("graph")
    assert np.array_equal(dev.download(np.empty(n, np.float32), ptrs[2]), b + b), "graph: wrong result"
    dev.destroy_graph(graph)

    out.update(_launch_overhead(dev, plan, functions))

    # a launch the driver refuses: named by function, index, kernel, grid, block
    bad = copy.copy(plan)
    bad.kernels = dict(plan.kernels, vadd=Kernel("vadd", (2048, 1, 1), 0, plan.kernels["vadd"].params))
    bl = evaluate(bad, "vadd", [(8,)] * 3)
    bl.functions = functions
    _bind_and_upload(dev, bl, [np.zeros(8, np.float32)] * 3)
    try:
        run_launches(dev, bl, "vadd")
        dev.synchronize()
        raise AssertionError("a 2048-thread block was accepted")
    except CudaError as e:
        out["launch_error"] = str(e)
    for p in ptrs + pp + [arena]:
        dev.free(p)
    return out


def _launch_overhead(dev: Device, plan: Plan, functions, launches_n: int = 200, reps: int = 20) -> dict:
    """Eager submission of ``launches_n`` tiny kernels vs one graph of them (ms per replay)."""
    raw = copy.deepcopy(plan.raw)
    body = [{"op": "constant", "result": "%c0", "value": 0},
            {"op": "dim", "result": "%n", "source": "%arg0", "index": "%c0"}]
    body += [{"op": "launch", "kernel": "vadd", "grid": [1, 1, 1], "args": ["%arg0", "%arg1", "%arg2", "%n"]}
             for _ in range(launches_n)] + [{"op": "return"}]
    raw["functions"] = {"chain": dict(raw["functions"]["vadd"], body=body)}
    chain = Plan.from_json(raw)
    ll = evaluate(chain, "chain", [(128,)] * 3)
    ll.functions = functions
    ptrs, _ = _bind_and_upload(dev, ll, [np.ones(128, np.float32)] * 3)

    def timed(fn) -> float:
        fn()
        dev.synchronize()
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        dev.synchronize()
        return (time.perf_counter() - t0) / reps * 1e3

    eager = timed(lambda: run_launches(dev, ll, "chain"))
    graph = capture_graph(dev, ll, "chain")
    replay = timed(lambda: dev.launch_graph(graph))
    dev.destroy_graph(graph)
    for p in ptrs:
        dev.free(p)
    return {"chain_launches": launches_n, "eager_ms": round(eager, 3), "graph_ms": round(replay, 3),
            "eager_us_per_launch": round(eager / launches_n * 1e3, 2),
            "graph_us_per_launch": round(replay / launches_n * 1e3, 2)}


def illegal_address_report(fixture: str | Path, timeout_s: int = 120) -> str:
    """Runs a kernel that writes far out of bounds in a child process (the
    context is lost afterwards); returns the one-line error it printed."""
    code = (
        "import numpy as np, sys\n"
        "from tessera.cuda.driver import open_device, run_launches\n"
        "from tessera.cuda.plan import Plan, evaluate\n"
        "from tessera.errors import CudaError\n"
        f"plan = Plan.load({str(fixture)!r}); dev = open_device()\n"
        "m = dev.load_module(plan.cubin)\n"
        "ll = evaluate(plan, 'poke', [(4,), 1 << 40]); ll.functions = {'poke': dev.get_function(m, 'poke')}\n"
        "ll.bind([dev.alloc(16), 0, dev.alloc(0)])\n"
        "try:\n"
        "    run_launches(dev, ll, 'poke'); dev.synchronize('poke: after its 1 launch')\n"
        "    print('no error')\n"
        "except CudaError as e:\n"
        "    print('CudaError:', e)\n")
    env = dict(os.environ, TESSERA_CUDA_TIMEOUT="60")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout_s, env=env)
    return (r.stdout.strip() or r.stderr.strip().splitlines()[-1]) if (r.stdout or r.stderr) else f"rc {r.returncode}"


# ============================================================================ toy model
def toy_plan(config, weight_dtype: str = "fp32") -> dict:
    """plan.json of the toy model in test/python/fixtures/cuda_toy (kernel
    ``toy_step``) for ``config`` (a NemotronHConfig), in today's ABI: one state
    [B, hidden], weights ``embedding`` and ``lm_head``."""
    v, h = config.vocab_size, config.hidden_size
    mem = lambda name, dtype, shape: {"name": name, "kind": "memref", "dtype": dtype, "shape": shape}  # noqa: E731
    m = lambda rank, dtype="f32": {"kind": "memref", "rank": rank, "dtype": dtype}  # noqa: E731
    weights = [mem("%w0", "f32", [v, h]), mem("%w1", "f32", [v, h])]
    abi = lambda n_in: {"tessera.weights": ["embedding", "lm_head"], "tessera.num_inputs": n_in,  # noqa: E731
                        "tessera.num_results": 2}

    def body(state_in):
        return [{"op": "constant", "result": "%c0", "value": 0},
                {"op": "dim", "result": "%b", "source": "%ids", "index": "%c0"},
                {"op": "launch", "kernel": "toy_step", "grid": ["%b", 1, 1],
                 "args": ["%ids", "%w0", "%w1", state_in, "%logits", "%sout"]},
                {"op": "return"}]

    def function(seq, with_state):
        args = [mem("%ids", "i64", [-1, seq])] + ([mem("%sin", "f32", [-1, h])] if with_state else [])
        args += weights + [mem("%logits", "f32", [-1, seq, v]), mem("%sout", "f32", [-1, h])]
        return {"abi": abi(2 if with_state else 1), "args": args, "body": body("%sin" if with_state else "%sout")}

    return {"format": "tessera-cuda-plan", "version": 1, "chip": "sm_90a",
            "config": config.to_hf_dict(json_safe=True), "weight_dtype": weight_dtype,
            "kernels": {"toy_step": {"block": [1, 1, 1], "shared_bytes": 0,
                                     "params": [m(2, "i64"), m(2), m(2), m(2), m(3), m(2)]}},
            "functions": {"prefill": function(-1, False), "prefill_chunk": function(-1, True),
                          "decode": function(1, True)}}


def write_toy_bundle(config, fixture: str | Path, out: str | Path) -> Path:
    """A bundle directory: :func:`toy_plan` + the fixture's kernels.cubin."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "plan.json").write_text(json.dumps(toy_plan(config), indent=1) + "\n")
    (out / "kernels.cubin").write_bytes((Path(fixture) / "kernels.cubin").read_bytes())
    return out


def toy_reference(emb: np.ndarray, lm: np.ndarray, ids: np.ndarray, state=None):
    """(logits [B, S, V], state [B, H]) of the toy model, in float64."""
    acc = np.cumsum(emb.astype(np.float64)[ids], axis=1)
    if state is not None:
        acc += np.asarray(state, np.float64)[:, None, :]
    return acc @ lm.astype(np.float64).T, acc[:, -1]


def toy_model_check(config, fixture: str | Path, workdir: str | Path, device=None, steps: int = 8) -> dict:
    """The toy bundle through CudaModel on ``device``: prefill, chunked prefill,
    ``steps`` decode steps (graph replays from the second), against numpy."""
    from tessera.checkpoint import convert_checkpoint
    from tessera.cuda.model import load_bundle
    from tessera.testing import write_hf_checkpoint

    work = Path(workdir)
    bundle = write_toy_bundle(config, fixture, work / "bundle")
    art = convert_checkpoint(write_hf_checkpoint(config, work / "ckpt", dtype="fp32"), work / "art", progress=False)
    model = load_bundle(bundle, device=device).load(art)
    emb, lm = model._artifact.array("embedding"), model._artifact.array("lm_head")
    ids = np.random.default_rng(1).integers(0, config.vocab_size, (3, 13)).astype(np.int64)
    out = {}
    logits, state = model.prefill(ids)
    ref, ref_state = toy_reference(emb, lm, ids)
    out["prefill"] = rel(logits, ref)
    out["state"] = rel(state.arrays[0], ref_state)
    st, parts = None, []
    for lo, hi in ((0, 5), (5, 6), (6, 13)):
        part, st = model.prefill(ids[:, lo:hi], st)
        parts.append(part)
    out["chunked"] = rel(np.concatenate(parts, axis=1), logits)
    seqs, token, worst = ids, np.argmax(logits[:, -1], axis=-1), 0.0
    for _ in range(steps):
        seqs = np.concatenate([seqs, token[:, None]], axis=1)
        step, state = model.decode(token, state)
        worst = max(worst, rel(step, toy_reference(emb, lm, seqs)[0][:, -1]))
        token = np.argmax(step, axis=-1)
    out["decode"] = worst
    out["position"] = state.position
    out["stats"] = model.stats.get("decode", {})
    return out


# ============================================================================ HF parity
def _hf_logits(model, ids: np.ndarray, device: str) -> np.ndarray:
    import torch

    with torch.no_grad():
        out = model(input_ids=torch.as_tensor(np.asarray(ids, np.int64), device=device), use_cache=False)
    return out.logits.double().cpu().numpy()


def hf_parity(bundle: str | Path, workdir: str | Path, *, batch: int = 2, seq: int = 37, steps: int = 8,
              seed: int = 0, device=None, hf_device: str = "cpu") -> dict:
    """Random HF checkpoint of the bundle's config -> artifact -> CudaModel,
    compared with HF (float32 on the stored weights, on ``hf_device``; "cuda"
    for large configs). Returns the relative errors; ``ok`` says whether all
    are within :data:`TOLERANCE`."""
    from tessera.checkpoint import convert_checkpoint
    from tessera.config import load_config
    from tessera.cuda.model import load_bundle
    from tessera.cuda.plan import IMAGE_FILE, ROCM_FORMAT
    from tessera.testing import load_hf_model, write_hf_checkpoint

    # A ROCm bundle (kernels.hsaco) runs the same plan on an AMD GPU (HIP).
    if (Path(bundle) / IMAGE_FILE[ROCM_FORMAT]).exists():
        from tessera.rocm import open_device
        plan = Plan.load(bundle, ROCM_FORMAT)
        device = device if device is not None else open_device()
    else:
        plan = Plan.load(bundle)
    config = load_config(plan.config)
    work = Path(workdir)
    ckpt = write_hf_checkpoint(config, work / "ckpt", dtype=plan.weight_dtype, seed=seed)
    art = convert_checkpoint(ckpt, work / "art", progress=False)
    model = load_bundle(plan, device=device).load(art)
    hf = load_hf_model(ckpt).to(hf_device)
    hf_logits = lambda m, x: _hf_logits(m, x, hf_device)  # noqa: E731
    ids = np.random.default_rng(seed + 1).integers(0, config.vocab_size, (batch, seq)).astype(np.int64)

    # Every position's logits where the bundle has them (compiled bundles).
    every = "prefill_all_logits" in plan.functions
    logits, state = model.prefill(ids, all_logits=every)
    res = {"bundle": str(bundle), "weights": plan.weight_dtype, "shape": f"{batch}x{seq}",
           "prefill": rel(logits, hf_logits(hf, ids)[:, -logits.shape[1]:])}
    seqs, token, worst = ids, np.argmax(logits[:, -1], axis=-1), 0.0
    for _ in range(steps):
        seqs = np.concatenate([seqs, token[:, None]], axis=1)
        step, state = model.decode(token, state)
        worst = max(worst, rel(step, hf_logits(hf, seqs)[:, -1]))
        token = np.argmax(step, axis=-1)
    res["decode"] = worst
    if "prefill_chunk" in plan.functions and seq >= 3 and (every or logits.shape[1] == seq):
        cuts = [0, seq // 3, 2 * seq // 3, seq]
        st, parts = None, []
        for lo, hi in zip(cuts, cuts[1:]):
            part, st = model.prefill(ids[:, lo:hi], st, all_logits=every)
            parts.append(part)
        res["chunked"] = rel(np.concatenate(parts, axis=1), logits)
    tol = TOLERANCE.get(plan.weight_dtype, 2e-2)
    res["tol"] = tol
    res["ok"] = all(res[k] <= tol for k in ("prefill", "decode", "chunked") if k in res)
    res["stats"] = model.stats
    return res


def format_table(rows: list[dict]) -> str:
    head = f"{'bundle':<28} {'weights':<7} {'BxS':<7} {'prefill':>9} {'decode':>9} {'chunked':>9} {'tol':>7}  ok"
    lines = [head, "-" * len(head)]
    for r in rows:
        if "error" in r:
            lines.append(f"{Path(r['bundle']).name:<28} ERROR {r['error']}")
            continue
        ch = f"{r['chunked']:.2e}" if "chunked" in r else "-"
        lines.append(f"{Path(r['bundle']).name:<28} {r['weights']:<7} {r['shape']:<7} {r['prefill']:9.2e} "
                     f"{r['decode']:9.2e} {ch:>9} {r['tol']:7.0e}  {'yes' if r['ok'] else 'NO'}")
    return "\n".join(lines)


def main_json(rows) -> str:
    return json.dumps(rows, indent=1, default=str)
