"""`tessera compile --target cuda`: the NVIDIA stages on this (GPU-less) machine.

Numbers on the GPU are checked by scripts/gpu_dense_check.py (dense kernels
against numpy) and the CUDA runtime's tests; here: the stages, the bundle's
files and plan, and the user-facing errors.
"""

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from tessera.cli import main

DENSE = REPO / "test" / "python" / "fixtures" / "cuda_dense_tile.mlir"
needs_ptxas = pytest.mark.skipif(shutil.which("ptxas") is None,
                                 reason="cubins need CUDA's ptxas (not installed here)")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err, fragment):
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert fragment in err
    assert "Traceback" not in err


def test_emit_llvm_is_the_kernels_nvptx_llvm_ir(tmp_path, capsys):
    """--emit llvm: the kernels' LLVM IR, as the NVPTX back end receives it:
    one ptx_kernel per distinct Tile-IR op, the bf16 matmul's tensor-core
    intrinsic (hi and lo activation halves: two per fragment)."""
    code, _, err = run(capsys, "compile", str(DENSE), "--target", "cuda", "--emit", "llvm",
                       "-o", str(tmp_path / "k.ll"))
    assert code == 0, err
    ir = (tmp_path / "k.ll").read_text()
    assert "define ptx_kernel void @matmul_0(" in ir and "define ptx_kernel void @rmsnorm_0(" in ir
    mma = ir.count("call { float, float, float, float } @llvm.nvvm.mma.m16n8k16.row.col.bf16(")
    assert mma > 0 and mma % 2 == 0, mma


def test_emit_nvvm_and_ptx(tmp_path, capsys):
    code, _, err = run(capsys, "compile", str(DENSE), "--target", "cuda", "--emit", "nvvm",
                       "-o", str(tmp_path / "k.mlir"))
    assert code == 0, err
    nvvm = (tmp_path / "k.mlir").read_text()
    assert "gpu.module @tessera_kernels" in nvvm and "nvvm.mma.sync" in nvvm and "tile." not in nvvm
    code, _, err = run(capsys, "compile", str(DENSE), "--target", "cuda", "--emit", "ptx",
                       "-o", str(tmp_path / "k.ptx"))
    assert code == 0, err
    ptx = (tmp_path / "k.ptx").read_text()
    assert ".target sm_90a" in ptx
    assert ptx.count("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32") == 96  # 3 bf16 matmul kernels, hi + lo activation parts
    assert "call" not in ptx  # nothing to link (no libdevice)
    # restart from the nvvm stage
    code, _, err = run(capsys, "compile", str(tmp_path / "k.mlir"), "--target", "cuda", "--chip", "sm_90a",
                       "--emit", "ptx", "-o", str(tmp_path / "k2.ptx"))
    assert code == 0, err
    assert (tmp_path / "k2.ptx").read_text() == ptx


