//===- LLVMCPU.cpp - Object code for CPU targets and in-process loading ---===//
//
// Last stage of the CPU pipeline: LLVM dialect -> LLVM IR -> O<n> -> object,
// for a TargetMachine of the requested (or the host's) CPU and features; and
// the ORC JIT loader of such objects (see LLVMCPU.h).
//
//===----------------------------------------------------------------------===//

#include "tessera/Target/LLVMCPU/LLVMCPU.h"
#include "tessera/Runtime/Runtime.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Tools/mlir-translate/Translation.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/ExecutionEngine/Orc/AbsoluteSymbols.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <atomic>
#include <cstdlib>
#include <dlfcn.h>
#include <mutex>

using namespace mlir;
using namespace mlir::tessera;

namespace {

void initNativeTargetOnce() {
  static std::once_flag flag;
  std::call_once(flag, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CPUTargetOptions &options) {
  initNativeTargetOnce();
  llvm::Triple triple(llvm::sys::getProcessTriple());
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return makeError("no LLVM target for " + triple.str() + ": " + error);
  std::string cpu = options.cpu.empty() ? getHostCPUName() : options.cpu;
  std::string features = options.features;
  if (features.empty() && options.cpu.empty())
    features = getHostCPUFeatures();
  int o = options.optLevel;
  llvm::CodeGenOptLevel level = o <= 0   ? llvm::CodeGenOptLevel::None
                                : o == 1 ? llvm::CodeGenOptLevel::Less
                                : o == 2 ? llvm::CodeGenOptLevel::Default
                                         : llvm::CodeGenOptLevel::Aggressive;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, level));
  if (!tm)
    return makeError("could not create a target machine for " + triple.str() +
                     " (cpu '" + cpu + "')");
  return tm;
}

/// LLVM's default O`optLevel` pipeline on `module` for `tm`.
void optimize(llvm::Module &module, llvm::TargetMachine &tm, int optLevel) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = optLevel <= 0   ? llvm::OptimizationLevel::O0
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                  : llvm::OptimizationLevel::O3;
  llvm::ModulePassManager mpm = level == llvm::OptimizationLevel::O0
                                    ? pb.buildO0DefaultPipeline(level)
                                    : pb.buildPerModuleDefaultPipeline(level);
  mpm.run(module, mam);
}

/// libomp, loaded once with RTLD_LOCAL: its symbols serve the JIT's
/// lookups without interposing on another OpenMP runtime already in the
/// process (PyTorch's libgomp).
llvm::Expected<void *> openMPRuntime() {
  static std::once_flag flag;
  static void *handle = nullptr;
  static std::string error;
  std::call_once(flag, [] {
    // libomp's idle workers spin for KMP_BLOCKTIME (default 200 ms) after
    // each parallel region. Tessera's kernels run back to back well within
    // 1 ms, but between calls the process belongs to Python and often to
    // PyTorch's own thread pool: 200 ms of spinning steals its cores (on a
    // 2-core box it cost torch ~30% and Tessera's decode ~40%, measured with
    // bench/cpu_e2e.py). A user's own setting wins (setenv does not
    // overwrite); libomp reads it when it initialises, after this.
    ::setenv("KMP_BLOCKTIME", "1", /*overwrite=*/0);
    std::string path = getOpenMPRuntimePath();
    handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle) {
      // The runtime's guarded call abandons a call whose allocation fails
      // only outside parallel regions of *this* OpenMP runtime.
      tessera_rt_set_parallel_level_query(reinterpret_cast<int (*)(void)>(
          ::dlsym(handle, "omp_get_level")));
    } else {
      const char *why = ::dlerror();
      error = "cannot load the OpenMP runtime " + path + " (install " +
              "libomp-" + std::to_string(LLVM_VERSION_MAJOR) +
              "-dev, as scripts/setup.sh does): " + (why ? why : "unknown");
    }
  });
  if (!handle)
    return makeError(error);
  return handle;
}

/// Loaded JitLibraries: the last one dropped releases the runtime
/// allocator's cached memory.
std::atomic<int> liveLibraries{0};

/// The runtime library's entry points that compiled code calls
/// (include/tessera/Runtime/Runtime.h), defined in the JITDylib itself so
/// that they resolve to this copy before any process symbol is searched.
llvm::Error defineRuntimeSymbols(llvm::orc::LLJIT &jit) {
  using llvm::orc::ExecutorAddr;
  const llvm::JITSymbolFlags flags =
      llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable;
  llvm::orc::SymbolMap symbols;
  auto add = [&](llvm::StringRef name, auto *fn) {
    symbols[jit.mangleAndIntern(name)] = {ExecutorAddr::fromPtr(fn), flags};
  };
  add("tessera_rt_alloc", &tessera_rt_alloc);
  add("tessera_rt_aligned_alloc", &tessera_rt_aligned_alloc);
  add("tessera_rt_free", &tessera_rt_free);
  return jit.getMainJITDylib().define(
      llvm::orc::absoluteSymbols(std::move(symbols)));
}

} // namespace

std::string mlir::tessera::getOpenMPRuntimePath() {
  return TESSERA_OPENMP_RUNTIME;
}

