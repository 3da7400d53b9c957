//===- LaunchPlan.cpp - Host functions as a CUDA launch plan --------------===//
//
// See include/tessera/Target/CUDA/LaunchPlan.h. One exporter per host op
// kind (exportOp's TypeSwitch); the JSON shapes are those of the bundle
// contract (docs/ARCHITECTURE.md, "NVIDIA bundle").
//
//===----------------------------------------------------------------------===//

#include "tessera/Target/CUDA/LaunchPlan.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/AsmState.h"

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include "tessera/InitAllDialects.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

using namespace mlir;
namespace json = llvm::json;

namespace {

constexpr StringLiteral kKernelModule = "tessera_kernels";

/// "f32", "bf16", ... for the element types the driver knows; "" otherwise.
std::string dtypeName(Type t) {
  if (t.isF32())
    return "f32";
  if (t.isBF16())
    return "bf16";
  if (t.isF16())
    return "f16";
  if (t.isInteger(64))
    return "i64";
  if (t.isInteger(32))
    return "i32";
  return "";
}

/// Attributes as JSON (the function ABI: arrays of names, integers).
json::Value attrToJSON(Attribute a) {
  if (auto s = dyn_cast<StringAttr>(a))
    return s.getValue().str();
  if (auto b = dyn_cast<BoolAttr>(a))
    return b.getValue();
  if (auto i = dyn_cast<IntegerAttr>(a))
    return i.getValue().getSExtValue();
  if (auto f = dyn_cast<FloatAttr>(a))
    return f.getValueAsDouble();
  if (isa<UnitAttr>(a))
    return true;
  if (auto arr = dyn_cast<ArrayAttr>(a)) {
    json::Array out;
    for (Attribute e : arr)
      out.push_back(attrToJSON(e));
    return out;
  }
  if (auto ints = dyn_cast<DenseI64ArrayAttr>(a)) {
    json::Array out;
    for (int64_t v : ints.asArrayRef())
      out.push_back(v);
    return out;
  }
  if (auto dict = dyn_cast<DictionaryAttr>(a)) {
    json::Object out;
    for (NamedAttribute n : dict)
      out[n.getName().getValue()] = attrToJSON(n.getValue());
    return out;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  a.print(os);
  return text;
}

/// Writes one host function's body; names values as the printer does.
class FunctionExporter {
public:
  explicit FunctionExporter(func::FuncOp fn) : fn(fn), state(fn) {}

  FailureOr<json::Object> run(json::Object &kernels);

private:
  std::string name(Value v) {
    std::string s;
    llvm::raw_string_ostream os(s);
    v.printAsOperand(os, state);
    return s;
  }
  json::Value operand(Value v) { return name(v); }
  json::Array operands(ValueRange vs) {
    json::Array out;
    for (Value v : vs)
      out.push_back(operand(v));
    return out;
  }
  /// Static entries as integers, dynamic ones as the next value of `dyn`.
  json::Array mixed(ArrayRef<int64_t> statics, ValueRange dyn) {
    json::Array out;
    unsigned next = 0;
    for (int64_t s : statics)
      out.push_back(ShapedType::isDynamic(s) ? operand(dyn[next++])
                                             : json::Value(s));
    return out;
  }
  FailureOr<json::Value> valueInfo(Value v, Operation *where);
  LogicalResult exportOp(Operation *op, json::Array &body,
                         json::Object &kernels);
  LogicalResult exportLaunch(gpu::LaunchFuncOp launch, json::Array &body,
                             json::Object &kernels);

  func::FuncOp fn;
  AsmState state;
};

FailureOr<json::Value> FunctionExporter::valueInfo(Value v, Operation *where) {
  json::Object info{{"name", name(v)}};
  if (auto m = dyn_cast<MemRefType>(v.getType())) {
    std::string dtype = dtypeName(m.getElementType());
    if (dtype.empty())
      return where->emitError("launch plan: unsupported element type ")
             << m.getElementType() << " of " << name(v);
    json::Array shape;
    for (int64_t d : m.getShape())
      shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
    info["kind"] = "memref";
    info["dtype"] = dtype;
    info["shape"] = std::move(shape);
  } else if (v.getType().isIndex()) {
    info["kind"] = "index";
  } else if (std::string t = dtypeName(v.getType()); !t.empty()) {
    info["kind"] = t;
  } else {
    return where->emitError("launch plan: unsupported argument type ")
           << v.getType();
  }
  return json::Value(std::move(info));
}

LogicalResult FunctionExporter::exportLaunch(gpu::LaunchFuncOp launch,
                                             json::Array &body,
                                             json::Object &kernels) {
  if (launch.getKernelModuleName() != kKernelModule)
    return launch.emitError("launch plan: kernel module must be @")
           << kKernelModule;
  if (launch.getDynamicSharedMemorySize() || launch.hasClusterSize() ||
      launch.getAsyncToken())
    return launch.emitError("launch plan: launches with dynamic shared "
                            "memory, clusters or async tokens are not "
                            "supported");
  std::string kernel = launch.getKernelName().str();
  // The kernel table: block sizes from the constant launch dimensions,
  // parameters from the argument types (every launch of a kernel passes the
  // same types, since its arguments mirror one Tile-IR op's operands).
  json::Array block;
  for (Value v : {launch.getBlockSizeX(), launch.getBlockSizeY(),
                  launch.getBlockSizeZ()}) {
    auto c = v.getDefiningOp<arith::ConstantIndexOp>();
    if (!c)
      return launch.emitError("launch plan: block size of @")
             << kernel << " is not a constant";
    block.push_back(c.value());
  }
  json::Array params;
  for (Value arg : launch.getKernelOperands()) {
    Type t = arg.getType();
    if (auto m = dyn_cast<MemRefType>(t)) {
      std::string dtype = dtypeName(m.getElementType());
      if (dtype.empty())
        return launch.emitError("launch plan: unsupported element type ")
               << m.getElementType() << " in a launch of @" << kernel;
      params.push_back(json::Object{
          {"kind", "memref"}, {"rank", m.getRank()}, {"dtype", dtype}});
    } else if (t.isIndex()) {
      params.push_back(json::Object{{"kind", "index"}});
    } else if (std::string d = dtypeName(t); !d.empty()) {
      params.push_back(json::Object{{"kind", d}});
    } else {
      return launch.emitError("launch plan: unsupported kernel argument type ")
             << t << " in a launch of @" << kernel;
    }
  }
  json::Object entry{{"block", std::move(block)},
                     {"shared_bytes", 0},
                     {"params", std::move(params)}};
  if (json::Value *known = kernels.get(kernel)) {
    if (*known != json::Value(json::Object(entry)))
      return launch.emitError("launch plan: launches of @")
             << kernel << " disagree on block size or argument types";
  } else {
    kernels[kernel] = std::move(entry);
  }
  body.push_back(json::Object{
      {"op", "launch"},
      {"kernel", kernel},
      {"grid", operands({launch.getGridSizeX(), launch.getGridSizeY(),
                         launch.getGridSizeZ()})},
      {"args", operands(launch.getKernelOperands())}});
  return success();
}

/// arith op name -> plan op, for the integer binary ops the driver evaluates.
StringRef binaryOpName(Operation *op) {
  return llvm::TypeSwitch<Operation *, StringRef>(op)
      .Case([](arith::AddIOp) { return "addi"; })
      .Case([](arith::SubIOp) { return "subi"; })
      .Case([](arith::MulIOp) { return "muli"; })
      .Case([](arith::DivUIOp) { return "divui"; })
      .Case([](arith::DivSIOp) { return "divsi"; })
      .Case([](arith::RemUIOp) { return "remui"; })
      .Case([](arith::RemSIOp) { return "remsi"; })
      .Case([](arith::CeilDivUIOp) { return "ceildivui"; })
      .Case([](arith::CeilDivSIOp) { return "ceildivsi"; })
      .Case([](arith::FloorDivSIOp) { return "floordivsi"; })
      .Case([](arith::MinUIOp) { return "minui"; })
      .Case([](arith::MaxUIOp) { return "maxui"; })
      .Case([](arith::MinSIOp) { return "minsi"; })
      .Case([](arith::MaxSIOp) { return "maxsi"; })
      .Case([](arith::AndIOp) { return "andi"; })
      .Case([](arith::OrIOp) { return "ori"; })
      .Case([](arith::ShLIOp) { return "shli"; })
      .Case([](arith::ShRUIOp) { return "shrui"; })
      .Default([](Operation *) { return ""; });
}

LogicalResult FunctionExporter::exportOp(Operation *op, json::Array &body,
                                         json::Object &kernels) {
  if (op->getNumRegions() != 0)
    return op->emitError("launch plan: unsupported host op '")
           << op->getName() << "' (regions are not supported)";
  if (StringRef bin = binaryOpName(op); !bin.empty()) {
    body.push_back(json::Object{{"op", bin},
                                {"result", name(op->getResult(0))},
                                {"lhs", operand(op->getOperand(0))},
                                {"rhs", operand(op->getOperand(1))}});
    return success();
  }
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](arith::ConstantOp c) -> LogicalResult {
        auto i = dyn_cast<IntegerAttr>(c.getValue());
        if (!i)
          return c.emitError("launch plan: unsupported host constant ")
                 << c.getValue() << " (only integers and indices)";
        body.push_back(json::Object{{"op", "constant"},
                                    {"result", name(c.getResult())},
                                    {"value", i.getValue().getSExtValue()}});
        return success();
      })
      .Case([&](arith::CmpIOp c) {
        body.push_back(json::Object{
            {"op", "cmpi"},
            {"predicate", arith::stringifyCmpIPredicate(c.getPredicate())},
            {"result", name(c.getResult())},
            {"lhs", operand(c.getLhs())},
            {"rhs", operand(c.getRhs())}});
        return success();
      })
      .Case([&](arith::SelectOp s) {
        body.push_back(json::Object{{"op", "select"},
                                    {"result", name(s.getResult())},
                                    {"cond", operand(s.getCondition())},
                                    {"true", operand(s.getTrueValue())},
                                    {"false", operand(s.getFalseValue())}});
        return success();
      })
      .Case<arith::IndexCastOp, arith::IndexCastUIOp>([&](Operation *c) {
        body.push_back(json::Object{{"op", "index_cast"},
                                    {"result", name(c->getResult(0))},
                                    {"source", operand(c->getOperand(0))}});
        return success();
      })
      .Case([&](memref::DimOp d) {
        body.push_back(json::Object{{"op", "dim"},
                                    {"result", name(d.getResult())},
                                    {"source", operand(d.getSource())},
                                    {"index", operand(d.getIndex())}});
        return success();
      })
      .Case([&](memref::AllocOp a) -> LogicalResult {
        MemRefType t = a.getType();
        std::string dtype = dtypeName(t.getElementType());
        if (dtype.empty() || !t.getLayout().isIdentity())
          return a.emitError("launch plan: unsupported allocation ") << t;
        body.push_back(json::Object{
            {"op", "alloc"},
            {"result", name(a.getResult())},
            {"dtype", dtype},
            {"shape", mixed(t.getShape(), a.getDynamicSizes())},
            {"alignment", int64_t(a.getAlignment().value_or(64))}});
        return success();
      })
      .Case([&](memref::ExtractStridedMetadataOp m) {
        json::Array sizes, strides;
        for (Value v : m.getSizes())
          sizes.push_back(name(v));
        for (Value v : m.getStrides())
          strides.push_back(name(v));
        body.push_back(json::Object{{"op", "extract_strided_metadata"},
                                    {"source", operand(m.getSource())},
                                    {"base", name(m.getBaseBuffer())},
                                    {"offset", name(m.getOffset())},
                                    {"sizes", std::move(sizes)},
                                    {"strides", std::move(strides)}});
        return success();
      })
      .Case([&](memref::ReinterpretCastOp r) {
        body.push_back(json::Object{
            {"op", "reinterpret_cast"},
            {"result", name(r.getResult())},
            {"source", operand(r.getSource())},
            {"offset", mixed(r.getStaticOffsets(), r.getOffsets())[0]},
            {"sizes", mixed(r.getStaticSizes(), r.getSizes())},
            {"strides", mixed(r.getStaticStrides(), r.getStrides())}});
        return success();
      })
      .Case<memref::CastOp, memref::TransposeOp>([&](Operation *view)
                                                     -> LogicalResult {
        // memref.cast (same view, another static type) and memref.transpose
        // (permuted sizes and strides; expand-strided-metadata keeps it):
        // the source's metadata, reinterpreted. Names are suffixed so they
        // stay unique.
        Value source = view->getOperand(0);
        auto t = dyn_cast<MemRefType>(source.getType());
        if (!t)
          return view->emitError("launch plan: unsupported host op '")
                 << view->getName() << "' of an unranked memref";
        std::string r = name(view->getResult(0));
        SmallVector<unsigned> perm = llvm::to_vector(
            llvm::seq<unsigned>(0, static_cast<unsigned>(t.getRank())));
        if (auto tr = dyn_cast<memref::TransposeOp>(view)) {
          if (!tr.getPermutation().isPermutation())
            return tr.emitError("launch plan: memref.transpose needs a "
                                "permutation map");
          for (unsigned i = 0; i < perm.size(); ++i)
            perm[i] = tr.getPermutation().getDimPosition(i);
        }
        json::Array metaSizes, metaStrides, sizes, strides;
        for (int64_t i = 0; i < t.getRank(); ++i) {
          metaSizes.push_back(r + ".size" + std::to_string(i));
          metaStrides.push_back(r + ".stride" + std::to_string(i));
        }
        for (unsigned p : perm) {
          sizes.push_back(r + ".size" + std::to_string(p));
          strides.push_back(r + ".stride" + std::to_string(p));
        }
        body.push_back(json::Object{{"op", "extract_strided_metadata"},
                                    {"source", operand(source)},
                                    {"base", r + ".base"},
                                    {"offset", r + ".offset"},
                                    {"sizes", std::move(metaSizes)},
                                    {"strides", std::move(metaStrides)}});
        body.push_back(json::Object{{"op", "reinterpret_cast"},
                                    {"result", r},
                                    {"source", operand(source)},
                                    {"offset", r + ".offset"},
                                    {"sizes", std::move(sizes)},
                                    {"strides", std::move(strides)}});
        return success();
      })
      .Case([&](gpu::LaunchFuncOp l) { return exportLaunch(l, body, kernels); })
      .Case([&](memref::CopyOp c) {
        body.push_back(json::Object{{"op", "copy"},
                                    {"source", operand(c.getSource())},
                                    {"target", operand(c.getTarget())}});
        return success();
      })
      .Case([&](memref::DeallocOp d) {
        body.push_back(
            json::Object{{"op", "dealloc"}, {"source", operand(d.getMemref())}});
        return success();
      })
      .Case([&](func::ReturnOp r) -> LogicalResult {
        if (r.getNumOperands() != 0)
          return r.emitError("launch plan: host functions return their "
                             "results through arguments; got a return "
                             "with operands");
        body.push_back(json::Object{{"op", "return"}});
        return success();
      })
      .Default([&](Operation *other) {
        return other->emitError("launch plan: unsupported host op '")
               << other->getName() << "'";
      });
}

