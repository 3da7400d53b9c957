"""Typed builders for Graph-IR ops (the first stage of the Tessera pipeline).

:class:`GraphBuilder` wraps the extension's generic ``Builder`` with one method
per ``graph`` op. Each method takes the op's operands by name (``None`` for an
absent optional operand), works out the result types from the operand shapes
the same way the op's verifier checks them, and returns the result values.
The verifier still has the last word: ``finish()`` verifies the module and
raises :class:`tessera.errors.MLIRError` naming any broken rule.

    b = GraphBuilder()
    (ids,) = b.function("f", ["tensor<?x?xi64>"], ["tensor<?x?x64xf32>"])
    table = b.weight("embedding", [256, 64])
    b.ret([b.embedding(table, ids)])
    module = b.finish()
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional, Sequence

from tessera._tessera import Builder, Context, Module, Value

Dim = Optional[int]  # None is a dynamic dimension ('?')


@dataclass(frozen=True)
class Attr:
    """An attribute given as MLIR text, e.g. ``Attr("0x7FF0000000000000 : f64")``."""

    mlir_text: str


def f64(value: float) -> float:
    """An f64 attribute value (Python floats become f64 attributes, inf included)."""
    return float(value)


def tensor_type(shape: Sequence[Dim], dtype: str = "f32") -> str:
    """``tensor_type([None, 4], "f32") == "tensor<?x4xf32>"``."""
    dims = "".join(("?" if d is None else str(int(d))) + "x" for d in shape)
    return f"tensor<{dims}{dtype}>"


_TENSOR_RE = re.compile(r"^tensor<((?:(?:\?|\d+)x)*)([a-z0-9]+)>$")


def parse_tensor_type(text: str) -> tuple[list[Dim], str]:
    """Inverse of :func:`tensor_type` for ranked tensors."""
    m = _TENSOR_RE.match(text)
    if not m:
        raise ValueError(f"not a ranked tensor type: {text}")
    dims = [None if d == "?" else int(d) for d in m.group(1).split("x")[:-1]]
    return dims, m.group(2)


def shape_of(v: Value) -> list[Dim]:
    return parse_tensor_type(v.type)[0]


def _add(a: Dim, b: Dim) -> Dim:
    return None if a is None or b is None else a + b


class GraphBuilder:
    """Builds a module of Graph-IR functions op by op."""

    def __init__(self, context: Context | None = None, act_dtype: str = "f32"):
        self.context = context or Context()
        self.act_dtype = act_dtype
        self._b = Builder(self.context)

    # -- structure -------------------------------------------------------
    def function(self, name: str, arg_types: Sequence[str], result_types: Sequence[str],
                 arg_attrs: Sequence[dict | None] | None = None,
                 result_attrs: Sequence[dict | None] | None = None) -> list[Value]:
        """Opens a function; ``arg_attrs``/``result_attrs`` give an attribute
        dict (or None) per argument/result, e.g. the runtime ABI markers
        ``tessera.name``, ``tessera.state``, ``tessera.aliasing_output``."""
        return self._b.function(name, list(arg_types), list(result_types),
                                None if arg_attrs is None else list(arg_attrs),
                                None if result_attrs is None else list(result_attrs))

    def ret(self, values: Sequence[Value]) -> None:
        self._b.ret(list(values))

    def finish(self, verify: bool = True) -> Module:
        return self._b.finish(verify)

    def _op(self, name, operands, result_types, attrs=None, segments=None, loc=""):
        return self._b.create(name, list(operands), list(result_types), attrs or {}, segments, loc)

    def _act(self, shape: Sequence[Dim]) -> str:
        return tensor_type(shape, self.act_dtype)

    @staticmethod
    def _segments(*groups) -> list[int]:
        return [0 if g is None else 1 for g in groups]

    # -- ops -------------------------------------------------------------
    def weight(self, name: str, shape: Sequence[int], dtype: str = "f32") -> Value:
        (v,) = self._op("graph.weight", [], [tensor_type(shape, dtype)], {"name": name}, loc=name)
        return v

    def embedding(self, table: Value, ids: Value) -> Value:
        hidden = shape_of(table)[1]
        (v,) = self._op("graph.embedding", [table, ids], [self._act(shape_of(ids) + [hidden])])
        return v

    def rmsnorm(self, x: Value, weight: Value, epsilon: float) -> Value:
        (v,) = self._op("graph.rmsnorm", [x, weight], [x.type], {"epsilon": f64(epsilon)})
        return v

    def linear(self, x: Value, weight: Value, bias: Value | None = None) -> Value:
        shape = shape_of(x)[:-1] + [shape_of(weight)[0]]
        operands = [x, weight] + ([bias] if bias is not None else [])
        (v,) = self._op("graph.linear", operands, [self._act(shape)])
        return v

    def residual_add(self, lhs: Value, rhs: Value) -> Value:
        (v,) = self._op("graph.residual_add", [lhs, rhs], [lhs.type])
        return v

    def gated_rmsnorm(self, y: Value, z: Value, weight: Value, epsilon: float, group_size: int) -> Value:
        attrs = {"epsilon": f64(epsilon), "group_size": int(group_size)}
        (v,) = self._op("graph.gated_rmsnorm", [y, z, weight], [y.type], attrs)
        return v

    def causal_conv1d(self, x: Value, weight: Value, bias: Value | None = None,
                      init_state: Value | None = None, silu: bool = True) -> tuple[Value, Value]:
        b, _, c = shape_of(x)
        k = shape_of(weight)[1]
        state = self._act([b, c, None if k is None else k - 1])
        y, s = self._op("graph.causal_conv1d", [x, weight, bias, init_state], [x.type, state],
                        {"silu": silu}, [1, 1] + self._segments(bias, init_state))
        return y, s

    def ssd_scan(self, x: Value, dt: Value, dt_bias: Value, A_log: Value, B: Value, C: Value,
                 D: Value, init_state: Value | None = None, *, chunk_size: int,
                 dt_min: float = 0.0, dt_max: float = math.inf) -> tuple[Value, Value]:
        b, _, h, p = shape_of(x)
        n = shape_of(B)[3]
        attrs = {"chunk_size": int(chunk_size), "dt_min": f64(dt_min), "dt_max": f64(dt_max)}
        operands = [x, dt, dt_bias, A_log, B, C, D] + ([init_state] if init_state is not None else [])
        y, s = self._op("graph.ssd_scan", operands, [x.type, tensor_type([b, h, p, n], "f32")], attrs)
        return y, s

    def mamba2_mixer(self, x: Value, *, in_proj: Value, conv_weight: Value, dt_bias: Value,
                     A_log: Value, D: Value, norm_weight: Value, out_proj: Value,
                     in_proj_bias: Value | None = None, conv_bias: Value | None = None,
                     out_proj_bias: Value | None = None, conv_state: Value | None = None,
                     ssm_state: Value | None = None, num_heads: int, head_dim: int,
                     n_groups: int, state_size: int, chunk_size: int, epsilon: float,
                     dt_min: float = 0.0, dt_max: float = math.inf) -> tuple[Value, Value, Value]:
        b = shape_of(x)[0]
        conv_dim, k = shape_of(conv_weight)
        operands = [x, in_proj, in_proj_bias, conv_weight, conv_bias, dt_bias, A_log, D,
                    norm_weight, out_proj, out_proj_bias, conv_state, ssm_state]
        segments = [1 if o is not None else 0 for o in operands]
        attrs = {"num_heads": num_heads, "head_dim": head_dim, "n_groups": n_groups,
                 "state_size": state_size, "chunk_size": chunk_size, "epsilon": f64(epsilon),
                 "dt_min": f64(dt_min), "dt_max": f64(dt_max)}
        results = [x.type, tensor_type([b, conv_dim, k - 1], "f32"),
                   tensor_type([b, num_heads, head_dim, state_size], "f32")]
        y, cs, ss = self._op("graph.mamba2_mixer", operands, results, attrs, segments)
        return y, cs, ss

    def attention(self, q: Value, k: Value, v: Value, *, scale: float, causal: bool = True) -> Value:
        (o,) = self._op("graph.attention", [q, k, v], [q.type], {"causal": causal, "scale": f64(scale)})
        return o

    def self_attention(self, x: Value, *, q_proj: Value, k_proj: Value, v_proj: Value,
                       o_proj: Value, q_bias: Value | None = None, k_bias: Value | None = None,
                       v_bias: Value | None = None, o_bias: Value | None = None,
                       k_cache: Value | None = None, v_cache: Value | None = None,
                       position: Value | None = None,
                       num_heads: int, num_kv_heads: int, head_dim: int,
                       causal: bool = True) -> tuple[Value, Value, Value]:
        """Caches are [B, capacity, kv_heads, head_dim]; ``position``
        (tensor<1xi64>) is the number of tokens they already hold."""
        b, s, _ = shape_of(x)
        cache = k_cache.type if k_cache is not None else \
            tensor_type([b, s, num_kv_heads, head_dim], "f32")
        operands = [x, q_proj, q_bias, k_proj, k_bias, v_proj, v_bias, o_proj, o_bias,
                    k_cache, v_cache, position]
        segments = [1 if o is not None else 0 for o in operands]
        attrs = {"causal": causal, "num_heads": num_heads, "num_kv_heads": num_kv_heads,
                 "head_dim": head_dim}
        y, kc, vc = self._op("graph.self_attention", operands, [x.type, cache, cache], attrs, segments)
        return y, kc, vc

    def mlp(self, x: Value, *, up_proj: Value, down_proj: Value, up_bias: Value | None = None,
            down_bias: Value | None = None, activation: str = "relu2") -> Value:
        operands = [x, up_proj, up_bias, down_proj, down_bias]
        segments = [1 if o is not None else 0 for o in operands]
        (v,) = self._op("graph.mlp", operands, [x.type], {"activation": activation}, segments)
        return v

    def moe(self, x: Value, *, router: Value, router_bias: Value, experts_up: Value, experts_down: Value,
            shared_up: Value, shared_down: Value, shared_up_bias: Value | None = None,
            shared_down_bias: Value | None = None, latent_fc1: Value | None = None,
            latent_fc1_bias: Value | None = None, latent_fc2: Value | None = None,
            latent_fc2_bias: Value | None = None, top_k: int, n_group: int = 1, topk_group: int = 1,
            norm_topk_prob: bool = True, routed_scaling_factor: float = 1.0) -> Value:
        operands = [x, router, router_bias, experts_up, experts_down, shared_up, shared_down, shared_up_bias,
                    shared_down_bias, latent_fc1, latent_fc1_bias, latent_fc2, latent_fc2_bias]
        segments = [1 if o is not None else 0 for o in operands]
        attrs = {"top_k": int(top_k), "n_group": int(n_group), "topk_group": int(topk_group),
                 # (a Python bool would be a unit attribute)
                 "norm_topk_prob": Attr("true" if norm_topk_prob else "false"), "routed_scaling_factor": f64(routed_scaling_factor)}
        (v,) = self._op("graph.moe", operands, [x.type], attrs, segments)
        return v

    def lm_head(self, x: Value, weight: Value, *, last_position: bool = False) -> Value:
        """Logits of every position, or of the last one only ([..., 1, V])."""
        shape = shape_of(x)[:-1] + [shape_of(weight)[0]]
        if last_position:
            shape[-2] = 1
        attrs = {"last_position": True} if last_position else {}
        (v,) = self._op("graph.lm_head", [x, weight], [tensor_type(shape, "f32")], attrs)
        return v
