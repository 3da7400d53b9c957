"""The Graph->LLVM pipeline grows linearly with the number of ops (issue 9:
a chain of 4000 graph.residual_add was reported to take 3.5 GB). Times and
peak memory are measured by bench/lowering_scaling.py (bench/results/
lowering_scaling.json); this test checks the structure they follow from: the
lowered module's op count is exactly affine in the chain length (so no stage
emits per-op work that grows with the ops before it), and each op adds one
kernel call, one malloc and one free."""

import sys
from collections import Counter
from pathlib import Path

from tessera import ir

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from lowering_scaling import residual_chain  # noqa: E402

PIPELINE = 'builtin.module(tessera-attach-target{kind=x86 features="+avx2,+fma"},tessera-lower-to-llvm)'


def lowered_ops(n: int) -> Counter:
    m = ir.parse(residual_chain(n))
    m.run_pipeline(PIPELINE)
    return Counter(o.name for o in m.walk())


def test_residual_chain_lowers_to_affine_size():
    small, mid, big = (lowered_ops(n) for n in (25, 50, 100))
    total = [sum(c.values()) for c in (small, mid, big)]
    per_op = (total[1] - total[0]) / 25
    assert per_op > 0 and total[2] - total[1] == 2 * (total[1] - total[0]), total
    # One outlined kernel for all the adds: the kernel body does not repeat.
    assert big["llvm.func"] == small["llvm.func"]
    calls = big["llvm.call"] - small["llvm.call"]
    assert calls == 75 * 3, calls  # per add: the kernel, malloc and free
