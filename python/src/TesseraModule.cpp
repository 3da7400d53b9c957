//===- TesseraModule.cpp - Python bindings of Tessera ---------------------===//
//
// `tessera._tessera`: Tessera's own Python extension over the MLIR C++ API
// (the way Triton binds its compiler), linked to the system libMLIR.so. The
// PyPI `mlir` wheels are not ABI-compatible with Debian's LLVM, so nothing
// here depends on upstream's Python bindings.
//
// What it offers (python/tessera/ir/ wraps it with typed builders):
//   Context     an MLIRContext with every dialect Tessera's pipelines use
//   Module      parse / print / verify / walk / run a pass pipeline /
//               translate to LLVM IR / emit an object
//   JitLibrary  load an object in process
//   call_packed / runtime_*  run a compiled function under the runtime's
//               guard; the runtime allocator's counters, release, limit
// Code generation and the JIT live in lib/Target/LLVMCPU; this file only
// binds them.
//   Builder     build a module op by op (generic ops: name, operands, result
//               types, attributes), used by the Graph-IR builder
//
// Every MLIR diagnostic raised while a call runs is collected and, when the
// call fails, raised as `tessera.errors.MLIRError` carrying them: malformed
// input never crashes the interpreter.
//
//===----------------------------------------------------------------------===//

#include "tessera/InitAllDialects.h"
#include "tessera/Support/NestingDepth.h"
#include "tessera/Runtime/Runtime.h"
#include "tessera/Target/LLVMCPU/LLVMCPU.h"
#include "tessera/Target/CUDA/LaunchPlan.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <string>
#include <algorithm>
#include <vector>

namespace py = pybind11;
using namespace mlir;

namespace {

/// Raised to Python as tessera.errors.MLIRError (set up in PYBIND11_MODULE).
PyObject *mlirErrorType = nullptr;

[[noreturn]] void raiseMLIRError(const std::string &message) {
  PyErr_SetString(mlirErrorType, message.c_str());
  throw py::error_already_set();
}

/// Runs `parse` on `text` (a type or attribute): refused past the nesting
/// limit, on a large stack when nested more than a few dozen levels (the
/// calling Python thread's stack may be small), else in place (no thread).
void parseNested(const std::string &text, const char *what,
                 llvm::function_ref<void()> parse) {
  if (!tessera::findNestingViolation(text, /*limit=*/64))
    return parse();
  if (auto violation = tessera::findNestingViolation(text))
    raiseMLIRError(std::string("invalid ") + what + ": " + violation->message());
  tessera::runOnLargeStack(parse);
}

/// Collects every diagnostic emitted while it lives, in the form
/// "loc: error: message" (notes indented below), so that a failed call can
/// hand them all to Python.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext *ctx)
      : handler(ctx, [this](Diagnostic &diag) {
          record(diag);
          return success();
        }) {}

  std::string text() const {
    std::string all;
    for (const std::string &m : messages) {
      if (!all.empty())
        all += "\n";
      all += m;
    }
    return all;
  }

  [[noreturn]] void raise(const std::string &what) const {
    std::string msg = what;
    if (!messages.empty())
      msg += ":\n" + text();
    raiseMLIRError(msg);
  }

private:
  void record(Diagnostic &diag) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << diag.getLocation() << ": ";
    switch (diag.getSeverity()) {
    case DiagnosticSeverity::Error:
      os << "error: ";
      break;
    case DiagnosticSeverity::Warning:
      os << "warning: ";
      break;
    case DiagnosticSeverity::Note:
      os << "note: ";
      break;
    case DiagnosticSeverity::Remark:
      os << "remark: ";
      break;
    }
    os << diag.str();
    for (Diagnostic &note : diag.getNotes())
      os << "\n  " << note.getLocation() << ": note: " << note.str();
    messages.push_back(os.str());
  }

  std::vector<std::string> messages;
  ScopedDiagnosticHandler handler;
};