@needs_ptxas
def test_bundle(tmp_path, capsys):
    out = tmp_path / "bundle"
    code, _, err = run(capsys, "compile", str(DENSE), "--target", "cuda", "--emit", "bundle", "-o", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["kernels.cubin", "kernels.ptx", "plan.json"]
    assert (out / "kernels.cubin").read_bytes()[:4] == b"\x7fELF"
    assert "mma.sync.aligned.m16n8k16" in (out / "kernels.ptx").read_text()
    plan = json.loads((out / "plan.json").read_text())
    assert list(plan) == ["format", "version", "chip", "config", "weight_dtype", "kernels", "functions"]
    assert (plan["format"], plan["version"], plan["chip"]) == ("tessera-cuda-plan", 1, "sm_90a")
    assert plan["weight_dtype"] == "bf16" and plan["config"] == {}
    assert sorted(plan["functions"]) == ["mm_bf16", "mm_f32", "mm_perf", "prefill"]
    prefill = plan["functions"]["prefill"]
    assert prefill["abi"] == {"num_inputs": 1, "num_results": 1,
                              "weights": ["embed", "norm", "w1", "b1", "w2", "gw"]}
    assert prefill["args"][0] == {"name": "%arg0", "kind": "memref", "dtype": "i64", "shape": [-1, -1]}
    launched = [i["kernel"] for i in prefill["body"] if i["op"] == "launch"]
    assert [k.rsplit("_", 1)[0] for k in launched] == [
        "embedding", "rmsnorm", "matmul", "copy", "copy", "gated_rmsnorm", "matmul", "matmul", "add"]
    assert prefill["body"][-1] == {"op": "return"}
    # every launched kernel is in the table, with the block its gpu.func was written for
    for name in launched:
        assert name in plan["kernels"]
    mm = plan["kernels"][launched[2]]
    assert mm["block"] == [128, 1, 1] and mm["shared_bytes"] == 0
    assert [(p["kind"], p["rank"], p["dtype"]) for p in mm["params"]] == [
        ("memref", 2, "f32"), ("memref", 2, "bf16"), ("memref", 2, "f32"), ("memref", 1, "f32")]
    # the kernel table names every entry of the cubin that the plan launches
    assert all(f".entry {k}(" in (out / "kernels.ptx").read_text() for k in plan["kernels"])

    # rewriting replaces the directory as a whole; --weight-dtype is recorded
    code, _, err = run(capsys, "compile", str(DENSE), "--target", "cuda", "-o", str(out), "--weight-dtype", "fp32")
    assert code == 0, err
    assert json.loads((out / "plan.json").read_text())["weight_dtype"] == "fp32"
    assert not [p for p in tmp_path.iterdir() if p.name != "bundle"]  # no temporary left behind


@needs_ptxas
def test_bundle_tiny_model(tmp_path, capsys):
    out = tmp_path / "tiny"
    code, _, err = run(capsys, "compile", "nemotron_h_tiny", "--target", "cuda", "--weight-dtype", "bf16",
                       "-o", str(out))
    assert code == 0, err
    plan = json.loads((out / "plan.json").read_text())
    assert plan["config"]["hidden_size"] == 64 and plan["weight_dtype"] == "bf16"
    assert sorted(plan["functions"]) == ["decode", "prefill", "prefill_all_logits", "prefill_chunk",
                                        "prefill_chunk_all_logits"]


def test_tiny_model_tile_stage(tmp_path, capsys):
    code, _, err = run(capsys, "compile", "nemotron_h_tiny", "--target", "cuda", "--emit", "tile",
                       "-o", str(tmp_path / "t.mlir"))
    assert code == 0, err
    assert "tile.matmul" in (tmp_path / "t.mlir").read_text()


@pytest.mark.parametrize("argv, fragment", [
    (["--chip", "sm_75"], "unsupported chip 'sm_75': expected one of sm_80, sm_86, sm_89, sm_90, sm_90a"),
    (["--emit", "obj"], "--emit obj: target cuda emits one of graph, tile, nvvm, llvm, ptx, cubin, bundle"),
    (["--emit", "bundle"], "--emit bundle needs -o DIR"),
    (["--emit", "ptx"], "--emit ptx needs -o FILE"),
    (["-o", "/nonexistent-dir/b", "--weight-dtype", "fp16"], "CUDA bundles take bf16 or fp32 weights, got 'fp16'"),
])
def test_cuda_usage_errors(capsys, argv, fragment):
    code, _, err = run(capsys, "compile", str(DENSE), "--target", "cuda", *argv)
    assert code == 1
    assert_one_line_error(err, fragment)


def test_other_targets_and_chip_errors(capsys):
    code, _, err = run(capsys, "compile", str(DENSE), "--target", "metal")
    assert code == 1
    assert_one_line_error(err, "unknown target 'metal': expected x86, cuda or rocm")
    code, _, err = run(capsys, "compile", str(DENSE), "--chip", "sm_90a", "--emit", "tile")
    assert code == 1
    assert_one_line_error(err, "--chip only applies to --target cuda")
    code, _, err = run(capsys, "compile", str(DENSE), "--emit", "ptx")
    assert code == 1
    assert_one_line_error(err, "--emit ptx: target x86 emits one of graph, tile, target, llvm, obj")


def test_stage_failure_writes_reproducer(tmp_path, capsys):
    src = tmp_path / "bad.mlir"
    src.write_text("func.func @f() {\n  tile.barrier\n  return\n}\n")
    code, _, err = run(capsys, "compile", str(src), "--target", "cuda", "--emit", "nvvm")
    assert code == 1
    assert "lowering the tile stage failed" in err
    assert "'tile.barrier' op is a block-level barrier" in err
    assert "--pass-pipeline='builtin.module(tessera-tile-to-nvvm)'" in err
    failed = Path(err.split("the input IR is in ")[1].split(";")[0])
    assert failed.name.startswith("tessera-failed-tile-") and "tile.barrier" in failed.read_text()