llvm::Error mlir::tessera::setOpenMPNumThreads(int n) {
  if (n < 1)
    return makeError("the number of threads must be at least 1, got " +
                     llvm::Twine(n));
  auto handle = openMPRuntime();
  if (!handle)
    return handle.takeError();
  auto *set = reinterpret_cast<void (*)(int)>(
      ::dlsym(*handle, "omp_set_num_threads"));
  if (!set)
    return makeError("the OpenMP runtime has no omp_set_num_threads");
  set(n);
  return llvm::Error::success();
}

std::string mlir::tessera::getHostCPUName() {
  return llvm::sys::getHostCPUName().str();
}

std::string mlir::tessera::getHostCPUFeatures() {
  llvm::SubtargetFeatures f;
  for (auto &kv : llvm::sys::getHostCPUFeatures())
    f.AddFeature(kv.first(), kv.second);
  return f.getString();
}

std::string mlir::tessera::getLLVMVersion() { return LLVM_VERSION_STRING; }

llvm::Expected<llvm::SmallVector<char, 0>>
mlir::tessera::emitObject(ModuleOp module, const CPUTargetOptions &options) {
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module.getOperation(), llvmContext);
  if (!llvmModule)
    return makeError("translation to LLVM IR failed");
  auto tm = createTargetMachine(options);
  if (!tm)
    return tm.takeError();
  llvmModule->setTargetTriple((*tm)->getTargetTriple());
  llvmModule->setDataLayout((*tm)->createDataLayout());
  optimize(*llvmModule, **tm, options.optLevel);
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager codegen;
  if ((*tm)->addPassesToEmitFile(codegen, os, nullptr,
                                 llvm::CodeGenFileType::ObjectFile))
    return makeError("the target cannot emit object files");
  codegen.run(*llvmModule);
  return buffer;
}

//===----------------------------------------------------------------------===//
// JitLibrary
//===----------------------------------------------------------------------===//

JitLibrary::~JitLibrary() {
  jit.reset();
  if (counted && --liveLibraries == 0)
    tessera_rt_release();
}

llvm::Expected<std::unique_ptr<JitLibrary>>
JitLibrary::load(llvm::StringRef object) {
  initNativeTargetOnce();
  auto jitOrErr = llvm::orc::LLJITBuilder().create();
  if (!jitOrErr)
    return makeError("could not start the JIT: " +
                     llvm::toString(jitOrErr.takeError()));
  std::unique_ptr<JitLibrary> lib(new JitLibrary());
  lib->jit = std::move(*jitOrErr);
  ++liveLibraries;
  lib->counted = true;
  // Heap buffers go to Tessera's caching allocator (lib/Runtime).
  if (llvm::Error err = defineRuntimeSymbols(*lib->jit))
    return makeError("could not define the runtime's symbols: " +
                     llvm::toString(std::move(err)));
  // The kernels' parallel loops call libomp (__kmpc_fork_call, ...): it is
  // searched first, so another OpenMP runtime in the process never serves
  // them.
  auto omp = openMPRuntime();
  if (!omp)
    return omp.takeError();
  lib->jit->getMainJITDylib().addGenerator(
      std::make_unique<llvm::orc::DynamicLibrarySearchGenerator>(
          llvm::sys::DynamicLibrary(*omp),
          lib->jit->getDataLayout().getGlobalPrefix()));
  auto generator = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      lib->jit->getDataLayout().getGlobalPrefix());
  if (!generator)
    return makeError("could not search the process for symbols: " +
                     llvm::toString(generator.takeError()));
  lib->jit->getMainJITDylib().addGenerator(std::move(*generator));
  if (llvm::Error err = lib->jit->addObjectFile(
          llvm::MemoryBuffer::getMemBufferCopy(object, "tessera-module.o")))
    return makeError("could not load the object file: " +
                     llvm::toString(std::move(err)));
  return lib;
}

llvm::Expected<uint64_t> JitLibrary::lookup(llvm::StringRef name) {
  auto addr = jit->lookup(name);
  if (!addr)
    return makeError("symbol '" + name + "' not found in the compiled module: " +
                     llvm::toString(addr.takeError()));
  return addr->getValue();
}

//===----------------------------------------------------------------------===//
// mlir-translate registration
//===----------------------------------------------------------------------===//

void mlir::tessera::registerToX86ObjectTranslation() {
  static llvm::cl::opt<std::string> cpu(
      "tessera-cpu", llvm::cl::desc("CPU of --tessera-to-x86-object "
                                    "(default: this machine's)"),
      llvm::cl::init(""));
  static llvm::cl::opt<std::string> features(
      "tessera-cpu-features",
      llvm::cl::desc("LLVM feature string of --tessera-to-x86-object "
                     "(default: the CPU's)"),
      llvm::cl::init(""));
  static llvm::cl::opt<int> optLevel(
      "tessera-opt-level",
      llvm::cl::desc("LLVM optimisation level of --tessera-to-x86-object"),
      llvm::cl::init(3));
  TranslateFromMLIRRegistration reg(
      "tessera-to-x86-object",
      "translate an LLVM-dialect module to an x86 object file",
      [](Operation *op, llvm::raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError("expected a builtin.module");
        auto obj = emitObject(module, {cpu, features, optLevel});
        if (!obj)
          return module.emitError(llvm::toString(obj.takeError()));
        os.write(obj->data(), obj->size());
        return success();
      },
      [](DialectRegistry &registry) {
        registry.insert<LLVM::LLVMDialect>();
        registerAllToLLVMIRTranslations(registry);
      });
}