void registerPassesOnce() {
  static std::once_flag flag;
  std::call_once(flag, [] { tessera::registerAllPasses(); });
}

/// One MLIRContext with Tessera's registry. Shared (by shared_ptr) with every
/// module and builder made in it, so that Python may drop the Context object
/// first.
struct ContextHandle {
  ContextHandle() {
    DialectRegistry registry;
    tessera::registerAllDialects(registry);
    tessera::registerAllTranslations(registry);
    context = std::make_unique<MLIRContext>(registry);
    // Python callers may use a context from several threads one at a time;
    // MLIR's own thread pool is not needed for the module sizes we build.
    context->disableMultithreading();
  }
  MLIRContext *get() { return context.get(); }
  std::unique_ptr<MLIRContext> context;
};
using ContextRef = std::shared_ptr<ContextHandle>;

std::string printToString(Operation *op, bool generic = false,
                          bool debugInfo = false) {
  std::string s;
  llvm::raw_string_ostream os(s);
  OpPrintingFlags flags;
  if (generic)
    flags.printGenericOpForm();
  if (debugInfo)
    flags.enableDebugInfo();
  // The printer recurses per nesting level too: print on the stack that
  // parsing and passes use (the module may nest up to the parse limit).
  tessera::runOnLargeStack([&] { op->print(os, flags); });
  return os.str();
}

template <typename T> std::string printToString(T value) {
  std::string s;
  llvm::raw_string_ostream os(s);
  value.print(os);
  return os.str();
}

/// Converts an attribute to the closest plain Python value: integers, floats,
/// strings, booleans and arrays of those; anything else as its MLIR text.
py::object attrToPython(Attribute attr) {
  if (auto b = dyn_cast<BoolAttr>(attr))
    return py::bool_(b.getValue());
  if (auto i = dyn_cast<IntegerAttr>(attr))
    return py::int_(i.getValue().getSExtValue());
  if (auto f = dyn_cast<FloatAttr>(attr))
    return py::float_(f.getValueAsDouble());
  if (auto s = dyn_cast<StringAttr>(attr))
    return py::str(s.getValue().str());
  if (isa<UnitAttr>(attr))
    return py::bool_(true);
  if (auto a = dyn_cast<ArrayAttr>(attr)) {
    py::list out;
    for (Attribute e : a)
      out.append(attrToPython(e));
    return out;
  }
  if (auto d = dyn_cast<DictionaryAttr>(attr)) {
    py::dict out;
    for (NamedAttribute a : d)
      out[py::str(a.getName().str())] = attrToPython(a.getValue());
    return out;
  }
  if (auto a = dyn_cast<DenseI64ArrayAttr>(attr))
    return py::cast(std::vector<int64_t>(a.asArrayRef()));
  if (auto a = dyn_cast<DenseI32ArrayAttr>(attr))
    return py::cast(std::vector<int32_t>(a.asArrayRef()));
  if (auto t = dyn_cast<TypeAttr>(attr))
    return py::str(printToString(t.getValue()));
  return py::str(printToString(attr));
}

/// A compiled object loaded in process (lib/Target/LLVMCPU's JIT loader).
struct JitLibrary {
  explicit JitLibrary(const std::string &object) {
    auto lib = tessera::JitLibrary::load(object);
    if (!lib)
      raiseMLIRError(llvm::toString(lib.takeError()));
    impl = std::move(*lib);
  }

  uint64_t lookup(const std::string &name) {
    auto addr = impl->lookup(name);
    if (!addr)
      raiseMLIRError(llvm::toString(addr.takeError()));
    return *addr;
  }

  std::unique_ptr<tessera::JitLibrary> impl;
};

/// A snapshot of one operation, safe to keep after the module changes.
struct OpInfo {
  std::string name;
  py::dict attributes;
  std::vector<std::string> operandTypes;
  std::vector<std::string> resultTypes;
  std::string location;
  std::string parent;
};