FailureOr<json::Object> FunctionExporter::run(json::Object &kernels) {
  if (!fn.getBody().hasOneBlock())
    return fn.emitError("launch plan: host function @")
           << fn.getSymName() << " must have a single block";
  json::Object abi;
  for (NamedAttribute a : fn->getAttrs())
    if (a.getName().getValue().starts_with("tessera."))
      abi[a.getName().getValue().drop_front(strlen("tessera."))] =
          attrToJSON(a.getValue());
  json::Array args;
  for (BlockArgument arg : fn.getArguments()) {
    FailureOr<json::Value> info = valueInfo(arg, fn);
    if (failed(info))
      return failure();
    args.push_back(std::move(*info));
  }
  json::Array body;
  for (Operation &op : fn.getBody().front())
    if (failed(exportOp(&op, body, kernels)))
      return failure();
  return json::Object{{"abi", std::move(abi)},
                      {"args", std::move(args)},
                      {"body", std::move(body)}};
}

/// The chip of the kernels: from the gpu.module's #nvvm.target (or AMD's
/// #rocdl.target: the plan is the same for the HIP driver), or from the
/// gpu.binary's object once compiled.
FailureOr<std::string> kernelChip(ModuleOp module) {
  Operation *kernels = SymbolTable::lookupSymbolIn(module, kKernelModule);
  ArrayAttr targets;
  if (auto m = dyn_cast_or_null<gpu::GPUModuleOp>(kernels))
    targets = m.getTargetsAttr();
  else if (auto b = dyn_cast_or_null<gpu::BinaryOp>(kernels)) {
    SmallVector<Attribute> ts;
    for (Attribute o : b.getObjectsAttr())
      ts.push_back(cast<gpu::ObjectAttr>(o).getTarget());
    targets = ArrayAttr::get(module.getContext(), ts);
  } else {
    return module.emitError("launch plan: the module has no @")
           << kKernelModule << " (run tessera-tile-to-nvvm first)";
  }
  for (Attribute t : targets) {
    if (auto nvvm = dyn_cast<NVVM::NVVMTargetAttr>(t))
      return nvvm.getChip().str();
    if (auto rocdl = dyn_cast<ROCDL::ROCDLTargetAttr>(t))
      return rocdl.getChip().str();
  }
  return module.emitError("launch plan: @")
         << kKernelModule << " has no #nvvm.target or #rocdl.target";
}

