"""`tessera compile --target rocm`: AMD code objects for gfx942/gfx90a, checked
without an AMD GPU (none was available: this path is compiled and checked,
never run).

- the ROCDL IR and the ISA of the matmul use MFMA;
- every kernel's code-object metadata (``llvm-readelf --notes``) is within the
  chip's limits: VGPR/AGPR/SGPR counts, LDS bytes, no scratch, wave64, and at
  least one workgroup resident per CU (occupancy >= 1);
- the plan's launches, evaluated by the shared plan interpreter and packed as
  the HIP driver passes them, match each kernel's argument metadata (count,
  offsets, sizes, kinds) and required workgroup size;
- bad target options are one-line errors.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import REPO
from cuda_fake import FakeDevice
from tessera.cli import main

DENSE = REPO / "test" / "python" / "fixtures" / "cuda_dense_tile.mlir"
READELF = shutil.which("llvm-readelf") or "/usr/lib/llvm-22/bin/llvm-readelf"
needs_readelf = pytest.mark.skipif(not Path(READELF).exists(), reason="llvm-readelf (llvm-22) is not installed")

# Per-CU resources of CDNA2 (gfx90a, MI200) and CDNA3 (gfx942, MI300): 4 SIMDs,
# 512 unified VGPRs per lane per SIMD (arch VGPRs and AGPRs, each at most 256
# per wave, allocated in granules of 8), 102 SGPRs per wave, 64 KiB LDS per
# workgroup, at most 8 waves per SIMD.
# The bf16 MFMA (amdgpu.mfma 32x32x8, bf16 x bf16 -> f32) as each chip spells it.
MFMA_BF16 = {"gfx90a": "v_mfma_f32_32x32x8bf16_1k", "gfx942": "v_mfma_f32_32x32x8_bf16"}
LIMITS = {"gfx90a": dict(simds=4, vgprs=512, max_arch_vgprs=256, max_agprs=256, granule=8, sgprs=102,
                         lds=65536, waves_per_simd=8),
          "gfx942": dict(simds=4, vgprs=512, max_arch_vgprs=256, max_agprs=256, granule=8, sgprs=102,
                         lds=65536, waves_per_simd=8)}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err, fragment):
    lines = [line for line in err.strip().splitlines() if line]
    assert len(lines) == 1, err
    assert fragment in lines[0], err


def code_object_metadata(hsaco: Path) -> dict:
    """The NT_AMDGPU_METADATA note of a code object, parsed: {kernel name: metadata}."""
    notes = subprocess.run([READELF, "--notes", str(hsaco)], check=True, capture_output=True, text=True).stdout
    text = notes[notes.index("---"):]
    text = text[:text.index("\n...") + 4]
    meta = yaml.safe_load(text.split("\n", 1)[1].rsplit("\n...", 1)[0])
    return {k[".name"]: k for k in meta["amdhsa.kernels"]}, meta["amdhsa.target"]


def occupancy(k: dict, chip: str) -> int:
    """Waves per SIMD the kernel can keep resident (registers, LDS, hardware cap)."""
    lim = LIMITS[chip]
    g = lim["granule"]
    # On gfx90a/gfx942 `.vgpr_count` is already the unified total: the arch
    # VGPRs 4-aligned plus the AGPRs (LLVM's AMDGPU::getTotalNumVGPRs).
    regs = -(-max(k[".vgpr_count"], 1) // g) * g
    by_regs = lim["vgprs"] // regs
    waves_per_group = -(-k[".max_flat_workgroup_size"] // k[".wavefront_size"])
    lds = k[".group_segment_fixed_size"]
    groups_by_lds = lim["lds"] // lds if lds else 10**9
    by_lds = groups_by_lds * waves_per_group // lim["simds"]
    return min(by_regs, by_lds, lim["waves_per_simd"])


@pytest.fixture(scope="module", params=["gfx942", "gfx90a"])
def tiny_bundle(request, tmp_path_factory):
    chip = request.param
    out = tmp_path_factory.mktemp("rocm") / f"tiny-{chip}"
    assert main(["compile", "nemotron_h_tiny", "--target", "rocm", "--chip", chip,
                 "--weight-dtype", "bf16", "-o", str(out)]) == 0
    return chip, out


def test_bundle_files_and_plan(tiny_bundle):
    chip, out = tiny_bundle
    assert sorted(p.name for p in out.iterdir()) == ["kernels.hsaco", "kernels.s", "plan.json"]
    assert (out / "kernels.hsaco").read_bytes()[:4] == b"\x7fELF"
    plan = json.loads((out / "plan.json").read_text())
    assert (plan["format"], plan["version"], plan["chip"]) == ("tessera-rocm-plan", 1, chip)
    assert sorted(plan["functions"]) == ["decode", "prefill", "prefill_all_logits", "prefill_chunk",
                                         "prefill_chunk_all_logits"]
    isa = (out / "kernels.s").read_text()
    assert f'.amdgcn_target "amdgcn-amd-amdhsa--{chip}' in isa
    # bf16 weights: the matmul kernels use the bf16 MFMA; nothing calls a device library
    assert MFMA_BF16[chip] in isa
    # the SSD chunk state and scan and flash attention on the f32 MFMA
    for kernel in ("ssd_chunk_state_0", "ssd_chunk_scan_0", "flash_attention_0"):
        body = isa[isa.index(f"{kernel}:"):]
        assert "v_mfma_f32_32x32x2" in body[:body.index(".Lfunc_end")], kernel
    assert "__ocml" not in isa and "s_swappc" not in isa


@needs_readelf
def test_code_object_metadata_within_chip_limits(tiny_bundle):
    check_code_object(*tiny_bundle)


@needs_readelf
@pytest.mark.parametrize("chip", ["gfx942", "gfx90a"])
def test_12b_compiles_to_code_objects_within_chip_limits(tmp_path, chip):
    """The whole Nemotron-Nano-12B-v2 graph (62 layers; from its config)."""
    out = tmp_path / "b12"
    assert main(["compile", str(REPO / "configs" / "nemotron_nano_12b_v2_base.yaml"), "--target", "rocm",
                 "--chip", chip, "--weight-dtype", "bf16", "-o", str(out)]) == 0
    check_code_object(chip, out)
    plan = json.loads((out / "plan.json").read_text())
    launched = {i["kernel"] for fn in plan["functions"].values() for i in fn["body"] if i["op"] == "launch"}
    assert launched == set(plan["kernels"])
    assert MFMA_BF16[chip] in (out / "kernels.s").read_text()


def check_code_object(chip: str, out: Path) -> None:
    lim = LIMITS[chip]
    kernels, target = code_object_metadata(out / "kernels.hsaco")
    assert target == f"amdgcn-amd-amdhsa--{chip}"
    plan = json.loads((out / "plan.json").read_text())
    assert set(kernels) == set(plan["kernels"])
    for name, k in kernels.items():
        block = plan["kernels"][name]["block"]
        assert k[".wavefront_size"] == 64, name
        # .vgpr_count = 4-aligned arch VGPRs + AGPRs (unified register file)
        assert 0 < k[".vgpr_count"] <= lim["vgprs"], (name, k[".vgpr_count"])
        arch = k[".vgpr_count"] - k[".agpr_count"]
        assert 0 < arch <= lim["max_arch_vgprs"], (name, arch)
        assert k[".agpr_count"] <= lim["max_agprs"], (name, k[".agpr_count"])
        assert k[".sgpr_count"] <= lim["sgprs"], (name, k[".sgpr_count"])
        assert k[".group_segment_fixed_size"] <= lim["lds"], (name, k[".group_segment_fixed_size"])
        # no scratch: nothing spills, no private arrays, no dynamic stack
        assert k[".private_segment_fixed_size"] == 0, name
        assert k[".vgpr_spill_count"] == 0 and k[".sgpr_spill_count"] == 0, name
        assert not k[".uses_dynamic_stack"], name
        assert k[".reqd_workgroup_size"] == block, name
        assert k[".max_flat_workgroup_size"] == block[0] * block[1] * block[2], name
        waves = -(-k[".max_flat_workgroup_size"] // 64)
        # a workgroup's waves spread over the CU's SIMDs; they must all fit at once
        assert occupancy(k, chip) >= -(-waves // lim["simds"]), (name, occupancy(k, chip))


def _param_slots(param: dict) -> list[str]:
    """The value kinds of one plan parameter's 8-byte slots, as the kernel's
    argument metadata names them (memref: allocated/aligned pointers, offset,
    sizes, strides)."""
    if param["kind"] == "memref":
        return ["global_buffer"] * 2 + ["by_value"] * (1 + 2 * param["rank"])
    return ["by_value"]


@needs_readelf
def test_plan_arguments_match_kernel_metadata(tiny_bundle):
    chip, out = tiny_bundle
    kernels, _ = code_object_metadata(out / "kernels.hsaco")
    plan = json.loads((out / "plan.json").read_text())
    for name, kernel in plan["kernels"].items():
        explicit = [a for a in kernels[name][".args"] if not a[".value_kind"].startswith("hidden_")]
        want = [kind for p in kernel["params"] for kind in _param_slots(p)]
        assert [a[".value_kind"] for a in explicit] == want, name
        assert [(a[".offset"], a[".size"]) for a in explicit] == [(8 * i, 8) for i in range(len(want))], name


@needs_readelf
def test_launches_as_packed_for_hip_match_metadata(tiny_bundle):
    """Runs prefill and decode through the shared plan interpreter and model on
    a recording device: every launch passes as many 8-byte slots as the kernel
    has explicit arguments, with the required workgroup size, and every memref
    descriptor it passes points into a live allocation."""
    from tessera.cuda.plan import ROCM_FORMAT, Plan
    from tessera.rocm import load_bundle
    from cuda_fake import memref

    chip, out = tiny_bundle
    kernels, _ = code_object_metadata(out / "kernels.hsaco")
    plan = Plan.load(out, ROCM_FORMAT)
    assert plan.cubin[:4] == b"\x7fELF"  # the code object is the kernel image
    seen = []

    def check(name):
        params = plan.kernels[name].params
        meta = kernels[name]
        explicit = [a for a in meta[".args"] if not a[".value_kind"].startswith("hidden_")]

        def kernel(dev, grid, block, values):
            assert len(values) == len(explicit), name
            assert list(block) == meta[".reqd_workgroup_size"], name
            assert all(0 < g < 2**31 for g in grid), (name, grid)
            pos = 0
            for p in params:
                if p.kind == "memref":
                    memref(dev, values, pos, p.rank, p.dtype)  # raises outside an allocation
                    pos += 3 + 2 * p.rank
                else:
                    pos += 1
            seen.append(name)
        return kernel

    dev = FakeDevice({name: check(name) for name in plan.kernels})
    model = load_bundle(plan, device=dev, max_seq_len=32)
    weights = {}
    for name, spec in model._wanted_weights().items():
        weights[name] = np.zeros(spec.shape, np.uint16 if spec.dtype == "bf16" else np.float32)
    model.load_weights(weights)
    ids = np.array([[1, 2, 3, 4, 5]], np.int64)
    _, state = model.prefill(ids)
    model.decode(np.array([6], np.int64), state)
    assert {n.rsplit("_", 1)[0] for n in seen} >= {"embedding", "rmsnorm", "matmul", "flash_attention",
                                                   "ssd_chunk_scan", "ssd_state_update", "causal_conv1d"}


def test_emit_rocdl_isa_and_restart(tmp_path, capsys):
    code, _, err = run(capsys, "compile", str(DENSE), "--target", "rocm", "--emit", "rocdl",
                       "-o", str(tmp_path / "k.mlir"))
    assert code == 0, err
    rocdl = (tmp_path / "k.mlir").read_text()
    assert '#rocdl.target<O = 3, chip = "gfx942">' in rocdl and "rocdl.mfma.f32.32x32x8bf16.1k" in rocdl
    code, _, err = run(capsys, "compile", str(tmp_path / "k.mlir"), "--target", "rocm", "--emit", "isa",
                       "-o", str(tmp_path / "k.s"))
    assert code == 0, err
    assert "v_mfma_f32_32x32x8_bf16" in (tmp_path / "k.s").read_text()
    code, _, err = run(capsys, "compile", str(DENSE), "--target", "rocm", "--chip", "gfx90a", "--emit", "llvm",
                       "-o", str(tmp_path / "k.ll"))
    assert code == 0, err
    ll = (tmp_path / "k.ll").read_text()
    assert "amdgpu_kernel void @matmul_0" in ll and "@llvm.amdgcn.mfma.f32.32x32x8bf16.1k" in ll


@pytest.mark.parametrize("argv, fragment", [
    (["--chip", "gfx1100"], "unsupported AMD chip 'gfx1100': expected one of gfx90a, gfx942"),
    (["--chip", "sm_90a"], "unsupported AMD chip 'sm_90a': expected one of gfx90a, gfx942"),
    (["--emit", "ptx", "-o", "x"], "--emit ptx: target rocm emits one of graph, tile, rocdl, llvm, isa, hsaco, bundle"),
    (["--emit", "bundle"], "--emit bundle needs -o DIR"),
    (["--emit", "hsaco"], "--emit hsaco needs -o FILE"),
    (["--cpu", "znver3"], "--cpu and --features only apply to --target x86 (rocm takes --chip)"),
    (["-o", "/nonexistent-dir/b", "--weight-dtype", "fp16"], "ROCm bundles take bf16 or fp32 weights, got 'fp16'"),
])
def test_rocm_usage_errors(capsys, argv, fragment):
    code, _, err = run(capsys, "compile", str(DENSE), "--target", "rocm", *argv)
    assert code == 1
    assert_one_line_error(err, fragment)


def test_module_for_another_target_is_refused(tmp_path, capsys):
    code, _, err = run(capsys, "compile", str(DENSE), "--target", "cuda", "--emit", "nvvm",
                       "-o", str(tmp_path / "n.mlir"))
    assert code == 0, err
    code, _, err = run(capsys, "compile", str(tmp_path / "n.mlir"), "--target", "rocm", "--emit", "isa",
                       "-o", str(tmp_path / "k.s"))
    assert code == 1
    assert_one_line_error(err, 'the module\'s target is #tessera.target<"nvidia", chip = "sm_90a">, '
                               'not amd chip gfx942')