struct ModuleHandle {
  ContextRef context;
  OwningOpRef<ModuleOp> module;

  std::string str(bool generic, bool debugInfo) {
    return printToString(module->getOperation(), generic, debugInfo);
  }

  void verify() {
    DiagnosticCollector diags(context->get());
    if (failed(mlir::verify(*module)))
      diags.raise("module verification failed");
  }

  std::vector<OpInfo> walk() {
    std::vector<OpInfo> ops;
    module->walk<WalkOrder::PreOrder>([&](Operation *op) {
      OpInfo info;
      info.name = op->getName().getStringRef().str();
      for (NamedAttribute a : op->getAttrDictionary())
        info.attributes[py::str(a.getName().str())] =
            attrToPython(a.getValue());
      for (Type t : op->getOperandTypes())
        info.operandTypes.push_back(printToString(t));
      for (Type t : op->getResultTypes())
        info.resultTypes.push_back(printToString(t));
      info.location = printToString(op->getLoc());
      if (Operation *p = op->getParentOp())
        info.parent = p->getName().getStringRef().str();
      ops.push_back(std::move(info));
    });
    return ops;
  }

  /// Runs a textual pass pipeline (`builtin.module(...)` or a bare list of
  /// passes, anchored on the module) in place.
  void runPipeline(const std::string &pipeline, bool verifyEach) {
    registerPassesOnce();
    MLIRContext *ctx = context->get();
    DiagnosticCollector diags(ctx);
    PassManager pm(ctx, ModuleOp::getOperationName());
    pm.enableVerifier(verifyEach);
    std::string errorText;
    llvm::raw_string_ostream errorStream(errorText);
    // `pm` is anchored on the module already: parse only the pass list.
    llvm::StringRef text = llvm::StringRef(pipeline).trim();
    if (text.consume_front("builtin.module(") && text.consume_back(")"))
      text = text.trim();
    if (failed(parsePassPipeline(text, pm, errorStream)))
      raiseMLIRError("invalid pass pipeline '" + pipeline +
                     "': " + llvm::StringRef(errorStream.str()).trim().str());
    // Passes recurse over nested regions: run them on a stack sized for
    // the nesting parseModule admits, not on the calling Python thread's.
    LogicalResult result = failure();
    tessera::runOnLargeStack([&] { result = pm.run(*module); });
    if (failed(result))
      diags.raise("pass pipeline '" + pipeline + "' failed");
  }

  /// Compiles the module (LLVM dialect) to a relocatable object for the
  /// host CPU, in process (lib/Target/LLVMCPU).
  py::bytes emitObject(int optLevel, const std::string &cpu,
                       const std::string &features, unsigned threads,
                       py::object timings) {
    DiagnosticCollector diags(context->get());
    tessera::CodegenTimings t;
    auto obj =
        tessera::emitObject(*module, {cpu, features, optLevel, threads}, &t);
    if (!obj)
      diags.raise(llvm::toString(obj.takeError()));
    if (!timings.is_none()) {
      timings["threads"] = t.threads;
      timings["partitions"] = t.partitions;
      timings["translate_s"] = t.translateSeconds;
      timings["split_s"] = t.splitSeconds;
      timings["optimize_s"] = t.optimizeSeconds;
      timings["codegen_s"] = t.codegenSeconds;
      timings["parallel_wall_s"] = t.parallelSeconds;
      timings["optimize_codegen_cpu_s"] = t.optimizeCodegenCpuSeconds;
      timings["link_s"] = t.linkSeconds;
    }
    return py::bytes(obj->data(), obj->size());
  }

  std::string translateToLLVMIR() {
    MLIRContext *ctx = context->get();
    DiagnosticCollector diags(ctx);
    llvm::LLVMContext llvmContext;
    std::unique_ptr<llvm::Module> llvmModule =
        translateModuleToLLVMIR(module->getOperation(), llvmContext);
    if (!llvmModule)
      diags.raise("translation to LLVM IR failed");
    std::string s;
    llvm::raw_string_ostream os(s);
    llvmModule->print(os, nullptr);
    return os.str();
  }
};

