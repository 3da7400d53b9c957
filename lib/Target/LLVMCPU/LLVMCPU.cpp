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

#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/ExecutionEngine/Orc/AbsoluteSymbols.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Transforms/IPO/FunctionAttrs.h"
#include "llvm/Transforms/IPO/InferFunctionAttrs.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Support/thread.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <dlfcn.h>
#include <mutex>
#include <sched.h>
#include <thread>

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

/// Runs the module pipeline `build` makes on `module`, with the analyses of
/// `tm`'s PassBuilder.
void runPipeline(
    llvm::Module &module, llvm::TargetMachine &tm,
    llvm::function_ref<llvm::ModulePassManager(llvm::PassBuilder &)> build) {
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
  llvm::ModulePassManager mpm = build(pb);
  mpm.run(module, mam);
}

/// LLVM's default O`optLevel` pipeline on `module` for `tm`.
void optimize(llvm::Module &module, llvm::TargetMachine &tm, int optLevel) {
  llvm::OptimizationLevel level = optLevel <= 0   ? llvm::OptimizationLevel::O0
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                  : llvm::OptimizationLevel::O3;
  runPipeline(module, tm, [&](llvm::PassBuilder &pb) {
    return level == llvm::OptimizationLevel::O0
               ? pb.buildO0DefaultPipeline(level)
               : pb.buildPerModuleDefaultPipeline(level);
  });
}

/// Infers function attributes (nounwind, memory effects, nocapture, ...)
/// over the whole module, changing no code: run before the module is split,
/// so that a partition's declarations of another partition's functions
/// carry what O3 on the whole module would have known about them.
void inferFunctionAttributes(llvm::Module &module, llvm::TargetMachine &tm) {
  runPipeline(module, tm, [](llvm::PassBuilder &) {
    llvm::ModulePassManager mpm;
    mpm.addPass(llvm::InferFunctionAttrsPass());
    mpm.addPass(llvm::createModuleToPostOrderCGSCCPassAdaptor(
        llvm::PostOrderFunctionAttrsPass()));
    mpm.addPass(llvm::ReversePostOrderFunctionAttrsPass());
    return mpm;
  });
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
  llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  // AMX is this process's only once the OS granted it (lib/Runtime/AMX.cpp):
  // where it refuses, code must not use the tiles CPUID advertises.
  if (host.lookup("amx-tile") && !tessera_rt_enable_amx())
    for (auto &kv : host)
      if (kv.first().starts_with("amx-"))
        kv.second = false;
  llvm::SubtargetFeatures f;
  for (auto &kv : host)
    f.AddFeature(kv.first(), kv.second);
  return f.getString();
}

std::string mlir::tessera::getLLVMVersion() { return LLVM_VERSION_STRING; }

