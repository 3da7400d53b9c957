"""The Python bindings (tessera._tessera via tessera.ir): parse, print, verify,
walk, build every Graph-IR op, run pipelines, translate to LLVM IR, and turn
every MLIR failure into an MLIRError instead of a crash."""

import math

import pytest

from tessera import ir
from tessera.errors import MLIRError, TesseraError
from tessera.ir.graph import GraphBuilder, parse_tensor_type, tensor_type

F = "f32"


def test_parse_print_roundtrip_and_walk():
    text = """
    func.func @f(%x: tensor<2x3x8xf32>, %w: tensor<8xf32>) -> tensor<2x3x8xf32> {
      %y = graph.rmsnorm %x, %w {epsilon = 1.0e-05 : f64}
          : (tensor<2x3x8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
      return %y : tensor<2x3x8xf32>
    }"""
    m = ir.parse(text)
    again = ir.parse(str(m))
    assert str(again) == str(m)
    ops = {o.name: o for o in m.walk()}
    assert set(ops) == {"builtin.module", "func.func", "graph.rmsnorm", "func.return"}
    norm = ops["graph.rmsnorm"]
    assert norm.attributes == {"epsilon": pytest.approx(1e-5)}
    assert norm.operand_types == ["tensor<2x3x8xf32>", "tensor<8xf32>"]
    assert norm.result_types == ["tensor<2x3x8xf32>"]
    assert norm.parent == "func.func"
    assert '"graph.rmsnorm"' in m.to_string(generic=True)


@pytest.mark.parametrize(
    "text, message",
    [
        ("func.func @f( {", "expected"),
        ("%0 = graph.nonexistent : tensor<4xf32>", "graph.nonexistent"),
        ('func.func @f() { %0 = graph.weight "" : tensor<4xf32> return }', "weight name must not be empty"),
        (
            "func.func @f(%a: tensor<4xf32>) { %0 = graph.rmsnorm %a, %a {epsilon = 1.0 : f64}"
            " : (tensor<4xf32>, tensor<4xf32>) -> tensor<5xf32> return }",
            "result type must equal the input type",
        ),
    ],
)
def test_malformed_ir_raises_mlir_error(text, message):
    with pytest.raises(MLIRError) as info:
        ir.parse(text, "bad.mlir")
    assert message in str(info.value)
    assert "bad.mlir" in str(info.value)
    assert isinstance(info.value, TesseraError)


def test_verify_reports_verifier_message():
    # Parsing with a verifier error fails already; build the bad op unverified.
    b = GraphBuilder()
    (x,) = b.function("f", [tensor_type([2, 4, 8])], [tensor_type([2, 4, 8])])
    w = b.weight("w", [9])  # wrong size for the last dim (8)
    y = b.rmsnorm(x, w, 1e-5)
    b.ret([y])
    m = b.finish(verify=False)
    with pytest.raises(MLIRError, match=r"weight size: expected 8, got 9"):
        m.verify()


