"""Deeply nested IR through the compile API (issue 9): the extension refuses
input nested deeper than its limit with an MLIRError and parses and runs
pipelines on a large stack of its own, so neither a hostile .mlir file nor a
Python thread with a small stack can overflow the stack and kill Python."""

import subprocess
import sys
import threading

import pytest

from tessera import ir
from tessera.errors import MLIRError

LIMIT = 1000  # tessera/Support/NestingDepth.h: kMaxNestingDepth


def regions(n: int) -> str:
    return ("func.func @f() {\n" + "scf.execute_region {\n" * n + "scf.yield\n}\n" * n
            + "return\n}\n")


@pytest.mark.parametrize("text, depth", [
    ("module {" * 4000 + "}" * 4000, 4000),
    (regions(5000), 5001),
    ("func.func private @f() -> " + "tuple<" * 20000 + ">" * 20000, 20000),
    ("func.func private @f() attributes {a = " + "[" * 100000 + "]" * 100000 + "}", 100001),
])
def test_deep_nesting_is_an_error(text, depth):
    with pytest.raises(MLIRError, match=rf"input nests {depth} levels deep \(limit {LIMIT}\)"):
        ir.parse(text, "deep.mlir")


def test_deep_type_text_in_the_builder():
    from tessera.ir.graph import GraphBuilder
    b = GraphBuilder()
    with pytest.raises(MLIRError, match="input nests 5000 levels deep"):
        b.function("f", ["tuple<" * 5000 + ">" * 5000], [])


def test_deep_types_from_a_small_stack_thread():
    # Types and attributes given to the builder are parsed on a large stack
    # too when they nest deeply.
    from tessera.ir.graph import GraphBuilder
    result = {}

    def work():
        try:
            b = GraphBuilder()
            b.function("f", ["tuple<" * 990 + ">" * 990], [])
            b.ret([])
            result["text"] = str(b.finish(verify=False))
        except Exception as e:
            result["error"] = e

    old = threading.stack_size(256 * 1024)
    try:
        t = threading.Thread(target=work)
        t.start()
        t.join()
    finally:
        threading.stack_size(old)
    assert "error" not in result, result.get("error")
    assert result["text"].count("tuple<") == 990


def test_limit_depth_parses_and_lowers_from_a_small_stack_thread():
    # 998 regions + the function + the printed module = the limit. A thread
    # with a 256 KiB stack could not parse this itself; the extension parses
    # and runs passes on its own stack.
    result = {}

    def work():
        try:
            m = ir.parse(regions(LIMIT - 2))
            m.run_pipeline("builtin.module(cse)")
            result["ops"] = sum(o.name == "scf.execute_region" for o in ir.parse(str(m)).walk())
        except Exception as e:  # reported below, in the main thread
            result["error"] = e

    old = threading.stack_size(256 * 1024)
    try:
        t = threading.Thread(target=work)
        t.start()
        t.join()
    finally:
        threading.stack_size(old)
    assert "error" not in result, result.get("error")
    assert result["ops"] == 0  # cse erased the side-effect-free regions, at every depth


def test_tessera_compile_deep_mlir_is_a_one_line_error(tmp_path):
    src = tmp_path / "deep.mlir"
    src.write_text("module {" * 4000 + "}" * 4000)
    p = subprocess.run([sys.executable, "-m", "tessera", "compile", str(src), "--from-stage", "graph",
                        "--emit", "llvm", "-o", str(tmp_path / "out.ll")], capture_output=True, text=True)
    assert p.returncode == 1, p.stderr
    assert "input nests 4000 levels deep (limit 1000)" in p.stderr
    assert "Traceback" not in p.stderr
    assert not (tmp_path / "out.ll").exists()

