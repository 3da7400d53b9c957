"""The ``tessera`` command line (front door of the pipeline).

    tessera convert --hf SRC --out ART [--dtype bf16|fp32] [--force]
    tessera make-random-checkpoint --config CONFIG --out DIR [--dtype ...] [--seed N]

One function per subcommand, registered in ``COMMANDS`` (``compile`` and
``run`` are added there later).  Any :class:`~tessera.errors.TesseraError` (or
OS-level I/O error) becomes a single ``error: ...`` line on stderr and exit
code 2 -- never a traceback; argparse usage errors also exit 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

import tessera
from tessera.errors import TesseraError

EXIT_OK = 0
EXIT_ERROR = 2


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
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--shards", type=int, default=1, help="number of safetensors shards (>1 writes an index)")


def cmd_make_random_checkpoint(args: argparse.Namespace) -> int:
    from tessera.config import builtin_config_path, load_config
    from tessera.testing import write_hf_checkpoint

    source = Path(args.config)
    if not source.exists() and "/" not in args.config and not source.suffix:
        source = builtin_config_path(args.config)
    config = load_config(source)
    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise TesseraError(f"--out {out} exists and is not an empty directory")
    write_hf_checkpoint(config, out, dtype=args.dtype, seed=args.seed, shards=args.shards)
    print(f"wrote random {args.dtype} checkpoint {out} ({config.num_hidden_layers} layers, "
          f"pattern {config.hybrid_override_pattern}, seed {args.seed})")
    return EXIT_OK


# ---------------------------------------------------------------------------- dispatch
#: name -> (help, add_arguments, run).  Keep one entry per subcommand.
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {
    "convert": ("convert a Hugging Face Nemotron-H checkpoint to a Tessera artifact", _add_convert, cmd_convert),
    "make-random-checkpoint": ("write a random HF-format checkpoint for a config (tests, demos)",
                               _add_make_random, cmd_make_random_checkpoint),
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
    """Run the CLI; returns the exit code (argparse usage errors also return 2)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, usage errors: keep argparse's message and code
        return int(e.code) if isinstance(e.code, int) else EXIT_ERROR
    try:
        return args._run(args)
    except TesseraError as e:
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as e:  # disk full, permission denied, ...: user-facing, not a bug
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
