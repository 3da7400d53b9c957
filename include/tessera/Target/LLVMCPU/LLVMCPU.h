//===- LLVMCPU.h - Object code for CPU targets and in-process loading -*- C++ -*-===//
//
// The last step of the Tessera pipeline for CPU targets:
//
//   LLVM dialect --translate--> LLVM IR --O<n>--> TargetMachine --> object
//
// and the loader the x86 runtime uses: an ORC JIT that links one object in
// process (no system linker), resolving libc/libm symbols against the
// running process. Used by `tessera-translate --tessera-to-x86-object` and
// bound (only bound) by the Python extension.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_LLVMCPU_LLVMCPU_H
#define TESSERA_TARGET_LLVMCPU_LLVMCPU_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>

namespace llvm::orc {
class LLJIT;
} // namespace llvm::orc

namespace mlir::tessera {

/// What to compile for. Empty `cpu` and `features` mean this machine's CPU
/// and all its features (AVX-512 included where present).
struct CPUTargetOptions {
  std::string cpu;
  std::string features;
  int optLevel = 3;
  /// Threads for LLVM optimisation and code generation; 0: the value of
  /// $TESSERA_CODEGEN_THREADS, else the cores this process may run on
  /// (its affinity mask). 1 compiles the module whole on the calling thread.
  unsigned threads = 0;
};

/// The environment variable that sets the default of
/// CPUTargetOptions::threads (a positive integer).
inline constexpr const char *kCodegenThreadsEnv = "TESSERA_CODEGEN_THREADS";

/// Where emitObject's time went (seconds; the per-partition phases summed
/// over partitions, `parallelSeconds` their wall time).
struct CodegenTimings {
  unsigned threads = 1;    ///< threads asked for
  unsigned partitions = 1; ///< modules optimised and compiled separately
  double translateSeconds = 0; ///< MLIR LLVM dialect -> LLVM IR
  double splitSeconds = 0;     ///< partitioning (bitcode of each part)
  double optimizeSeconds = 0;  ///< the O<n> pipeline
  double codegenSeconds = 0;   ///< instruction selection .. object
  double parallelSeconds = 0;  ///< wall time of the partitions' opt+codegen
  double optimizeCodegenCpuSeconds = 0; ///< their CPU time (the work)
  double linkSeconds = 0;      ///< ld.lld -r of the partitions' objects
};

/// This machine's CPU name (LLVM's spelling, e.g. "znver3").
std::string getHostCPUName();
/// This machine's CPU features as an LLVM feature string ("+avx2,+fma,...").
std::string getHostCPUFeatures();
/// The LLVM version the library was built against ("22.1.0").
std::string getLLVMVersion();

/// Translates `module` (LLVM dialect) to LLVM IR, optimises it at
/// `options.optLevel` for the target machine and returns one relocatable
/// object. Translation diagnostics go to the context's handler.
///
/// With more than one thread (CPUTargetOptions::threads) the LLVM module is
/// split by function (a kernel stays with its outlined OpenMP bodies) into
/// up to that many partitions for the kernels, compiled first, and as many
/// for the functions that call them (the exported entry points), compiled
/// next knowing which arguments each kernel ignores; each partition is
/// optimised and compiled on its own thread in its own LLVMContext, and
/// the objects are linked into one with `ld.lld -r` (LLVM's lld, which
/// scripts/setup.sh installs; without it, or for a module that does not
/// split, the module is compiled whole). The object is the same for the
/// same input and thread count. `timings`, if given, gets the time of each
/// phase. See docs/ARCHITECTURE.md.
llvm::Expected<llvm::SmallVector<char, 0>>
emitObject(ModuleOp module, const CPUTargetOptions &options,
           CodegenTimings *timings = nullptr);

/// The OpenMP runtime (libomp) that compiled x86 modules call into for
/// their parallel loops: its path (the LLVM installation's libomp.so), for
/// the JIT and for linking `--emit obj` output (`-L<dir> -lomp`).
std::string getOpenMPRuntimePath();

/// Sets the OpenMP team size for parallel regions started from the calling
/// thread (omp_set_num_threads of the loaded runtime). Fails with a clear
/// message when libomp cannot be loaded.
llvm::Error setOpenMPNumThreads(int n);

/// One object file linked in process by an ORC JIT. Its symbols resolve,
/// in order, to Tessera's runtime library (the tessera_rt_* allocator of
/// include/tessera/Runtime/Runtime.h, linked into this library), libomp,
/// and the process (libc, libm). Dropping the last JitLibrary releases the
/// runtime allocator's cached memory (tessera_rt_release).
class JitLibrary {
public:
  static llvm::Expected<std::unique_ptr<JitLibrary>>
  load(llvm::StringRef object);
  ~JitLibrary();

  /// The address of a symbol of the object.
  llvm::Expected<uint64_t> lookup(llvm::StringRef name);

private:
  JitLibrary() = default;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  bool counted = false;
};

/// Registers `--tessera-to-x86-object` with mlir-translate's registry.
void registerToX86ObjectTranslation();

} // namespace mlir::tessera

#endif // TESSERA_TARGET_LLVMCPU_LLVMCPU_H