std::unique_ptr<ModuleHandle> parseModule(const ContextRef &context,
                                      const std::string &text,
                                      const std::string &filename) {
  MLIRContext *ctx = context->get();
  DiagnosticCollector diags(ctx);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, filename), llvm::SMLoc());
  // MLIR's parser recurses per nesting level: refuse inputs nested deeper
  // than the limit, and parse the rest on a large stack, so that hostile
  // input gets a diagnostic instead of killing the Python process.
  if (auto violation = tessera::findNestingViolation(text))
    raiseMLIRError("could not parse '" + filename + "':\n" + filename + ":" +
                   std::to_string(violation->line) + ":" +
                   std::to_string(violation->column) +
                   ": error: " + violation->message());
  ParserConfig config(ctx);
  OwningOpRef<ModuleOp> module;
  tessera::runOnLargeStack(
      [&] { module = parseSourceFile<ModuleOp>(sourceMgr, config); });
  if (!module)
    diags.raise("could not parse '" + filename + "'");
  auto result = std::make_unique<ModuleHandle>();
  result->context = context;
  result->module = std::move(module);
  return result;
}

//===----------------------------------------------------------------------===//
// Builder
//===----------------------------------------------------------------------===//

struct BuilderHandle;

/// An SSA value made by a Builder; only valid with the builder that made it.
struct ValueHandle {
  BuilderHandle *owner;
  Value value;
  std::string type() const { return printToString(value.getType()); }
};

/// Builds a module of `func.func`s op by op. Ops are created generically
/// (name, operands, result types, attributes); typed helpers live in Python
/// (tessera/ir/graph.py). Verification happens in `finish()`, which returns
/// the Module and leaves the builder empty.
struct BuilderHandle {
  explicit BuilderHandle(ContextRef ctx)
      : context(std::move(ctx)), builder(context->get()) {
    MLIRContext *c = context->get();
    c->getOrLoadDialect<func::FuncDialect>();
    c->getOrLoadDialect<arith::ArithDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  Location loc(const std::string &name) {
    if (name.empty())
      return builder.getUnknownLoc();
    return NameLoc::get(builder.getStringAttr(name));
  }

  Type parseTypeOrRaise(const std::string &text) {
    DiagnosticCollector diags(context->get());
    Type t;
    parseNested(text, "type", [&] { t = parseType(text, context->get()); });
    if (!t)
      diags.raise("invalid type '" + text + "'");
    return t;
  }

  Attribute toAttribute(py::handle value) {
    MLIRContext *ctx = context->get();
    if (py::isinstance<py::bool_>(value))
      return value.cast<bool>() ? Attribute(UnitAttr::get(ctx)) : Attribute();
    if (py::isinstance<py::int_>(value))
      return builder.getI64IntegerAttr(value.cast<int64_t>());
    if (py::isinstance<py::float_>(value))
      return builder.getF64FloatAttr(value.cast<double>());
    if (py::isinstance<py::str>(value))
      return builder.getStringAttr(value.cast<std::string>());
    if (py::hasattr(value, "mlir_text")) {
      std::string text = value.attr("mlir_text").cast<std::string>();
      DiagnosticCollector diags(ctx);
      Attribute attr;
      parseNested(text, "attribute", [&] { attr = parseAttribute(text, ctx); });
      if (!attr)
        diags.raise("invalid attribute '" + text + "'");
      return attr;
    }
    if (py::isinstance<py::dict>(value)) {
      SmallVector<NamedAttribute> entries;
      for (auto item : value.cast<py::dict>())
        if (Attribute a = toAttribute(item.second))
          entries.emplace_back(
              builder.getStringAttr(item.first.cast<std::string>()), a);
      return builder.getDictionaryAttr(entries);
    }
    if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
      SmallVector<Attribute> elems;
      for (py::handle e : value)
        elems.push_back(toAttribute(e));
      return builder.getArrayAttr(elems);
    }
    raiseMLIRError("unsupported attribute value of Python type '" +
                   py::str(py::type::handle_of(value).attr("__name__")).cast<std::string>() +
                   "'");
  }