/// The plan as JSON with one kernel, argument or instruction per line, so
/// that it reads (and greps, and FileChecks) line by line.
std::string printPlan(StringRef chip, json::Object &kernels,
                      json::Object &functions) {
  std::string out;
  llvm::raw_string_ostream os(out);
  auto compact = [](const json::Value &v) {
    return llvm::formatv("{0}", v).str();
  };
  // llvm::json::Object iterates in hash order; print keys sorted.
  auto sortedKeys = [](const json::Object &o) {
    SmallVector<std::string> keys;
    for (const auto &kv : o)
      keys.push_back(kv.first.str());
    llvm::sort(keys);
    return keys;
  };
  // Same plan for both GPU drivers; the format names the one that runs it.
  StringRef format =
      StringRef(chip).starts_with("gfx") ? "tessera-rocm-plan" : "tessera-cuda-plan";
  os << "{\n \"format\": \"" << format << "\",\n \"version\": 1,\n"
     << " \"chip\": " << compact(chip) << ",\n \"kernels\": {";
  llvm::ListSeparator kernelSep(",");
  for (const std::string &k : sortedKeys(kernels))
    os << kernelSep << "\n  " << compact(k) << ": " << compact(*kernels.get(k));
  os << "\n },\n \"functions\": {";
  llvm::ListSeparator fnSep(",");
  for (const std::string &f : sortedKeys(functions)) {
    json::Object &fn = *functions.getObject(f);
    os << fnSep << "\n  " << compact(f) << ": {\n   \"abi\": "
       << compact(*fn.get("abi"));
    for (StringRef list : {"args", "body"}) {
      os << ",\n   \"" << list << "\": [";
      llvm::ListSeparator sep(",");
      for (const json::Value &v : *fn.getArray(list))
        os << sep << "\n    " << compact(v);
      os << "\n   ]";
    }
    os << "\n  }";
  }
  os << "\n }\n}";
  return out;
}

} // namespace

