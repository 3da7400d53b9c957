"""LLVM optimisation and code generation on several threads
(lib/Target/LLVMCPU emitObject): the LLVM module is split by function,
each part optimised and compiled on its own thread, and the parts' objects
linked into one relocatable object with ``ld.lld -r``.

Checked here: the partitioned object loads in the JIT and computes exactly
(bit for bit) what the serially compiled object computes, both within the
HF tolerance; the same thread count gives the same bytes; the thread count
comes from ``threads=``, else $TESSERA_CODEGEN_THREADS, and a bad value is
a one-line error.
"""

import hashlib

import numpy as np
import pytest

import tessera
from conftest import PARITY_CONFIGS
from tessera import compiler
from tessera.checkpoint import convert_checkpoint
from tessera.cli import main
from tessera.graph_builder import build_graph
from tessera.testing import hf_logits, load_hf_model, write_hf_checkpoint

TOL = 1e-4


def rel(a, b):
    return float(np.abs(np.asarray(a, np.float64) - b).max() / np.abs(b).max())


@pytest.fixture(scope="module")
def llvm_module_text():
    config, _, _ = PARITY_CONFIGS["tiny"]
    module = compiler.lower(build_graph(config), "graph", "llvm").module
    return module.to_string()


def _emit(text, threads):
    from tessera.ir import Context

    timings = {}
    obj = Context().parse(text).emit_object(opt_level=3, threads=threads, timings=timings)
    return obj, timings


def test_partitions_and_determinism(llvm_module_text):
    serial, t1 = _emit(llvm_module_text, 1)
    assert t1["threads"] == 1 and t1["partitions"] == 1
    two, t2 = _emit(llvm_module_text, 2)
    # Two threads: the kernels in two parts, then the entry points in two.
    assert t2["threads"] == 2 and t2["partitions"] == 4
    assert t2["optimize_codegen_cpu_s"] > 0 and t2["link_s"] > 0
    again, _ = _emit(llvm_module_text, 2)
    assert hashlib.sha256(two).digest() == hashlib.sha256(again).digest()
    assert two != serial and two[:4] == b"\x7fELF"
    from tessera.runtime.cache import check_elf_object

    assert check_elf_object(two) is None


def test_env_sets_threads(llvm_module_text, monkeypatch):
    monkeypatch.setenv("TESSERA_CODEGEN_THREADS", "3")
    _, t = _emit(llvm_module_text, 0)
    assert t["threads"] == 3 and t["partitions"] > 1
    monkeypatch.setenv("TESSERA_CODEGEN_THREADS", "1")
    _, t = _emit(llvm_module_text, 0)
    assert t["partitions"] == 1


@pytest.mark.parametrize("value", ["0", "two", "-1", ""])
def test_bad_env_is_one_line_error(tmp_path, monkeypatch, capsys, value):
    monkeypatch.setenv("TESSERA_CODEGEN_THREADS", value)
    out = tmp_path / "m.o"
    assert main(["compile", "nemotron_h_tiny", "--emit", "obj", "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: code generation failed: TESSERA_CODEGEN_THREADS must be a positive integer, got '{value}'"]
    assert not out.exists()


def test_parallel_object_matches_serial_and_hf(tmp_path, monkeypatch):
    config, batch, seq = PARITY_CONFIGS["tiny"]
    ckpt = write_hf_checkpoint(config, tmp_path / "ckpt", seed=3)
    art = convert_checkpoint(ckpt, tmp_path / "art")
    ids = np.random.default_rng(4).integers(0, config.vocab_size, (batch, seq)).astype(np.int64)
    results = {}
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("TESSERA_CODEGEN_THREADS", threads)
        model = tessera.compile(art, target="x86", use_cache=False)
        logits, state = model.prefill(ids, all_logits=True)
        token = np.argmax(logits[:, -1], axis=-1)
        step, _ = model.decode(token, state)
        results[threads] = (logits, token, step)
    serial = results["1"]
    for threads in ("2", "3"):
        for a, b in zip(results[threads], serial):
            np.testing.assert_array_equal(a, b)
    hf = load_hf_model(ckpt)
    assert rel(serial[0], hf_logits(hf, ids)) <= TOL
    seqs = np.concatenate([ids, serial[1][:, None]], axis=1)
    assert rel(serial[2], hf_logits(hf, seqs)[:, -1]) <= TOL
