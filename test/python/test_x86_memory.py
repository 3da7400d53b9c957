"""Compiled x86 code's buffers come from Tessera's runtime allocator
(lib/Runtime, include/tessera/Runtime/Runtime.h): a caching arena, so that a
repeated call reuses the memory of the previous one instead of mapping and
faulting in fresh pages for every intermediate (bench/cpu_memory.py measures
the page faults, time and peak RSS; no timing here).

Checked here: repeated prefills reuse memory (the allocator touches nothing
new after the first call, its held memory stays put, the page faults of a
call stay far below one per page of its buffers) and give identical logits,
equal to the numpy reference; two Python threads calling at once; an
allocation that fails -- over a set limit, over what the process may map,
or past the address space -- ends the call with a one-line
RuntimeInputError (or the failed size) and leaves the process usable; and
an object from `--emit obj` links with libtessera_runtime.
"""

import os
import resource
import shutil
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import tessera
from tessera import ir
from tessera.checkpoint import convert_checkpoint
from tessera.config import builtin_config_path, load_config
from tessera.errors import RuntimeInputError
from tessera.reference import ReferenceModel
from tessera.runtime.cpu import memory_stats, release_memory, runtime_library, set_memory_limit
from tessera.testing import write_hf_checkpoint

#: Long enough that every intermediate is larger than glibc's mmap threshold.
SEQ = 1024


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    work = tmp_path_factory.mktemp("memory")
    config = load_config(builtin_config_path("nemotron_h_tiny"))
    ckpt = write_hf_checkpoint(config, work / "ckpt", dtype="fp32", seed=0)
    art = convert_checkpoint(ckpt, work / "art")
    return config, art, work / "cache"


def _ids(config, batch, seq, seed):
    return np.random.default_rng(seed).integers(0, config.vocab_size, (batch, seq)).astype(np.int64)


def _minflt() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def test_repeated_prefill_reuses_memory(tiny):
    config, art, cache = tiny
    model = tessera.compile(art, target="x86", cache_dir=cache, num_threads=1)
    ids = _ids(config, 1, SEQ, 1)
    first, _ = model.prefill(ids)  # touches the arena's pages once
    ref = ReferenceModel.from_artifact(art).prefill(ids)[0][:, -1:]
    assert np.abs(first - ref).max() / np.abs(ref).max() <= 1e-4

    before = memory_stats()
    assert before["caching"] and before["live_bytes"] == 0
    faults = []
    for _ in range(4):
        f = _minflt()
        logits, _ = model.prefill(ids)
        faults.append(_minflt() - f)
        assert np.array_equal(logits, first)  # bit-identical every call
    after = memory_stats()
    calls_allocs = after["allocations"] - before["allocations"]
    assert calls_allocs > 4 * 20, calls_allocs  # the calls did allocate ...
    # ... from memory already touched: the same layout every call.
    assert after["fresh_allocations"] == before["fresh_allocations"]
    assert after["high_water_bytes"] == before["high_water_bytes"]
    assert after["held_bytes"] == before["held_bytes"]
    assert after["live_bytes"] == 0 and after["frees"] - before["frees"] == calls_allocs
    # Held memory is the working set plus best-fit's fragmentation.
    assert after["high_water_bytes"] <= 1.25 * after["peak_live_bytes"] + (1 << 20)
    # A call's buffers span thousands of pages; what still faults (numpy's
    # fresh state and logits) is a small fraction of them.
    pages = after["peak_live_bytes"] // 4096
    assert max(faults) < pages // 4, (faults, pages)