namespace {

using Clock = std::chrono::steady_clock;

/// The stack of each code generation thread: as large as a main thread's
/// usual 8 MiB and then some (instruction selection recurses over DAGs).
constexpr unsigned kCodegenThreadStack = 16u << 20;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// CPU time of the calling thread (seconds): the work of a phase, which
/// other load on the machine does not inflate as it does wall time.
double threadCpuSeconds() {
  timespec ts;
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/// Passes zero instead of poison for the arguments of calls that have many
/// poison arguments. Dead-argument elimination leaves them in the calls of
/// the `_mlir_ciface_` wrappers (thousands of arguments, most ignored), and
/// x86 instruction selection of such a call is slow and its code large:
/// 3.1 s and 16 KB for one wrapper of the 12B, against 0.15 s and 10 KB
/// with zeros (llc-22). The callee ignores them either way.
void materializePoisonArguments(llvm::Module &module) {
  constexpr unsigned kMinPoisonArguments = 32;
  for (llvm::Function &f : module)
    for (llvm::BasicBlock &bb : f)
      for (llvm::Instruction &inst : bb) {
        auto *call = llvm::dyn_cast<llvm::CallBase>(&inst);
        if (!call || call->isMustTailCall())
          continue;
        auto isPoison = [](const llvm::Use &u) {
          return llvm::isa<llvm::UndefValue>(u.get());
        };
        if (llvm::count_if(call->args(), isPoison) < kMinPoisonArguments)
          continue;
        for (llvm::Use &arg : call->args())
          if (isPoison(arg) && arg->getType()->isSingleValueType() &&
              !call->paramHasAttr(call->getArgOperandNo(&arg),
                                  llvm::Attribute::ByVal))
            arg.set(llvm::Constant::getNullValue(arg->getType()));
      }
}

/// Optimises `module` at `optLevel` and emits it as an object for `tm`.
/// `optimizeSeconds`/`codegenSeconds` get the time of each half.
llvm::Expected<llvm::SmallVector<char, 0>>
optimizeAndEmit(llvm::Module &module, llvm::TargetMachine &tm, int optLevel,
                double &optimizeSeconds, double &codegenSeconds,
                double &cpuSeconds,
                llvm::function_ref<void(llvm::Module &)> afterOptimize = {}) {
  double cpuStart = threadCpuSeconds();
  module.setTargetTriple(tm.getTargetTriple());
  module.setDataLayout(tm.createDataLayout());
  Clock::time_point start = Clock::now();
  optimize(module, tm, optLevel);
  if (afterOptimize)
    afterOptimize(module);
  materializePoisonArguments(module);
  optimizeSeconds = secondsSince(start);
  start = Clock::now();
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager codegen;
  if (tm.addPassesToEmitFile(codegen, os, nullptr,
                             llvm::CodeGenFileType::ObjectFile))
    return makeError("the target cannot emit object files");
  codegen.run(module);
  codegenSeconds = secondsSince(start);
  cpuSeconds = threadCpuSeconds() - cpuStart;
  return buffer;
}

/// The cores this process may run on (its affinity mask), at least 1.
unsigned availableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
    return CPU_COUNT(&set);
  return std::max(1u, std::thread::hardware_concurrency());
}

/// The number of code generation threads `options` asks for: its `threads`,
/// else $TESSERA_CODEGEN_THREADS, else the cores available.
llvm::Expected<unsigned> codegenThreads(const CPUTargetOptions &options) {
  if (options.threads > 0)
    return options.threads;
  const char *env = std::getenv(kCodegenThreadsEnv);
  if (!env)
    return availableCores();
  unsigned n = 0;
  if (llvm::StringRef(env).trim().getAsInteger(10, n) || n < 1)
    return makeError(llvm::Twine(kCodegenThreadsEnv) +
                     " must be a positive integer, got '" + env + "'");
  return n;
}

/// Whether `gv` may be copied into every partition that uses it: a local
/// constant whose address is not significant (the OpenMP source-location
/// structs and strings), so each copy is as good as the one.
bool isDuplicable(const llvm::GlobalValue &gv) {
  auto *var = llvm::dyn_cast<llvm::GlobalVariable>(&gv);
  return var && var->hasLocalLinkage() && var->isConstant() &&
         var->hasInitializer() && var->hasGlobalUnnamedAddr() &&
         !var->hasComdat();
}

/// The global values that `user` refers to, through constant expressions
/// and duplicable constants' initializers included.
void collectReferences(const llvm::Value *user,
                       llvm::SmallPtrSetImpl<const llvm::Value *> &seen,
                       llvm::SmallVectorImpl<const llvm::GlobalValue *> &out) {
  auto visit = [&](auto &self, const llvm::Value *v) -> void {
    if (!seen.insert(v).second)
      return;
    if (auto *gv = llvm::dyn_cast<llvm::GlobalValue>(v)) {
      out.push_back(gv);
      if (isDuplicable(*gv))
        self(self, llvm::cast<llvm::GlobalVariable>(gv)->getInitializer());
      return;
    }
    if (auto *c = llvm::dyn_cast<llvm::Constant>(v))
      for (const llvm::Value *op : c->operands())
        self(self, op);
  };
  if (auto *f = llvm::dyn_cast<llvm::Function>(user)) {
    for (const llvm::BasicBlock &bb : *f)
      for (const llvm::Instruction &inst : bb)
        for (const llvm::Value *op : inst.operands())
          if (llvm::isa<llvm::Constant>(op))
            visit(visit, op);
    if (f->hasPersonalityFn())
      visit(visit, f->getPersonalityFn());
  } else if (auto *var = llvm::dyn_cast<llvm::GlobalVariable>(user)) {
    if (var->hasInitializer())
      visit(visit, var->getInitializer());
  }
}

/// A module split for separate optimisation and code generation: each
/// partition as bitcode (to be read into its own LLVMContext). The first
/// `firstPhase` partitions hold the definitions that call no function of
/// another partition (the kernels), the rest those that do (the exported
/// entry points): the second phase is compiled after the first, knowing
/// which arguments the first's functions ignore.
struct Partitioning {
  std::vector<llvm::SmallVector<char, 0>> parts;
  unsigned firstPhase = 0;
};

/// Splits `module` into at most `n` partitions per phase (see
/// Partitioning). Definitions are grouped so that no partition refers to a
/// local symbol of another: a local function or variable goes with every
/// definition that refers to it (an OpenMP-outlined `..omp_par` body with
/// its kernel), members of one comdat stay together, and duplicable local
/// constants are copied where used. In each phase, groups are assigned
/// largest first to the least loaded partition (cost: instruction count),
/// which is deterministic for a given `n`. Returns fewer than two
/// partitions when the module cannot or need not be split (then compile it
/// whole).
Partitioning splitModule(llvm::Module &module, unsigned n) {
  Partitioning result;
  if (n < 2 || !module.getModuleInlineAsm().empty() ||
      !module.aliases().empty() || !module.ifuncs().empty())
    return result;
  // Definitions in module order, and their groups.
  std::vector<const llvm::GlobalValue *> defs;
  llvm::DenseMap<const llvm::GlobalValue *, unsigned> index;
  for (const llvm::GlobalValue &gv : module.global_values())
    if (!gv.isDeclaration() && !isDuplicable(gv)) {
      index[&gv] = defs.size();
      defs.push_back(&gv);
    }
  std::vector<llvm::SmallVector<const llvm::GlobalValue *, 16>> refs(
      defs.size());
  llvm::EquivalenceClasses<unsigned> groups;
  llvm::DenseMap<const llvm::Comdat *, unsigned> comdatLeader;
  for (unsigned i = 0; i < defs.size(); ++i) {
    groups.insert(i);
    if (const llvm::Comdat *c = defs[i]->getComdat()) {
      auto [it, inserted] = comdatLeader.try_emplace(c, i);
      if (!inserted)
        groups.unionSets(it->second, i);
    }
    llvm::SmallPtrSet<const llvm::Value *, 32> seen;
    collectReferences(defs[i], seen, refs[i]);
    for (const llvm::GlobalValue *ref : refs[i])
      if (ref->hasLocalLinkage() && !isDuplicable(*ref)) {
        auto it = index.find(ref);
        if (it != index.end())
          groups.unionSets(i, it->second);
      }
  }
  // Each group (by leader): its first member's index (the order), its cost
  // and its phase (1: it refers to a function defined in another group).
  llvm::DenseMap<unsigned, uint64_t> cost;
  llvm::DenseMap<unsigned, unsigned> firstOfLeader;
  llvm::DenseSet<unsigned> secondPhase;
  for (unsigned i = 0; i < defs.size(); ++i) {
    unsigned leader = groups.getLeaderValue(i);
    firstOfLeader.try_emplace(leader, i);
    uint64_t c = 1;
    if (auto *f = llvm::dyn_cast<llvm::Function>(defs[i]))
      c += f->getInstructionCount();
    cost[leader] += c;
    for (const llvm::GlobalValue *ref : refs[i]) {
      auto it = index.find(ref);
      if (it != index.end() && llvm::isa<llvm::Function>(ref) &&
          groups.getLeaderValue(it->second) != leader)
        secondPhase.insert(leader);
    }
  }
  if (cost.size() < 2)
    return result;
  llvm::DenseMap<unsigned, unsigned> partOfLeader;
  unsigned total = 0;
  for (unsigned phase = 0; phase < 2; ++phase) {
    std::vector<std::pair<uint64_t, unsigned>> order; // (cost, first index)
    for (auto &[leader, c] : cost)
      if (secondPhase.contains(leader) == (phase == 1))
        order.push_back({c, firstOfLeader[leader]});
    llvm::sort(order, [](auto a, auto b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    unsigned m = std::min<unsigned>(n, order.size());
    std::vector<uint64_t> load(m, 0);
    for (auto [c, first] : order) {
      unsigned p = std::min_element(load.begin(), load.end()) - load.begin();
      load[p] += c;
      partOfLeader[groups.getLeaderValue(first)] = total + p;
    }
    total += m;
    if (phase == 0)
      result.firstPhase = m;
  }
  llvm::DenseMap<const llvm::GlobalValue *, unsigned> partOf;
  for (unsigned i = 0; i < defs.size(); ++i)
    partOf[defs[i]] = partOfLeader[groups.getLeaderValue(i)];
  for (unsigned p = 0; p < total; ++p) {
    llvm::ValueToValueMapTy vmap;
    std::unique_ptr<llvm::Module> part =
        llvm::CloneModule(module, vmap, [&](const llvm::GlobalValue *gv) {
          if (isDuplicable(*gv))
            return true;
          auto it = partOf.find(gv);
          return it != partOf.end() && it->second == p;
        });
    // Copies of local constants this partition does not use.
    for (llvm::GlobalVariable &var :
         llvm::make_early_inc_range(part->globals()))
      if (var.hasLocalLinkage() && var.use_empty())
        var.eraseFromParent();
    llvm::SmallVector<char, 0> bitcode;
    llvm::raw_svector_ostream os(bitcode);
    llvm::WriteBitcodeToFile(*part, os);
    result.parts.push_back(std::move(bitcode));
  }
  return result;
}

/// Function name -> the indices of the arguments its optimised body never
/// reads.
using IgnoredArguments = llvm::StringMap<llvm::SmallVector<unsigned, 8>>;

/// The arguments that the optimised exported definitions of `module` ignore.
void collectIgnoredArguments(const llvm::Module &module,
                             IgnoredArguments &out) {
  for (const llvm::Function &f : module) {
    if (f.isDeclaration() || f.hasLocalLinkage() || f.isVarArg())
      continue;
    llvm::SmallVector<unsigned, 8> ignored;
    for (const llvm::Argument &arg : f.args())
      if (arg.use_empty())
        ignored.push_back(arg.getArgNo());
    if (!ignored.empty())
      out[f.getName()] = std::move(ignored);
  }
}

/// Passes poison for the arguments that the callee ignores (its definition
/// is in another partition), as O3's dead-argument elimination does for a
/// module compiled whole: the caller no longer computes or spills them.
void poisonIgnoredArguments(llvm::Module &module,
                            const IgnoredArguments &ignored) {
  for (llvm::Function &f : module) {
    if (!f.isDeclaration())
      continue;
    auto it = ignored.find(f.getName());
    if (it == ignored.end())
      continue;
    for (unsigned argNo : it->second)
      f.removeParamAttr(argNo, llvm::Attribute::NoUndef);
    for (llvm::User *user : f.users()) {
      auto *call = llvm::dyn_cast<llvm::CallBase>(user);
      if (!call || call->getCalledOperand() != &f ||
          call->getFunctionType() != f.getFunctionType() ||
          call->isMustTailCall())
        continue;
      for (unsigned argNo : it->second) {
        call->setArgOperand(
            argNo, llvm::PoisonValue::get(f.getArg(argNo)->getType()));
        call->removeParamAttr(argNo, llvm::Attribute::NoUndef);
      }
    }
  }
}

/// Links relocatable objects into one (`ld.lld -r`, in a temporary
/// directory), in the order given.
llvm::Expected<llvm::SmallVector<char, 0>>
linkRelocatable(llvm::ArrayRef<llvm::SmallVector<char, 0>> objects) {
  llvm::SmallString<128> dir;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("tessera-codegen", dir))
    return makeError("cannot create a temporary directory: " + ec.message());
  llvm::scope_exit cleanup([&] {
    llvm::sys::fs::remove_directories(dir, /*IgnoreErrors=*/true);
  });
  auto path = [&](llvm::StringRef name) {
    llvm::SmallString<128> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  };
  std::vector<std::string> args = {TESSERA_LLD, "-r", "-o", path("module.o")};
  for (size_t i = 0; i < objects.size(); ++i) {
    std::string name = path("part" + std::to_string(i) + ".o");
    std::error_code ec;
    llvm::raw_fd_ostream os(name, ec);
    if (!ec) {
      os.write(objects[i].data(), objects[i].size());
      os.close();
      ec = os.error();
    }
    if (ec)
      return makeError("cannot write " + name + ": " + ec.message());
    args.push_back(name);
  }
  std::string log = path("ld.log");
  llvm::SmallVector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(""),
                                                llvm::StringRef(log),
                                                llvm::StringRef(log)};
  std::string errorText;
  int rc = llvm::sys::ExecuteAndWait(TESSERA_LLD, argRefs, std::nullopt,
                                     redirects, 0, 0, &errorText);
  if (rc != 0) {
    auto output = llvm::MemoryBuffer::getFile(log);
    std::string why = errorText;
    if (output)
      why += llvm::StringRef((*output)->getBuffer()).trim().str();
    return makeError("linking the code generation partitions with " +
                     llvm::Twine(TESSERA_LLD) + " failed: " + why);
  }
  auto linked = llvm::MemoryBuffer::getFile(path("module.o"));
  if (!linked)
    return makeError("cannot read the linked object: " +
                     linked.getError().message());
  llvm::StringRef bytes = (*linked)->getBuffer();
  return llvm::SmallVector<char, 0>(bytes.begin(), bytes.end());
}

} // namespace

