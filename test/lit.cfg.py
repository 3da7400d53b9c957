# lit configuration of Tessera's IR tests (test/ mirrors lib/).
import os
import sys

import lit.formats
from lit.llvm import llvm_config

config.name = "TESSERA"
# PyPI's lit runs RUN lines with its internal shell; external shells differ
# between machines.
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tessera_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "lib", "python"]  # lib/: test passes; python/: pytest and its fixtures
config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%tessera_src", config.tessera_src_root))

llvm_config.use_default_substitutions()
llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
# Captured FileCheck variables die at each CHECK-LABEL, so a test cannot pass
# by matching a value defined in another function.
config.environment["FILECHECK_OPTS"] = "--enable-var-scope"

tool_dirs = [config.tessera_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["tessera-opt", "tessera-translate"], tool_dirs)
llvm_config.add_tool_substitutions(["llvm-nm"], [config.llvm_tools_dir])
# The Python that runs lit has the tessera package installed (scripts/setup.sh):
# tests of the Python driver run `%python -m tessera ...`.
config.substitutions.append(("%python", sys.executable))

# CUDA's assembler: the PTX tests that assemble kernels need it (CI may not
# have a CUDA toolkit; those tests are then reported UNSUPPORTED).
import shutil
if shutil.which("ptxas"):
    config.available_features.add("ptxas")
