"""The ``tessera`` command line (front door of the pipeline).

    tessera convert --hf SRC --out ART [--dtype bf16|fp32] [--force]
    tessera make-random-checkpoint --config CONFIG --out DIR [--dtype ...] [--seed N]
    tessera compile SOURCE [--target x86 [--cpu NAME] [--features STR]] [--emit graph|tile|target|llvm|obj] [-o FILE]
    tessera compile SOURCE --target cuda [--chip sm_90a] [--emit tile|nvvm|llvm|ptx|cubin|bundle] -o OUT
    tessera compile SOURCE --target rocm [--chip gfx942] [--emit tile|rocdl|llvm|isa|hsaco|bundle] -o OUT
    tessera run ART [--target x86] --input-ids IDS.npy [--dump-logits OUT.npy] [--generate N] [--no-verify]
    tessera run ART --target cuda --bundle DIR --input-ids IDS.npy [...]   (on a GPU machine)
    tessera demo [--config NAME] [--new-tokens N]

One function per subcommand, registered in ``COMMANDS``.  How a command ends
is :mod:`tessera.clierrors`'s: any :class:`~tessera.errors.TesseraError` (or
OS-level I/O error) becomes a single ``error: ...`` line on stderr and exit
code 1 -- never a traceback; argparse usage errors exit 2; a bug says
``internal error: ...`` with the traceback in a log file (exit 70).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

import tessera
from tessera import sources
from tessera.clierrors import EXIT_OK, EXIT_USAGE, run_command
from tessera.errors import TesseraError


# ---------------------------------------------------------------------------- argument types
def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected a positive integer, got 0")
    return value


# ---------------------------------------------------------------------------- convert
def _add_convert(p: argparse.ArgumentParser) -> None:
    p.add_argument("--hf", required=True, metavar="SRC",
                   help="HF checkpoint directory, or a hub repo id (downloaded via the HF cache; honours HF_HUB_OFFLINE)")
    p.add_argument("--out", required=True, metavar="ART", help="artifact directory to create")
    p.add_argument("--dtype", choices=("bf16", "fp32"), default=None,
                   help="storage dtype of the artifact (default: keep the checkpoint's dtype)")
    p.add_argument("--force", action="store_true", help="replace ART if it exists and is not empty")
    p.add_argument("--no-progress", action="store_true", help="never draw a progress bar")


def cmd_convert(args: argparse.Namespace) -> int:
    from tessera.checkpoint.artifact import Artifact
    from tessera.checkpoint.convert import convert_checkpoint

    out = convert_checkpoint(args.hf, args.out, dtype=args.dtype, force=args.force,
                             progress=False if args.no_progress else None)
    art = Artifact.open(out)  # re-read what we wrote: a cheap end-to-end check
    c = art.config
    print(f"wrote {out}: {len(art.names())} tensors, dtype {art.dtype}, "
          f"{c.num_hidden_layers} layers ({c.hybrid_override_pattern})")
    return EXIT_OK


# ---------------------------------------------------------------------------- make-random-checkpoint
def _add_make_random(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True,
                   help="Tessera YAML / HF config.json, or the name of a built-in config (e.g. nemotron_h_tiny)")
    p.add_argument("--out", required=True, metavar="DIR", help="checkpoint directory to create")
    p.add_argument("--dtype", choices=("fp32", "bf16", "fp16"), default="bf16")
    p.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (0 <= N < 2**64)")
    p.add_argument("--shards", type=_positive_int, default=1, help="number of safetensors shards (>1 writes an index)")


def cmd_make_random_checkpoint(args: argparse.Namespace) -> int:
    import os
    import shutil

    from tessera.checkpoint import staging
    from tessera.config import builtin_config_path, load_config
    from tessera.testing import write_hf_checkpoint

    source = Path(args.config)
    if not source.exists() and "/" not in args.config and not source.suffix:
        source = builtin_config_path(args.config)
    config = load_config(source)
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise TesseraError(f"--out {out} exists and is not an empty directory")
    # Written in an owner-recorded staging directory beside OUT and renamed into
    # place (over an empty OUT): a failing run leaves nothing, a killed one leaves
    # OUT.tmp-* that the next run (or conversion) there removes.
    out.parent.mkdir(parents=True, exist_ok=True)
    staging.remove_stale(out.parent)
    tmp = staging.make_staging_dir(out.parent, out.name)
    try:
        write_hf_checkpoint(config, tmp, dtype=args.dtype, seed=args.seed, shards=args.shards)
        staging.release(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private
        try:
            os.replace(tmp, out)  # replaces an empty directory, never a non-empty one
        except OSError as e:
            raise TesseraError(f"--out {out}: cannot move the checkpoint into place: {e.strerror or e}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"wrote random {args.dtype} checkpoint {out} ({config.num_hidden_layers} layers, "
          f"pattern {config.hybrid_override_pattern}, seed {args.seed})")
    return EXIT_OK



# ---------------------------------------------------------------------------- compile
def _add_compile(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="SOURCE",
                   help="artifact directory, config file (YAML / config.json), built-in config name, "
                        "or a .mlir file of any stage (restarts the pipeline there)")
    p.add_argument("--target", default="x86", help="code generation target: x86, cuda or rocm (default: x86)")
    p.add_argument("--cpu", default=None,
                   help="x86: LLVM CPU name to compile for (default: this machine's)")
    p.add_argument("--features", default=None,
                   help="x86: LLVM feature string, e.g. +avx2,+fma (default: this machine's, or "
                        "those of --cpu)")
    p.add_argument("--chip", default=None,
                   help="cuda: NVIDIA chip (default: sm_90a; sm_80, sm_86, sm_89, sm_90, sm_90a); "
                        "rocm: AMD chip (default: gfx942; gfx90a, gfx942)")
    p.add_argument("--emit", choices=("graph", "tile", "target", "llvm", "obj", "nvvm", "ptx", "cubin", "bundle",
                                      "rocdl", "isa", "hsaco"),
                   default=None,
                   help="stop after this stage and write its output (default: obj for x86, bundle for cuda; "
                        "x86: graph|tile|target|llvm|obj, cuda: graph|tile|nvvm|llvm|ptx|cubin|bundle, "
                        "rocm: graph|tile|rocdl|llvm|isa|hsaco|bundle)")
    p.add_argument("--from-stage", choices=("graph", "tile", "target", "llvm", "nvvm", "rocdl"), default=None,
                   help="stage of a .mlir SOURCE (default: guessed from its ops)")
    p.add_argument("--weight-dtype", choices=("fp32", "bf16", "fp16"), default=None,
                   help="storage dtype of the weights (default: the artifact's, else fp32)")
    p.add_argument("-o", "--output", metavar="FILE", default=None,
                   help="output file (default: stdout for IR; required for obj)")
    p.add_argument("--no-verify", action="store_true",
                   help="do not check an artifact's shards against their sha256 (checked once, then remembered)")


COMPILE_SOURCES = ("an artifact directory, a checkpoint directory, a config file (YAML / config.json), "
                   "a built-in config name or a .mlir file")


def _source_module(args):
    """(module, stage) for the compile SOURCE."""
    from tessera.compiler import detect_stage
    from tessera.graph_builder import build_graph
    from tessera.ir import Context
    from tessera.runtime import _resolve

    path = Path(args.source)
    if path.exists() or "/" in args.source or path.suffix:  # else a built-in config name
        sources.check(path, (sources.ARTIFACT, sources.HF_CHECKPOINT, sources.CONFIG_DIR, sources.CONFIG,
                             sources.MLIR), COMPILE_SOURCES)
    if path.suffix == ".mlir":
        try:
            text = path.read_bytes().decode("utf-8")
        except OSError as e:
            raise TesseraError(f"cannot read {path}: {e.strerror}") from None
        except UnicodeDecodeError as e:
            raise TesseraError(f"{path}: not a text .mlir file (byte {e.start} is not UTF-8)") from None
        stage = args.from_stage or ("nvvm" if "gpu.module @tessera_kernels" in text else detect_stage(text))
        return Context().parse(text, str(path)), stage
    if args.from_stage:
        raise TesseraError("--from-stage only applies to a .mlir SOURCE")
    config, art_dtype, art = _resolve(args.source)
    if art is not None and not args.no_verify:
        art.verify()
    dtype = args.weight_dtype or (art_dtype if art_dtype not in (None, "mixed") else "fp32")
    args.model_config, args.model_weight_dtype = config, dtype
    return build_graph(config, weight_dtype=dtype), "graph"


def cmd_compile(args: argparse.Namespace) -> int:
    from tessera._compile_worker import lower_in_worker
    from tessera.compiler import STAGES, write_atomically

    if args.target in ("cuda", "rocm"):
        return _compile_gpu(args)
    if args.target != "x86":
        raise TesseraError(f"unknown target {args.target!r}: expected x86, cuda or rocm")
    if args.chip is not None:
        raise TesseraError("--chip only applies to --target cuda or rocm")
    args.emit = args.emit or "obj"
    if args.emit not in STAGES:
        raise TesseraError(f"--emit {args.emit}: target {args.target} emits one of {', '.join(STAGES)}")
    module, stage = _source_module(args)
    if STAGES.index(args.emit) < STAGES.index(stage):
        raise TesseraError(f"--emit {args.emit}: the source is already at the {stage} stage")
    if args.emit == "obj" and not args.output:
        raise TesseraError("--emit obj needs -o FILE")
    # The stages run in a worker process: a crash in the C++ pipeline is an
    # "internal error" (exit 70) with the IR saved, not the end of this process.
    data = lower_in_worker(module, stage, args.emit, args.target, cpu=args.cpu, features=args.features)
    if args.output:
        write_atomically(Path(args.output), data)
        print(f"wrote {args.output} ({args.emit} stage, target {args.target})", file=sys.stderr)
    else:
        sys.stdout.write(data.decode())
    return EXIT_OK


def _gpu_vendor(target: str) -> dict:
    """What differs between the GPU targets' compile commands: their stages
    (the third is the vendor's kernel dialect, the fourth to sixth are
    binary: LLVM IR, assembly, code object), chips, lowering and bundle."""
    if target == "cuda":
        from tessera import compiler as c

        return dict(stages=c.CUDA_STAGES, default_chip=c.DEFAULT_CHIP, check_chip=c.check_chip,
                    lower=c.lower_cuda, bundle_files=c.cuda_bundle_files,
                    bundle_names="kernels.cubin, kernels.ptx, plan.json", needs_output=("ptx", "cubin", "bundle"))
    from tessera.rocm import compile as r  # compiled and checked here, never run (no AMD GPU)

    return dict(stages=r.ROCM_STAGES, default_chip=r.DEFAULT_CHIP, check_chip=r.check_chip,
                lower=r.lower_rocm, bundle_files=r.rocm_bundle_files,
                bundle_names="kernels.hsaco, kernels.s, plan.json", needs_output=("hsaco", "bundle"))


def _compile_gpu(args: argparse.Namespace) -> int:
    """--target cuda|rocm: the GPU stages (tessera.compiler.lower_cuda,
    tessera.rocm.compile.lower_rocm)."""
    from tessera.compiler import write_atomically, write_directory_atomically

    target, v = args.target, _gpu_vendor(args.target)
    stages = v["stages"]
    if args.cpu is not None or args.features is not None:
        raise TesseraError(f"--cpu and --features only apply to --target x86 ({target} takes --chip)")
    chip = args.chip or v["default_chip"]
    v["check_chip"](chip)
    args.emit = args.emit or "bundle"
    if args.emit not in stages:
        raise TesseraError(f"--emit {args.emit}: target {target} emits one of {', '.join(stages)}")
    if args.emit in v["needs_output"] and not args.output:
        raise TesseraError(f"--emit {args.emit} needs -o {'DIR' if args.emit == 'bundle' else 'FILE'}")
    args.model_config = args.model_weight_dtype = None
    module, stage = _source_module(args)
    config = args.model_config
    if config is not None and "E" in config.hybrid_override_pattern and args.emit not in stages[:2]:
        # Said before lowering (the tile-to-GPU pass would name the first MoE op, in several lines).
        raise TesseraError(f"{args.source}: MoE ('E') layers compile for --target x86 only; target {target} "
                           "has no MoE kernels yet (planned)")
    if stage in ("nvvm", "rocdl"):  # a .mlir with gpu.module @tessera_kernels
        stage = stages[2]
    if stage not in stages[:3]:
        raise TesseraError(f"--target {target}: cannot start from the {stage} stage ({', '.join(stages[:2])} "
                           f"or {stages[2]})")
    if stages.index(args.emit) < stages.index(stage):
        raise TesseraError(f"--emit {args.emit}: the source is already at the {stage} stage")
    result = v["lower"](module, stage, args.emit, chip)
    if args.emit == "bundle":
        files = v["bundle_files"](result.module, args.model_config, args.weight_dtype or args.model_weight_dtype)
        write_directory_atomically(Path(args.output), files)
        print(f"wrote {args.output} ({v['bundle_names']}; chip {chip})", file=sys.stderr)
        return EXIT_OK
    data = result.module if args.emit in stages[3:] else str(result.module).encode()
    if args.output:
        write_atomically(Path(args.output), data)
        print(f"wrote {args.output} ({args.emit} stage, target {target}, chip {chip})", file=sys.stderr)
    else:
        sys.stdout.write(data.decode())
    return EXIT_OK


# ---------------------------------------------------------------------------- run
def _add_run(p: argparse.ArgumentParser) -> None:
    p.add_argument("artifact", metavar="ART", help="converted artifact directory")
    p.add_argument("--target", default="x86")
    p.add_argument("--input-ids", required=True, metavar="IDS.npy", help="int64 token ids [B, S]")
    p.add_argument("--dump-logits", metavar="OUT.npy", default=None,
                   help="write float32 prefill logits [B, S, V], or with --generate the logits of "
                        "each generated step [B, N, V]")
    p.add_argument("--generate", type=int, default=None, metavar="N", help="greedy-generate N tokens")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the compile cache")
    p.add_argument("--no-verify", action="store_true",
                   help="do not check the artifact's shards against their sha256 (checked once, then remembered)")
    p.add_argument("--bundle", metavar="DIR", default=None,
                   help="--target cuda: the bundle from `tessera compile --target cuda` (plan.json, kernels.cubin)")


def cmd_run(args: argparse.Namespace) -> int:
    import io

    import numpy as np

    from tessera.checkpoint.artifact import Artifact
    from tessera.compiler import write_atomically
    from tessera.inputs import load_ids_file

    if args.generate is not None and args.generate < 1:
        raise TesseraError(f"--generate: expected a positive number of tokens, got {args.generate}")
    if args.bundle and args.target != "cuda":
        raise TesseraError("--bundle only applies to --target cuda")
    if args.target == "cuda" and not args.bundle:
        raise TesseraError("--target cuda needs --bundle DIR (made by `tessera compile --target cuda`)")
    bundle = None
    if args.target == "cuda":
        from tessera.cuda import load_bundle

        bundle = load_bundle(args.bundle)
    # (an HF checkpoint: Artifact.open says how to convert it, as the API does)
    sources.check(args.artifact, (sources.ARTIFACT, sources.HF_CHECKPOINT), "an artifact directory (made by `tessera convert`)",
                  {sources.CONFIG: "`tessera run` needs weights: convert a checkpoint (or compile the config)",
                   sources.CONFIG_DIR: "`tessera run` needs weights: convert a checkpoint (or compile the config)"})
    art = Artifact.open(args.artifact)  # before any compile: a missing path or an HF checkpoint is said up front
    ids = load_ids_file(args.input_ids)
    if not args.no_verify:
        art.verify()
    if bundle is not None:
        model = bundle.load(art, verify=False)
    else:
        import warnings

        from tessera.runtime import compile as compile_model  # needs the compiler extension
        from tessera.runtime.cache import CacheWarning

        with warnings.catch_warnings():  # reported once, in the status line below
            warnings.simplefilter("ignore", CacheWarning)
            model = compile_model(art, target=args.target, use_cache=not args.no_cache, verify=False)
        where = f" ({model.cache_path})" if model.cache_path else ""
        print(f"compile cache: {model.cache_status}{where}", file=sys.stderr)
    if args.generate:
        tokens, logits = model.generate(ids, args.generate, return_logits=True)
        answer = (" ".join(" ".join(str(int(t)) for t in row) for row in tokens) if tokens.shape[0] == 1
                  else "\n".join(" ".join(str(int(t)) for t in row) for row in tokens))
    else:
        # All positions only when they are dumped (else the last one).
        logits, _ = model.prefill(ids, all_logits=bool(args.dump_logits))
        answer = (f"prefill: logits {list(logits.shape)}, argmax of the last position: "
                  f"{np.argmax(logits[:, -1], axis=-1).tolist()}")
    if not np.isfinite(logits).all():  # an argmax of NaNs is 0: never print it as an answer
        hint = "the artifact was not verified (--no-verify)" if args.no_verify else "the weights or inputs overflow"
        raise TesseraError(f"the logits contain NaN/Inf ({hint}); no answer printed")
    print(answer)
    if args.dump_logits:
        buf = io.BytesIO()
        np.save(buf, logits.astype(np.float32))
        write_atomically(Path(args.dump_logits), buf.getvalue())
    return EXIT_OK

# ---------------------------------------------------------------------------- demo
def _add_demo(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default="nemotron_h_tiny", help="built-in config name")
    p.add_argument("--new-tokens", type=int, default=8)
    p.add_argument("--workdir", default=None, help="where to write the checkpoint and artifact (default: a temp dir)")


def cmd_demo(args: argparse.Namespace) -> int:
    from tessera.demo import format_report, run_demo

    if args.new_tokens < 1:
        raise TesseraError(f"--new-tokens: expected a positive number, got {args.new_tokens}")
    report = run_demo(args.config, new_tokens=args.new_tokens, workdir=args.workdir)
    print(format_report(report))
    ok = report["prefill_rel_err"] <= 1e-4 and report["tokens_match_reference"]
    return EXIT_OK if ok else 1


# ---------------------------------------------------------------------------- dispatch
#: name -> (help, add_arguments, run).  Keep one entry per subcommand.
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {
    "convert": ("convert a Hugging Face Nemotron-H checkpoint to a Tessera artifact", _add_convert, cmd_convert),
    "make-random-checkpoint": ("write a random HF-format checkpoint for a config (tests, demos)",
                               _add_make_random, cmd_make_random_checkpoint),
    "compile": ("compile a model (or restart from a .mlir stage) and emit any stage", _add_compile, cmd_compile),
    "run": ("run a converted checkpoint: prefill, or greedy generation", _add_run, cmd_run),
    "demo": ("the embedded tiny model end to end on x86, checked against the reference", _add_demo, cmd_demo),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tessera", description="Tessera: an MLIR compiler for Nemotron-H models")
    parser.add_argument("--version", action="version", version=f"tessera {tessera.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (help_text, add_args, run) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_args(p)
        p.set_defaults(_run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (tessera.clierrors: 0 ok, 1 error,
    2 usage, 70 internal error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, usage errors: keep argparse's message and code
        return int(e.code) if isinstance(e.code, int) else EXIT_USAGE
    return run_command(lambda: args._run(args), None if argv is None else list(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