llvm::Expected<llvm::SmallVector<char, 0>>
mlir::tessera::emitObject(ModuleOp module, const CPUTargetOptions &options,
                          CodegenTimings *timings) {
  CodegenTimings local;
  CodegenTimings &t = timings ? *timings : local;
  t = CodegenTimings();
  auto threads = codegenThreads(options);
  if (!threads)
    return threads.takeError();
  t.threads = *threads;
  Clock::time_point start = Clock::now();
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
  t.translateSeconds = secondsSince(start);

  // Several threads: the module split (see splitModule), each partition
  // optimised and compiled on a thread of its own in its own LLVMContext,
  // the objects linked back into one.
  start = Clock::now();
  Partitioning split;
  if (*threads > 1 && llvm::sys::fs::can_execute(TESSERA_LLD)) {
    if (options.optLevel > 0)
      inferFunctionAttributes(*llvmModule, **tm);
    split = splitModule(*llvmModule, *threads);
  }
  t.splitSeconds = secondsSince(start);
  if (split.parts.size() < 2) {
    t.partitions = 1;
    return optimizeAndEmit(*llvmModule, **tm, options.optLevel,
                           t.optimizeSeconds, t.codegenSeconds,
                           t.optimizeCodegenCpuSeconds);
  }
  llvmModule.reset();
  size_t count = split.parts.size();
  t.partitions = count;
  std::vector<llvm::SmallVector<char, 0>> objects(count);
  std::vector<std::string> errors(count);
  std::vector<double> optSeconds(count), cgSeconds(count), cpuSeconds(count);
  std::vector<IgnoredArguments> ignoredOf(split.firstPhase);
  IgnoredArguments ignored; // of all first-phase partitions
  auto compile = [&](size_t i) {
    llvm::LLVMContext context;
    auto part = llvm::parseBitcodeFile(
        llvm::MemoryBufferRef(
            llvm::StringRef(split.parts[i].data(), split.parts[i].size()),
            "partition"),
        context);
    if (!part) {
      errors[i] = llvm::toString(part.takeError());
      return;
    }
    auto partTm = createTargetMachine(options);
    if (!partTm) {
      errors[i] = llvm::toString(partTm.takeError());
      return;
    }
    if (i >= split.firstPhase && options.optLevel > 0)
      poisonIgnoredArguments(**part, ignored);
    auto afterOptimize = [&](llvm::Module &m) {
      if (i < split.firstPhase)
        collectIgnoredArguments(m, ignoredOf[i]);
    };
    auto obj = optimizeAndEmit(**part, **partTm, options.optLevel,
                               optSeconds[i], cgSeconds[i], cpuSeconds[i],
                               afterOptimize);
    if (!obj) {
      errors[i] = llvm::toString(obj.takeError());
      return;
    }
    objects[i] = std::move(*obj);
  };
  // Partitions [begin, end) on as many threads, the calling one included,
  // each on a stack as large as a main thread's and then some (instruction
  // selection recurses over large DAGs).
  auto runPhase = [&](size_t begin, size_t end) {
    std::vector<llvm::thread> workers;
    for (size_t i = begin + 1; i < end; ++i)
      workers.emplace_back(std::optional<unsigned>(kCodegenThreadStack),
                           compile, i);
    if (begin < end)
      compile(begin);
    for (llvm::thread &w : workers)
      w.join();
  };
  start = Clock::now();
  runPhase(0, split.firstPhase);
  for (const IgnoredArguments &part : ignoredOf)
    for (const auto &entry : part)
      ignored[entry.getKey()] = entry.getValue();
  runPhase(split.firstPhase, count);
  t.parallelSeconds = secondsSince(start);
  for (size_t i = 0; i < count; ++i) {
    if (!errors[i].empty())
      return makeError(errors[i]);
    t.optimizeSeconds += optSeconds[i];
    t.codegenSeconds += cgSeconds[i];
    t.optimizeCodegenCpuSeconds += cpuSeconds[i];
  }
  start = Clock::now();
  auto linked = linkRelocatable(objects);
  t.linkSeconds = secondsSince(start);
  return linked;
}

