"""Size limits a model config must respect before any IR is built (the
Graph-IR builder calls :func:`check_weight_sizes`; ``make-random-checkpoint``
also checks the memory and disk it needs, tessera.testing).

Every weight must be addressable: an x86-64 process has a 47-bit (128 TiB)
user address space, so no tensor can be larger than that, and no MLIR
dimension can reach 2**63 (it would not even be a valid type). A config
asking for more gets a one-line ConfigError naming the tensor and the fields
its shape comes from, instead of an MLIR type error or an allocation failure.
(Bounds that come from the kernels, chunk_size and conv_kernel, are checked
where those fields are validated.)
"""

from __future__ import annotations

import math

from tessera.errors import ConfigError

#: Bytes an x86-64 process can address (47-bit user address space).
ADDRESSABLE_BYTES = 1 << 47


def check_weight_sizes(config, itemsize: int = 4) -> None:
    """ConfigError when a weight of ``config`` (stored with ``itemsize`` bytes
    per element) could not be held in memory by any process."""
    from tessera.checkpoint.names import weight_specs

    for spec in weight_specs(config):
        nbytes = math.prod(spec.shape) * itemsize
        if nbytes > ADDRESSABLE_BYTES:
            raise ConfigError(f"{spec.shape_doc} = {list(spec.shape)}: weight {spec.name!r} would take "
                              f"{nbytes:,} bytes, more than a 64-bit process can address (2**47)")