def _build_every_op():
    """A function using every Graph-IR op, with optional operands present."""
    B, S, H, V = 2, 5, 32, 64
    nh, hd, G, N, K = 4, 16, 2, 8, 4
    d_inner = nh * hd
    conv_dim = d_inner + 2 * G * N
    b = GraphBuilder()
    ids, conv_s, ssm_s, kc, vc, pos = b.function(
        "every_op",
        [tensor_type([B, S], "i64"), tensor_type([B, conv_dim, K - 1]), tensor_type([B, nh, hd, N]),
         tensor_type([B, 8, 2, 8]), tensor_type([B, 8, 2, 8]), tensor_type([1], "i64")],
        [tensor_type([B, S, V])],
        arg_attrs=[{"tessera.name": "ids"}, None, None, None, None, {"tessera.name": "position"}],
        result_attrs=[{"tessera.name": "logits"}],
    )
    emb = b.embedding(b.weight("embedding", [V, H]), ids)
    x = b.rmsnorm(emb, b.weight("norm", [H]), 1e-5)
    lin = b.linear(x, b.weight("lin", [H, H]), b.weight("lin_b", [H]))
    # Mamba2 parts, stand-alone.
    xbc, _ = b.causal_conv1d(b.linear(x, b.weight("to_c", [conv_dim, H])), b.weight("cw", [conv_dim, K]),
                             b.weight("cb", [conv_dim]), conv_s)
    xs = b.linear(x, b.weight("to_x", [nh * hd, H]))
    x4 = b._op("graph.weight", [], [tensor_type([B, S, nh, hd])], {"name": "x4"})[0]
    dt = b._op("graph.weight", [], [tensor_type([B, S, nh])], {"name": "dt"})[0]
    bc = b._op("graph.weight", [], [tensor_type([B, S, G, N])], {"name": "bc"})[0]
    y4, _ = b.ssd_scan(x4, dt, b.weight("dtb", [nh]), b.weight("alog", [nh]), bc, bc, b.weight("d", [nh]),
                       ssm_s, chunk_size=4, dt_min=0.0, dt_max=math.inf)
    g = b.gated_rmsnorm(xs, xs, b.weight("gn", [d_inner]), 1e-5, d_inner // G)
    # Whole blocks.
    m, _, _ = b.mamba2_mixer(
        lin, in_proj=b.weight("in", [2 * d_inner + 2 * G * N + nh, H]), in_proj_bias=b.weight("inb", [2 * d_inner + 2 * G * N + nh]),
        conv_weight=b.weight("cw2", [conv_dim, K]), conv_bias=b.weight("cb2", [conv_dim]),
        dt_bias=b.weight("dtb2", [nh]), A_log=b.weight("al2", [nh]), D=b.weight("d2", [nh]),
        norm_weight=b.weight("nw2", [d_inner]), out_proj=b.weight("out", [H, d_inner]),
        out_proj_bias=b.weight("outb", [H]), conv_state=conv_s, ssm_state=ssm_s,
        num_heads=nh, head_dim=hd, n_groups=G, state_size=N, chunk_size=4, epsilon=1e-5)
    a, newk, _ = b.self_attention(
        m, q_proj=b.weight("q", [32, H]), k_proj=b.weight("k", [16, H]), v_proj=b.weight("v", [16, H]),
        o_proj=b.weight("o", [H, 32]), q_bias=b.weight("qb", [32]), k_bias=b.weight("kb", [16]),
        v_bias=b.weight("vb", [16]), o_bias=b.weight("ob", [H]), k_cache=kc, v_cache=vc,
        position=pos, num_heads=4, num_kv_heads=2, head_dim=8)
    assert parse_tensor_type(newk.type)[0] == [B, 8, 2, 8]  # [B, capacity, kv_heads, head_dim]
    q = b._op("graph.weight", [], [tensor_type([B, S, 4, 8])], {"name": "q4"})[0]
    kv = b._op("graph.weight", [], [tensor_type([B, S, 2, 8])], {"name": "kv4"})[0]
    att = b.attention(q, kv, kv, scale=0.125, causal=True)
    mlp = b.mlp(a, up_proj=b.weight("up", [64, H]), down_proj=b.weight("down", [H, 64]),
                up_bias=b.weight("upb", [64]), down_bias=b.weight("downb", [H]))
    h = b.residual_add(mlp, emb)
    logits = b.lm_head(h, b.weight("lm_head", [V, H]))
    b.ret([logits])
    return b.finish(verify=True), {y4.type, g.type, att.type, xbc.type}


def test_build_every_graph_op_and_roundtrip():
    m, _ = _build_every_op()
    names = {o.name for o in m.walk()}
    expected = {f"graph.{n}" for n in (
        "weight", "embedding", "rmsnorm", "linear", "residual_add", "gated_rmsnorm", "causal_conv1d",
        "ssd_scan", "mamba2_mixer", "attention", "self_attention", "mlp", "lm_head")}
    assert expected <= names
    # What the builder printed parses back to the same text.
    assert str(ir.parse(str(m))) == str(m)
    mixer = next(o for o in m.walk() if o.name == "graph.mamba2_mixer")
    assert mixer.attributes["num_heads"] == 4
    assert mixer.attributes["dt_max"] == math.inf
    assert mixer.attributes["operandSegmentSizes"] == [1] * 13


def test_builder_errors_are_exceptions():
    b = GraphBuilder()
    with pytest.raises(MLIRError, match="no open function"):
        b.weight("w", [4])
    b.function("f", [], [])
    with pytest.raises(MLIRError, match="invalid type 'tensor<4xfloat>'"):
        b._op("graph.weight", [], ["tensor<4xfloat>"], {"name": "w"})
    with pytest.raises(MLIRError, match="unknown operation 'graph.nope'"):
        b._op("graph.nope", [], [])
    with pytest.raises(MLIRError, match="still open"):
        b.finish()


def test_function_attribute_errors_leave_no_open_function():
    b = GraphBuilder()
    with pytest.raises(MLIRError, match="arg_attrs: expected 1 entries, got 2"):
        b.function("f", [tensor_type([4])], [], arg_attrs=[None, None])
    with pytest.raises(MLIRError, match="result_attrs: entry 0 must be a dict or None"):
        b.function("f", [], [tensor_type([4])], result_attrs=["logits"])
    (x,) = b.function("f", [tensor_type([4])], [tensor_type([4])], arg_attrs=[{"tessera.name": "x"}])
    b.ret([x])
    (op,) = [o for o in b.finish().walk() if o.name == "func.func"]
    assert op.attributes["arg_attrs"] == [{"tessera.name": "x"}]


def test_value_from_another_builder_is_rejected():
    a, b = GraphBuilder(), GraphBuilder()
    (x,) = a.function("f", [tensor_type([4])], [tensor_type([4])])
    b.function("g", [], [])
    with pytest.raises(MLIRError, match="value belongs to another builder"):
        b.residual_add(x, x)


def test_run_pipeline_and_translate_to_llvm_ir():
    m = ir.parse("""
    func.func @add(%a: i32, %b: i32) -> i32 {
      %c = arith.addi %a, %b : i32
      return %c : i32
    }""")
    m.run_pipeline("convert-arith-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts")
    assert "llvm.func @add" in str(m)
    llvm_ir = m.translate_to_llvm_ir()
    assert "define i32 @add(i32 %0, i32 %1)" in llvm_ir
    assert "add i32 %0, %1" in llvm_ir


def test_bad_pipeline_and_failing_pass_raise():
    m = ir.parse("module {}")
    with pytest.raises(MLIRError, match="does not refer to a registered pass"):
        m.run_pipeline("no-such-pass")
    foreign = ir.parse("func.func @f(%a: i32) -> i32 { %c = arith.addi %a, %a : i32 return %c : i32 }")
    with pytest.raises(MLIRError, match="'arith.addi' is not part of Graph-IR"):
        foreign.run_pipeline("tessera-verify-graph-stage")


def test_translate_non_llvm_module_fails_cleanly():
    m = ir.parse("func.func @f() { return }")
    with pytest.raises(MLIRError, match="translation to LLVM IR failed"):
        m.translate_to_llvm_ir()


def test_emit_object_and_run_in_process():
    import ctypes

    from tessera._tessera import JitLibrary, host_cpu

    m = ir.parse("""
    func.func @axpy_exp(%a: f32, %x: f32, %y: f32) -> f32 {
      %p = arith.mulf %a, %x : f32
      %s = arith.addf %p, %y : f32
      %e = math.exp %s : f32
      return %e : f32
    }""")
    m.run_pipeline("convert-math-to-llvm,convert-math-to-libm,convert-arith-to-llvm,"
                   "convert-func-to-llvm,reconcile-unrealized-casts")
    obj = m.emit_object(opt_level=2)
    assert obj[:4] == b"\x7fELF"
    assert host_cpu()
    lib = JitLibrary(obj)
    fn = ctypes.CFUNCTYPE(ctypes.c_float, ctypes.c_float, ctypes.c_float, ctypes.c_float)(lib.lookup("axpy_exp"))
    assert fn(2.0, 0.25, -0.75) == pytest.approx(math.exp(-0.25), rel=1e-6)
    with pytest.raises(MLIRError, match="symbol 'missing' not found"):
        lib.lookup("missing")
    with pytest.raises(MLIRError, match="could not load the object file"):
        JitLibrary(b"not an object file")