//===----------------------------------------------------------------------===//
// JitLibrary
//===----------------------------------------------------------------------===//

JitLibrary::~JitLibrary() {
  jit.reset();
  if (counted && --liveLibraries == 0)
    tessera_rt_release();
}

namespace {
/// With TESSERA_PERF_MAP set, appends the object's functions to
/// /tmp/perf-<pid>.map (perf's map file for JIT code: "start size name" per
/// line, hex), so `perf report` names Tessera's kernels -- including the
/// OpenMP bodies (`...omp_par`), which are local symbols the JIT cannot look
/// up. A section's functions keep their offsets in the JIT (JITLink places
/// each section of the object as one block), so each section's base is
/// found from one global function in it.
void writePerfMap(llvm::orc::LLJIT &jit, llvm::StringRef object) {
  if (!std::getenv("TESSERA_PERF_MAP"))
    return;
  auto file = llvm::object::ObjectFile::createObjectFile(
      llvm::MemoryBufferRef(object, "tessera-module.o"));
  if (!file) {
    llvm::consumeError(file.takeError());
    return;
  }
  struct Fn {
    std::string name;
    uint64_t offset, size;
    bool global;
  };
  llvm::DenseMap<uint64_t, std::vector<Fn>> bySection; // section index
  for (const llvm::object::SymbolRef &sym : (*file)->symbols()) {
    auto type = sym.getType();
    auto name = sym.getName();
    auto addr = sym.getValue();
    auto sec = sym.getSection();
    auto flags = sym.getFlags();
    if (!type || !name || !addr || !sec || !flags ||
        *type != llvm::object::SymbolRef::ST_Function ||
        *sec == (*file)->section_end()) {
      llvm::consumeError(type.takeError());
      llvm::consumeError(name.takeError());
      llvm::consumeError(addr.takeError());
      llvm::consumeError(sec.takeError());
      llvm::consumeError(flags.takeError());
      continue;
    }
    uint64_t size = llvm::object::ELFSymbolRef(sym).getSize();
    bySection[(*sec)->getIndex()].push_back(
        {name->str(), *addr, size,
         (*flags & llvm::object::SymbolRef::SF_Global) != 0});
  }
  std::string path = "/tmp/perf-" + std::to_string(::getpid()) + ".map";
  FILE *out = std::fopen(path.c_str(), "a");
  if (!out)
    return;
  for (auto &[index, fns] : bySection) {
    std::optional<uint64_t> base;
    for (const Fn &fn : fns)
      if (fn.global)
        if (auto addr = jit.lookup(fn.name)) {
          base = addr->getValue() - fn.offset;
          break;
        } else {
          llvm::consumeError(addr.takeError());
        }
    if (!base)
      continue;
    for (const Fn &fn : fns)
      std::fprintf(out, "%llx %llx %s\n",
                   static_cast<unsigned long long>(*base + fn.offset),
                   static_cast<unsigned long long>(fn.size), fn.name.c_str());
  }
  std::fclose(out);
}
} // namespace