def test_two_threads_share_the_allocator(tiny):
    config, art, cache = tiny
    # Two calls at once, each with a team of two OpenMP threads allocating
    # scratch inside parallel regions.
    model = tessera.compile(art, target="x86", cache_dir=cache, num_threads=2)
    inputs = [_ids(config, 2, SEQ // 2, seed) for seed in (2, 3)]
    expected = [model.prefill(ids)[0] for ids in inputs]
    errors, done = [], []

    def work(k):
        try:
            for _ in range(4):
                logits, _ = model.prefill(inputs[k])
                assert np.array_equal(logits, expected[k])
            done.append(k)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(done) == [0, 1]
    assert memory_stats()["live_bytes"] == 0


def test_over_the_limit_is_a_one_line_error_and_recoverable(tiny):
    config, art, cache = tiny
    model = tessera.compile(art, target="x86", cache_dir=cache)
    ids = _ids(config, 1, SEQ, 4)
    good, _ = model.prefill(ids)
    release_memory()
    assert memory_stats()["held_bytes"] == 0
    set_memory_limit(1 << 20)
    try:
        failed_before = memory_stats()["failed_allocations"]
        with pytest.raises(RuntimeInputError) as e:
            model.prefill(ids)
        msg = str(e.value)
        assert "\n" not in msg
        assert msg.startswith(f"out of memory: prefill on ids of shape [1, {SEQ}] needs a buffer of ")
        assert "over the limit of 1,048,576 bytes set with set_memory_limit" in msg
        stats = memory_stats()
        assert stats["failed_allocations"] == failed_before + 1
        assert stats["live_bytes"] == 0  # the abandoned call's buffers were freed
        with pytest.raises(RuntimeInputError, match="memory limit must be a positive number of bytes"):
            set_memory_limit(-1)
    finally:
        set_memory_limit(None)
    again, _ = model.prefill(ids)
    assert np.array_equal(again, good)


_CHILD = textwrap.dedent("""
    import json, resource, sys
    import numpy as np
    import tessera
    from tessera.errors import RuntimeInputError
    art, cache, out = sys.argv[1:4]
    model = tessera.compile(art, target="x86", cache_dir=cache, num_threads=1)
    small = np.load(out + ".ids.npy")
    big = np.zeros((16, 4096), np.int64)
    # Nothing compiled has run yet: the allocator's address space must come
    # from under this limit, 64 MiB above what the process maps now.
    vm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmSize:"))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (vm * 1024 + (64 << 20), hard))
    try:
        model.prefill(big)
        print("no error")
    except RuntimeInputError as e:
        print("error:", e)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    np.save(out, model.prefill(small)[0])
""")

_DROP = textwrap.dedent("""
    import gc, sys
    import numpy as np
    import tessera
    from tessera.runtime.cpu import memory_stats
    model = tessera.compile(sys.argv[1], target="x86", cache_dir=sys.argv[2])
    model.prefill(np.ones((1, 1024), np.int64))
    held = memory_stats()["held_bytes"]
    del model
    gc.collect()
    print(held > 0, memory_stats()["held_bytes"])
""")


def test_dropping_the_last_model_releases_memory(tiny):
    _, art, cache = tiny
    tessera.compile(art, target="x86", cache_dir=cache)  # fills the cache for the child
    done = subprocess.run([sys.executable, "-c", _DROP, str(art), str(cache)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "0"]


def test_allocation_failure_under_an_address_space_limit(tiny, tmp_path):
    """A buffer the process cannot map (RLIMIT_AS) fails the call with one
    line, not a crash, and the process goes on: its next call is correct."""
    config, art, cache = tiny
    ids = _ids(config, 1, 64, 5)
    np.save(tmp_path / "out.ids.npy", ids)
    model = tessera.compile(art, target="x86", cache_dir=cache)  # fills the cache for the child
    expected, _ = model.prefill(ids)
    done = subprocess.run([sys.executable, "-c", _CHILD, str(art), str(cache), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: out of memory: prefill on ids of shape [16, 4096] needs a buffer of "), done.stdout
    assert lines[0].endswith("more than this machine can provide (the call was abandoned; a state it was "
                             "updating is undefined): pass fewer tokens or sequences")
    assert np.array_equal(np.load(tmp_path / "out.npy"), expected)


_MAIN_C = textwrap.dedent("""
    #include <stdint.h>
    #include <stdio.h>
    #include "tessera/Runtime/Runtime.h"
    typedef struct { float *allocated, *aligned; int64_t offset, size, stride; } memref1d;
    void _mlir_ciface_twice(memref1d *in, memref1d *out);
    int main(int argc, char **argv) {
      float in[5] = {1, 2, 3, 4, 5}, out[5] = {0};
      memref1d a = {in, in, 0, 5, 1}, b = {out, out, 0, 5, 1};
      if (argc > 1) tessera_rt_set_limit(1);  /* nothing can be allocated */
      for (int i = 0; i < 3; ++i) _mlir_ciface_twice(&a, &b);
      tessera_rt_stats s;
      tessera_rt_get_stats(&s);
      printf("%g %g %g %g %g %llu %llu %llu\\n", out[0], out[1], out[2], out[3], out[4],
             (unsigned long long)s.allocations, (unsigned long long)s.fresh_allocations,
             (unsigned long long)s.live_bytes);
      return 0;
    }
""")

_TWICE = """
func.func @twice(%in: memref<?xf32>, %out: memref<?xf32>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %in, %c0 : memref<?xf32>
  %t = memref.alloc(%n) {alignment = 64 : i64} : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %in[%i] : memref<?xf32>
    %y = arith.addf %x, %x : f32
    memref.store %y, %t[%i] : memref<?xf32>
  }
  memref.copy %t, %out : memref<?xf32> to memref<?xf32>
  memref.dealloc %t : memref<?xf32>
  return
}
"""


def _twice_library():
    m = ir.parse(_TWICE)
    m.run_pipeline('builtin.module(tessera-attach-target{kind=x86 features="+avx2,+fma"},tessera-x86-to-llvm)')
    return m.emit_object(opt_level=2)


def test_impossible_buffer_size_fails_the_call(tmp_path):
    """A buffer no x86-64 process can map (2**48 bytes, past the 47-bit user
    address space) comes back from the guarded call as the failed size; the
    library is still usable and correct afterwards."""
    import ctypes

    from tessera._tessera import JitLibrary, call_packed
    from tessera.runtime import _descriptor

    lib = JitLibrary(_twice_library())
    entry = lib.lookup("_mlir_twice")
    x = np.arange(5, dtype=np.float32)
    y = np.zeros(5, np.float32)

    def call(n):
        d = [_descriptor(x), _descriptor(y)]
        d[0].sizes[0] = d[1].sizes[0] = n
        ptrs = (ctypes.c_void_p * 2)(*[ctypes.addressof(v) for v in d])
        args = (ctypes.c_void_p * 2)(ctypes.addressof(ptrs), ctypes.addressof(ptrs) + ctypes.sizeof(ctypes.c_void_p))
        return call_packed(entry, ctypes.addressof(args))

    failed = memory_stats()["failed_allocations"]
    assert call(1 << 46) == 1 << 48  # never touches x or y: the allocation comes first
    stats = memory_stats()
    assert stats["failed_allocations"] == failed + 1 and stats["live_bytes"] == 0
    assert call(5) is None
    assert np.array_equal(y, 2 * x)


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler to link the object")
def test_object_links_with_the_runtime_library(tmp_path):
    """`--emit obj` objects call tessera_rt_*: libtessera_runtime (installed
    beside the extension, with its header) provides them."""
    lib = runtime_library()
    assert os.path.exists(lib), lib
    (tmp_path / "m.o").write_bytes(_twice_library())
    (tmp_path / "main.c").write_text(_MAIN_C)
    libdir = os.path.dirname(lib)
    subprocess.run(["cc", "-o", str(tmp_path / "main"), str(tmp_path / "main.c"), str(tmp_path / "m.o"),
                    f"-I{os.path.join(libdir, 'include')}", f"-L{libdir}", "-ltessera_runtime",
                    f"-Wl,-rpath,{libdir}"], check=True)
    done = subprocess.run([str(tmp_path / "main")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # Three calls, one buffer each: only the first touched new memory.
    assert done.stdout.split() == ["2", "4", "6", "8", "10", "3", "1", "0"]
    # Outside a guarded call an allocation failure cannot be unwound: one
    # line and exit code 1, never a dereference of NULL.
    done = subprocess.run([str(tmp_path / "main"), "limit"], capture_output=True, text=True)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == "error: out of memory: compiled code could not allocate 64 bytes\n"
