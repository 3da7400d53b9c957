"""Shared fixtures for the Python frontend tests (run: PYTHONPATH=python pytest test/python).

Puts ``python/`` on sys.path so the tests run from a source checkout without
installing, and provides the small configs every test builds on.
"""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python"))
# Test modules import helpers from this file (`from conftest import ...`); make that
# work under any pytest import mode, not only the default "prepend".
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Tests must never reach the network; snapshot_download is monkeypatched where used.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from tessera.config import MAMBA_FIELDS, builtin_config_path, load_config  # noqa: E402


@pytest.fixture
def tiny_config():
    return load_config(builtin_config_path("nemotron_h_tiny"))


def _shared_candidates() -> list[Path]:
    roots = [Path(os.environ["TESSERA_SHARED_DIR"])] if os.environ.get("TESSERA_SHARED_DIR") else []
    roots += [REPO / "shared", REPO.parent / "shared"]
    # A git worktree (REPO/.git is a file "gitdir: <main>/.git/worktrees/<name>"):
    # the main checkout's neighbour too.
    git = REPO / ".git"
    if git.is_file() and git.read_text().startswith("gitdir:"):
        gitdir = Path(git.read_text().split(":", 1)[1].strip())
        if gitdir.parent.name == "worktrees":
            roots.append(gitdir.parents[2].parent / "shared")
    return roots


def shared_file(relative: str) -> Path:
    """A file of the project's ``shared/`` directory, which CI places beside the
    clone (``../shared``; also ``./shared`` or $TESSERA_SHARED_DIR).  Fails -- never
    skips -- when it is missing, so a check against it cannot pass vacuously."""
    for root in _shared_candidates():
        if (root / relative).is_file():
            return root / relative
    pytest.fail(f"shared/{relative} not found (looked in {', '.join(str(r) for r in _shared_candidates())}; "
                "set TESSERA_SHARED_DIR)")


def listing(path: Path) -> list[str]:
    """Everything under ``path`` (relative), to assert that nothing was written."""
    return sorted(str(p.relative_to(path)) for p in Path(path).rglob("*"))