llvm::Expected<std::unique_ptr<JitLibrary>>
JitLibrary::load(llvm::StringRef object) {
  initNativeTargetOnce();
  auto jitOrErr = llvm::orc::LLJITBuilder().create();
  if (!jitOrErr)
    return makeError("could not start the JIT: " +
                     llvm::toString(jitOrErr.takeError()));
  std::unique_ptr<JitLibrary> lib(new JitLibrary());
  lib->jit = std::move(*jitOrErr);
  // Code built for +amx-tile (host features say so only where the OS
  // grants AMX) runs once this process has asked for it.
  (void)tessera_rt_enable_amx();
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
  writePerfMap(*lib->jit, object);
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
  static llvm::cl::opt<unsigned> threads(
      "tessera-codegen-threads",
      llvm::cl::desc("threads of --tessera-to-x86-object's LLVM optimisation "
                     "and code generation (default: $TESSERA_CODEGEN_THREADS, "
                     "else the cores available; 1: the module whole)"),
      llvm::cl::init(0));
  TranslateFromMLIRRegistration reg(
      "tessera-to-x86-object",
      "translate an LLVM-dialect module to an x86 object file",
      [](Operation *op, llvm::raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError("expected a builtin.module");
        auto obj = emitObject(module, {cpu, features, optLevel, threads});
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