  std::vector<ValueHandle> beginFunction(const std::string &name,
                                     const std::vector<std::string> &argTypes,
                                     const std::vector<std::string> &resultTypes,
                                     const std::optional<py::list> &argAttrs,
                                     const std::optional<py::list> &resultAttrs) {
    if (currentFunc)
      raiseMLIRError("function '" + currentFunc.getName().str() +
                     "' is still open: call ret() first");
    SmallVector<Type> args, results;
    for (const std::string &t : argTypes)
      args.push_back(parseTypeOrRaise(t));
    for (const std::string &t : resultTypes)
      results.push_back(parseTypeOrRaise(t));
    builder.setInsertionPointToEnd(module->getBody());
    // Per-argument / per-result attribute dicts (None or {} for none),
    // checked before the function is created.
    auto dictsOf = [&](const std::optional<py::list> &list, size_t count,
                       const char *what) {
      SmallVector<DictionaryAttr> dicts(count);
      if (!list)
        return dicts;
      if (list->size() != count)
        raiseMLIRError(std::string(what) + ": expected " +
                       std::to_string(count) + " entries, got " +
                       std::to_string(list->size()));
      for (size_t i = 0; i < count; ++i) {
        py::handle d = (*list)[i];
        if (d.is_none())
          continue;
        if (!py::isinstance<py::dict>(d))
          raiseMLIRError(std::string(what) + ": entry " + std::to_string(i) +
                         " must be a dict or None");
        dicts[i] = cast<DictionaryAttr>(toAttribute(d));
      }
      return dicts;
    };
    SmallVector<DictionaryAttr> argDicts =
        dictsOf(argAttrs, args.size(), "arg_attrs");
    SmallVector<DictionaryAttr> resultDicts =
        dictsOf(resultAttrs, results.size(), "result_attrs");
    currentFunc = func::FuncOp::create(builder, loc(name), name,
                                       builder.getFunctionType(args, results));
    for (auto [i, d] : llvm::enumerate(argDicts))
      if (d)
        currentFunc.setArgAttrs(i, d);
    for (auto [i, d] : llvm::enumerate(resultDicts))
      if (d)
        currentFunc.setResultAttrs(i, d);
    Block *entry = currentFunc.addEntryBlock();
    builder.setInsertionPointToStart(entry);
    std::vector<ValueHandle> values;
    for (BlockArgument a : entry->getArguments())
      values.push_back(ValueHandle{this, a});
    return values;
  }

  Value unwrap(const ValueHandle &v) {
    if (v.owner != this)
      raiseMLIRError("value belongs to another builder");
    return v.value;
  }

  std::vector<ValueHandle> create(const std::string &name,
                              const std::vector<std::optional<ValueHandle>> &operands,
                              const std::vector<std::string> &resultTypes,
                              const py::dict &attributes,
                              const std::optional<std::vector<int32_t>> &segments,
                              const std::string &locName) {
    if (!currentFunc)
      raiseMLIRError("no open function: call function() first");
    MLIRContext *ctx = context->get();
    std::optional<RegisteredOperationName> opName =
        RegisteredOperationName::lookup(name, ctx);
    if (!opName) {
      // Load the dialect on demand (the registry knows it), then retry.
      StringRef ns = StringRef(name).split('.').first;
      if (ctx->getOrLoadDialect(ns))
        opName = RegisteredOperationName::lookup(name, ctx);
    }
    if (!opName)
      raiseMLIRError("unknown operation '" + name + "'");
    OperationState state(loc(locName), *opName);
    for (const std::optional<ValueHandle> &v : operands)
      if (v)
        state.operands.push_back(unwrap(*v));
    for (const std::string &t : resultTypes)
      state.types.push_back(parseTypeOrRaise(t));
    for (auto item : attributes) {
      Attribute attr = toAttribute(item.second);
      if (attr)
        state.addAttribute(item.first.cast<std::string>(), attr);
    }
    if (segments)
      state.addAttribute("operandSegmentSizes",
                         builder.getDenseI32ArrayAttr(*segments));
    Operation *op = builder.create(state);
    std::vector<ValueHandle> results;
    for (Value r : op->getResults())
      results.push_back(ValueHandle{this, r});
    return results;
  }

