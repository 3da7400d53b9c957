"""Tessera's user-facing error types.

Every stage of the pipeline (config loading -> checkpoint conversion -> artifact
reading -> compile/run) reports bad *input* through one of these classes.  The
CLI turns any ``TesseraError`` into a one-line ``error: ...`` message and exit
code 1; anything else escaping is a bug: ``internal error: ...``, exit 70,
the traceback in a log file (tessera.clierrors).
"""


class TesseraError(Exception):
    """Base class: a problem with user input (config, checkpoint, artifact)."""


class ConfigError(TesseraError, ValueError):
    """A model config is malformed or inconsistent (names the offending field)."""


class CheckpointError(TesseraError):
    """A Hugging Face checkpoint cannot be converted (names the tensor or file)."""


class ArtifactError(TesseraError):
    """A Tessera artifact directory is missing, corrupt or unsafe to read."""


class MLIRError(TesseraError):
    """MLIR rejected IR or a pipeline; the message carries its diagnostics.

    Raised by the compiled extension (``tessera._tessera``) for malformed IR,
    verifier failures, bad pass pipelines and failed lowerings.
    """


class CompileError(TesseraError):
    """A compile stage failed; the message says which, why, and how to reproduce."""


class RuntimeInputError(TesseraError, ValueError):
    """An input to a compiled model (ids, states) is invalid; checked before any
    compiled code runs."""


class BundleError(TesseraError):
    """A CUDA bundle (plan.json + kernels.cubin) is missing, malformed or does
    not fit the model; the message names the function and instruction."""


class CudaError(TesseraError):
    """A CUDA driver call failed: names the call and, for launches, the
    function, launch index, kernel, grid and block."""


class HipError(CudaError):
    """A HIP runtime call failed (tessera.rocm); a CudaError so that the launch
    path and model shared with CUDA report it the same way."""


class CompilerCrash(Exception):
    """The compiler died with a signal (a bug in Tessera, not bad input) while
    ``tessera compile`` ran a stage in its worker process; the message names
    the stage, where its input IR was saved and how to reproduce. Not a
    TesseraError: the CLI reports it as an internal error (exit 70)."""