_TINY = load_config(builtin_config_path("nemotron_h_tiny"))
#: Random tiny configs on which the reference and the compiled model are
#: checked against Hugging Face: name -> (config, batch, prompt length).
PARITY_CONFIGS = {
    # hidden 64, M*M-M-, GQA 4/2, 2 groups, chunk 16; batch 2 x 37 tokens (37 % 16 != 0)
    "tiny": (_TINY, 2, 37),
    # GQA 4/1, 3 groups, chunk 8, K=3, no conv bias, Mamba proj bias + MLP bias; batch 3 x 21
    "gqa4-bias": (_TINY.replace(
        vocab_size=100, hidden_size=48, hybrid_override_pattern="*MM-*M-", num_attention_heads=4,
        num_key_value_heads=1, head_dim=12, intermediate_size=96, mamba_num_heads=6, mamba_head_dim=16,
        ssm_state_size=8, n_groups=3, conv_kernel=3, chunk_size=8, use_conv_bias=False,
        mamba_proj_bias=True, mlp_bias=True), 3, 21),
    # GQA 6/3, 4 groups, chunk 32 with a 45-token prompt (two chunks, second partial)
    "gqa6-3": (_TINY.replace(
        vocab_size=300, hidden_size=96, hybrid_override_pattern="M-*M*-M", num_attention_heads=6,
        num_key_value_heads=3, head_dim=8, intermediate_size=160, mamba_num_heads=12, mamba_head_dim=16,
        ssm_state_size=16, n_groups=4, chunk_size=32), 2, 45),
    # MHA (2/2), 1 group, expand 1, K=2, chunk 4; batch 1 x 10
    "mha-1group": (_TINY.replace(
        vocab_size=64, hidden_size=32, hybrid_override_pattern="MM*-", num_attention_heads=2,
        num_key_value_heads=2, head_dim=16, intermediate_size=64, mamba_num_heads=4, mamba_head_dim=8,
        expand=1, ssm_state_size=4, n_groups=1, conv_kernel=2, chunk_size=4), 1, 10),
    # The family's shape classes, scaled down from real members (same ratios and
    # oddities); compiled on x86 in test_family_parity.py.
    # NVIDIA-Nemotron-Nano-9B-v2 kind: Mamba width 16 x 10 = 160 != expand x hidden
    # (2 x 70; 9B: 128 x 80 = 10240 vs 2 x 4480), hidden not a multiple of 8
    # (4480 = 35 x 128), head_dim not a power of two (80), GQA 5:1 (40/8), FFN 3.5 x
    # hidden, adjacent Mamba layers ("MM").
    "nano9b-kind": (_TINY.replace(
        vocab_size=96, hidden_size=70, hybrid_override_pattern="M-MM*-", num_attention_heads=10,
        num_key_value_heads=2, head_dim=8, intermediate_size=245, mamba_num_heads=16, mamba_head_dim=10,
        ssm_state_size=8, n_groups=2, chunk_size=8), 2, 19),
    # Nemotron-H-4B kind: Mamba width 14 x 8 = 112 != 2 x 48 (4B: 112 x 64 = 7168 vs
    # 2 x 3072), 7 heads per group (4B: 14), GQA 4:1 (32/8), FFN 4 x hidden.
    "h4b-kind": (_TINY.replace(
        vocab_size=128, hidden_size=48, hybrid_override_pattern="M*M-", num_attention_heads=8,
        num_key_value_heads=2, head_dim=6, intermediate_size=192, mamba_num_heads=14, mamba_head_dim=8,
        ssm_state_size=16, n_groups=2, chunk_size=16), 2, 23),
    # Attention + MLP only (no 'M'): the config omits every Mamba field, as HF allows.
    "attention-mlp-only": (load_config(dict(
        {k: v for k, v in _TINY.to_hf_dict().items() if k not in MAMBA_FIELDS},
        vocab_size=80, hidden_size=32, hybrid_override_pattern="*-*-", num_hidden_layers=4,
        num_attention_heads=4, num_key_value_heads=2, head_dim=8, intermediate_size=64)), 2, 13),
    # no attention layer at all (Mamba + MLP), 1 group, chunk 8; batch 3 x 29
    "mamba-mlp-only": (_TINY.replace(
        vocab_size=72, hybrid_override_pattern="M-MM-", mamba_num_heads=4, mamba_head_dim=16,
        n_groups=1, chunk_size=8), 3, 29),
    # MoE (Nemotron 3 Nano kind, 'E' layers among Mamba and attention): latent
    # projection 16 < hidden 40, 8 experts top-3 (one group), routed scale 2.5.
    "moe-latent": (_TINY.replace(
        vocab_size=90, hidden_size=40, hybrid_override_pattern="ME*E", num_attention_heads=4,
        num_key_value_heads=2, head_dim=10, mamba_num_heads=6, mamba_head_dim=8, ssm_state_size=8,
        n_groups=2, chunk_size=8, n_routed_experts=8, num_experts_per_tok=3, moe_intermediate_size=24,
        moe_shared_expert_intermediate_size=56, moe_latent_size=16, routed_scaling_factor=2.5), 2, 17),
    # MoE without latent projection, no weight normalisation, biased shared expert / MLP.
    "moe-nolatent": (_TINY.replace(
        vocab_size=70, hidden_size=24, hybrid_override_pattern="E-ME", mamba_num_heads=4, mamba_head_dim=12,
        ssm_state_size=8, n_groups=1, chunk_size=8, intermediate_size=48, mlp_bias=True, n_routed_experts=6,
        num_experts_per_tok=2, moe_intermediate_size=20, moe_shared_expert_intermediate_size=36,
        norm_topk_prob=False, routed_scaling_factor=1.0), 2, 11),
    # Group-limited routing: 16 experts in 4 groups, 2 groups kept, top-5 (> one group).
    "moe-groups": (_TINY.replace(
        vocab_size=64, hidden_size=32, hybrid_override_pattern="E*E", num_attention_heads=4,
        num_key_value_heads=4, head_dim=8, n_routed_experts=16, num_experts_per_tok=5,
        moe_intermediate_size=12, moe_shared_expert_intermediate_size=32, n_group=4, topk_group=2,
        routed_scaling_factor=1.7), 3, 9),
}
FAMILY_PARITY = ("nano9b-kind", "h4b-kind", "attention-mlp-only")
MOE_PARITY = ("moe-latent", "moe-nolatent", "moe-groups")