  void ret(const std::vector<ValueHandle> &values) {
    if (!currentFunc)
      raiseMLIRError("no open function to return from");
    SmallVector<Value> vs;
    for (const ValueHandle &v : values)
      vs.push_back(unwrap(v));
    func::ReturnOp::create(builder, currentFunc.getLoc(), vs);
    currentFunc = nullptr;
    builder.setInsertionPointToEnd(module->getBody());
  }

  std::unique_ptr<ModuleHandle> finish(bool verify) {
    if (currentFunc)
      raiseMLIRError("function '" + currentFunc.getName().str() +
                     "' is still open: call ret() first");
    if (!module)
      raiseMLIRError("finish() was already called on this builder");
    auto result = std::make_unique<ModuleHandle>();
    result->context = context;
    result->module = std::move(module);
    if (verify)
      result->verify();
    return result;
  }

  ContextRef context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
  func::FuncOp currentFunc;
};

} // namespace

PYBIND11_MODULE(_tessera, m) {
  m.doc() = "Tessera's MLIR bindings (see tessera.ir for the Python API)";

  py::object base = py::module_::import("tessera.errors").attr("MLIRError");
  mlirErrorType = base.ptr();
  Py_INCREF(mlirErrorType);

  py::class_<ContextHandle, ContextRef>(m, "Context")
      .def(py::init<>())
      .def(
          "parse",
          [](const ContextRef &self, const std::string &text,
             const std::string &filename) {
            return parseModule(self, text, filename);
          },
          py::arg("text"), py::arg("filename") = "<string>",
          "Parses MLIR text into a Module; raises MLIRError with the "
          "diagnostics on malformed input.");

  py::class_<OpInfo>(m, "OpInfo")
      .def_readonly("name", &OpInfo::name)
      .def_readonly("attributes", &OpInfo::attributes)
      .def_readonly("operand_types", &OpInfo::operandTypes)
      .def_readonly("result_types", &OpInfo::resultTypes)
      .def_readonly("location", &OpInfo::location)
      .def_readonly("parent", &OpInfo::parent)
      .def("__repr__", [](const OpInfo &o) { return "<OpInfo " + o.name + ">"; });

  py::class_<ModuleHandle>(m, "Module")
      .def("__str__", [](ModuleHandle &self) { return self.str(false, false); })
      .def("to_string", &ModuleHandle::str, py::arg("generic") = false,
           py::arg("debug_info") = false)
      .def("verify", &ModuleHandle::verify,
           "Runs the verifiers; raises MLIRError with their messages.")
      .def("walk", &ModuleHandle::walk,
           "Snapshots of every operation, in pre-order.")
      .def("run_pipeline", &ModuleHandle::runPipeline, py::arg("pipeline"),
           py::arg("verify_each") = true,
           "Runs a textual pass pipeline on the module, in place.")
      .def("translate_to_llvm_ir", &ModuleHandle::translateToLLVMIR,
           "Translates a module in the LLVM dialect to LLVM IR text.")
      .def("emit_object", &ModuleHandle::emitObject, py::arg("opt_level") = 2,
           py::arg("cpu") = "", py::arg("features") = "",
           py::arg("threads") = 0, py::arg("timings") = py::none(),
           "Compiles a module in the LLVM dialect to an object file (bytes) "
           "for this machine's CPU, or for `cpu`/`features` when given. "
           "`threads`: LLVM optimisation/code generation threads (0: "
           "$TESSERA_CODEGEN_THREADS, else the cores available). `timings`: "
           "a dict that gets each phase's seconds.")
      .def(
          "export_launch_plan",
          [](ModuleHandle &self) {
            DiagnosticCollector diags(self.context->get());
            FailureOr<std::string> plan =
                tessera::cuda::exportLaunchPlan(*self.module);
            if (failed(plan))
              diags.raise("launch plan export failed");
            return *plan;
          },
          "The CUDA launch plan (plan.json text) of a module after "
          "tessera-tile-to-nvvm.")
      .def(
          "kernel_llvm_ir",
          [](ModuleHandle &self) {
            DiagnosticCollector diags(self.context->get());
            FailureOr<std::string> text =
                tessera::cuda::kernelLLVMIR(*self.module);
            if (failed(text))
              diags.raise("no kernel LLVM IR");
            return *text;
          },
          "The LLVM IR (NVPTX) of gpu.module @tessera_kernels after "
          "tessera-tile-to-nvvm.")
      .def(
          "kernel_binary",
          [](ModuleHandle &self) {
            DiagnosticCollector diags(self.context->get());
            FailureOr<std::string> bytes =
                tessera::cuda::extractKernelBinary(*self.module);
            if (failed(bytes))
              diags.raise("no kernel binary");
            return py::bytes(*bytes);
          },
          "The PTX text or cubin (bytes) of gpu.binary @tessera_kernels, "
          "after tessera-nvvm-to-binary.")
      .def(
          "clone",
          [](ModuleHandle &self) {
            auto copy = std::make_unique<ModuleHandle>();
            copy->context = self.context;
            copy->module = OwningOpRef<ModuleOp>(self.module->clone());
            return copy;
          },
          "A deep copy in the same context.");

  py::class_<JitLibrary>(m, "JitLibrary")
      .def(py::init<const std::string &>(), py::arg("object"),
           "Loads an object file (bytes from Module.emit_object) in process.")
      .def("lookup", &JitLibrary::lookup, py::arg("name"),
           "The address of a function of the loaded object (for ctypes).");

  m.def(
      "call_packed",
      [](uint64_t entry, uint64_t args) -> py::object {
        uint64_t failed = 0;
        int status;
        {
          // The kernels run on OpenMP threads; other Python threads go on.
          py::gil_scoped_release release;
          status = tessera_rt_call(reinterpret_cast<void (*)(void **)>(entry),
                                   reinterpret_cast<void **>(args), &failed);
        }
        if (status != 0)
          return py::int_(failed);
        return py::none();
      },
      py::arg("entry"), py::arg("args"),
      "Runs a packed entry point `_mlir_<name>` (address from "
      "JitLibrary.lookup) on `args` (address of an array of pointers to the "
      "arguments) without the GIL. None, or -- when an allocation of the "
      "call failed and the call was abandoned (its buffers freed) -- the "
      "size in bytes of the failed request.");
  m.def(
      "runtime_stats",
      [] {
        tessera_rt_stats s;
        tessera_rt_get_stats(&s);
        py::dict d;
        d["live_bytes"] = s.live_bytes;
        d["peak_live_bytes"] = s.peak_live_bytes;
        d["held_bytes"] = s.held_bytes;
        d["peak_held_bytes"] = s.peak_held_bytes;
        d["high_water_bytes"] = s.high_water_bytes;
        d["allocations"] = s.allocations;
        d["fresh_allocations"] = s.fresh_allocations;
        d["fallback_allocations"] = s.fallback_allocations;
        d["failed_allocations"] = s.failed_allocations;
        d["frees"] = s.frees;
        d["releases"] = s.releases;
        d["reserved_bytes"] = s.reserved_bytes;
        d["caching"] = bool(s.caching);
        return d;
      },
      "Counters of the runtime allocator that serves compiled x86 code's "
      "buffers (include/tessera/Runtime/Runtime.h, tessera_rt_stats).");
  m.def("runtime_release", &tessera_rt_release,
        "Gives the runtime allocator's free memory back to the system.");
  m.def("runtime_set_limit", &tessera_rt_set_limit, py::arg("bytes"),
        "Caps the memory the runtime allocator holds (0: no cap).");

  m.def(
      "set_num_threads",
      [](int n) {
        if (llvm::Error err = tessera::setOpenMPNumThreads(n))
          raiseMLIRError(llvm::toString(std::move(err)));
      },
      py::arg("n"),
      "Team size of the compiled x86 kernels' parallel loops started from "
      "the calling thread (OpenMP's omp_set_num_threads).");
  m.def("openmp_runtime", &tessera::getOpenMPRuntimePath,
        "Path of the OpenMP runtime (libomp) compiled x86 modules need.");
  m.def("host_cpu", &tessera::getHostCPUName,
        "The LLVM name of this machine's CPU (part of compiled-module cache keys).");
  m.def("host_features", &tessera::getHostCPUFeatures,
        "This machine's CPU features as an LLVM feature string.");
  m.def("llvm_version", &tessera::getLLVMVersion,
        "The LLVM version the extension was built against.");
  m.def(
      "cpu_features",
      [](const std::string &cpu) {
        // What LLVM enables by default for `cpu` on this machine's triple:
        // the features of a #tessera.target given only a CPU name.
        static bool initialized = [] {
          llvm::InitializeNativeTarget();
          return true;
        }();
        (void)initialized;
        llvm::Triple triple(llvm::sys::getProcessTriple());
        std::string error;
        const llvm::Target *target =
            llvm::TargetRegistry::lookupTarget(triple, error);
        if (!target)
          raiseMLIRError("no LLVM target for " + triple.str() + ": " + error);
        std::unique_ptr<llvm::MCSubtargetInfo> sti(
            target->createMCSubtargetInfo(triple, cpu, ""));
        if (!sti || !sti->isCPUStringValid(cpu))
          raiseMLIRError("unknown CPU '" + cpu + "' for " + triple.str());
        std::vector<std::string> on;
        for (const llvm::SubtargetFeatureKV &kv : sti->getAllProcessorFeatures())
          if (sti->getFeatureBits().test(kv.Value))
            on.push_back("+" + std::string(kv.Key));
        std::sort(on.begin(), on.end());
        std::string out;
        for (const std::string &f : on)
          out += (out.empty() ? "" : ",") + f;
        return out;
      },
      py::arg("cpu"),
      "The LLVM feature string (+avx2,+fma,...) LLVM enables for `cpu` on "
      "this machine's target triple; raises MLIRError for an unknown CPU.");

  py::class_<ValueHandle>(m, "Value")
      .def_property_readonly("type", &ValueHandle::type)
      .def("__repr__",
           [](const ValueHandle &v) { return "<Value : " + v.type() + ">"; });

  py::class_<BuilderHandle>(m, "Builder")
      .def(py::init<ContextRef>(), py::arg("context"))
      .def("function", &BuilderHandle::beginFunction, py::arg("name"),
           py::arg("arg_types"), py::arg("result_types"),
           py::arg("arg_attrs") = py::none(),
           py::arg("result_attrs") = py::none(),
           "Opens a func.func (with optional per-argument/result attribute "
           "dicts); returns its arguments.")
      .def("create", &BuilderHandle::create, py::arg("name"), py::arg("operands"),
           py::arg("result_types"), py::arg("attributes") = py::dict(),
           py::arg("operand_segments") = std::nullopt,
           py::arg("location") = "",
           "Creates an op at the end of the open function; None operands are "
           "absent optional operands (give operand_segments for those ops).")
      .def("ret", &BuilderHandle::ret, py::arg("values"),
           "Closes the open function with func.return.")
      .def("finish", &BuilderHandle::finish, py::arg("verify") = true,
           "Returns the built Module, verified unless verify=False.");
}
