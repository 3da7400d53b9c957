"""Checkpoint handling: HF safetensors -> Tessera artifact, and artifact reading.

* :mod:`tessera.checkpoint.names` -- the Tessera weight-name/shape contract
* :mod:`tessera.checkpoint.convert` -- ``convert_checkpoint`` (``tessera convert``)
* :mod:`tessera.checkpoint.artifact` -- ``Artifact.open`` (memory-mapped reader)
* :mod:`tessera.checkpoint.safetensors_io`, :mod:`tessera.checkpoint.npz` -- file formats
"""

from tessera.checkpoint.artifact import Artifact
from tessera.checkpoint.convert import convert_checkpoint
from tessera.checkpoint.names import WeightSpec, weight_specs

__all__ = ["Artifact", "convert_checkpoint", "WeightSpec", "weight_specs"]
