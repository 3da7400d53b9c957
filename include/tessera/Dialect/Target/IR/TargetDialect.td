#ifndef TESSERA_TARGET_DIALECT
#define TESSERA_TARGET_DIALECT
include "mlir/IR/OpBase.td"
def Target_Dialect : Dialect {
  let name = "target";
  let summary = "Tessera Target-IR: per-target ops";
  let cppNamespace = "::mlir::tessera::target";
}
class Target_Op<string mnemonic, list<Trait> traits = []> : Op<Target_Dialect, mnemonic, traits>;
#endif