FailureOr<std::string> mlir::tessera::cuda::exportLaunchPlan(ModuleOp module) {
  FailureOr<std::string> chip = kernelChip(module);
  if (failed(chip))
    return failure();
  json::Object kernels, functions;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isExternal())
      continue;
    FailureOr<json::Object> f = FunctionExporter(fn).run(kernels);
    if (failed(f))
      return failure();
    functions[fn.getSymName()] = std::move(*f);
  }
  return printPlan(*chip, kernels, functions);
}

FailureOr<std::string>
mlir::tessera::cuda::extractKernelBinary(ModuleOp module) {
  auto binary = dyn_cast_or_null<gpu::BinaryOp>(
      SymbolTable::lookupSymbolIn(module, kKernelModule));
  if (!binary || binary.getObjectsAttr().size() != 1)
    return module.emitError("no gpu.binary @")
           << kKernelModule
           << " with one object (run tessera-nvvm-to-binary first)";
  return cast<gpu::ObjectAttr>(binary.getObjectsAttr()[0])
      .getObject()
      .getValue()
      .str();
}

FailureOr<std::string> mlir::tessera::cuda::kernelLLVMIR(ModuleOp module) {
  auto kernels = dyn_cast_or_null<gpu::GPUModuleOp>(
      SymbolTable::lookupSymbolIn(module, kKernelModule));
  if (!kernels)
    return module.emitError("no gpu.module @")
           << kKernelModule << " (run tessera-tile-to-nvvm first)";
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> ir =
      translateModuleToLLVMIR(kernels, context, kKernelModule);
  if (!ir)
    return kernels.emitError("translation of the kernels to LLVM IR failed");
  std::string text;
  llvm::raw_string_ostream os(text);
  ir->print(os, nullptr);
  return text;
}

//===----------------------------------------------------------------------===//
// Translations (tessera-translate)
//===----------------------------------------------------------------------===//

void mlir::tessera::cuda::registerCUDATranslations() {
  TranslateFromMLIRRegistration plan(
      "tessera-to-cuda-plan",
      "host functions of a tessera-tile-to-nvvm module as the CUDA driver's "
      "plan.json",
      [](Operation *op, llvm::raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError("expected a builtin.module");
        FailureOr<std::string> text = exportLaunchPlan(module);
        if (failed(text))
          return failure();
        os << *text << "\n";
        return success();
      },
      [](DialectRegistry &registry) {
        registerAllDialects(registry);
        registerAllTranslations(registry);
      });
  TranslateFromMLIRRegistration binary(
      "tessera-kernel-binary",
      "the object of gpu.binary @tessera_kernels (PTX text or cubin), raw",
      [](Operation *op, llvm::raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError("expected a builtin.module");
        FailureOr<std::string> bytes = extractKernelBinary(module);
        if (failed(bytes))
          return failure();
        os << *bytes;
        return success();
      },
      [](DialectRegistry &registry) {
        registerAllDialects(registry);
        registerAllTranslations(registry);
      });
}
