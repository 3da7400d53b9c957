#ifndef TESSERA_TARGET_OPS
#define TESSERA_TARGET_OPS
include "tessera/Dialect/Target/IR/TargetDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpBase.td"
def Target_X86FmaOp : Target_Op<"x86.fma", [Pure, AllTypesMatch<["a", "b", "c", "r"]>]> {
  let summary = "placeholder";
  let arguments = (ins AnyVectorOfAnyRank:$a, AnyVectorOfAnyRank:$b, AnyVectorOfAnyRank:$c);
  let results = (outs AnyVectorOfAnyRank:$r);
  let assemblyFormat = "$a `,` $b `,` $c attr-dict `:` type($r)";
}
#endif
