// RUN: tessera-opt %s -split-input-file --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-target-to-llvm -verify-diagnostics

// tessera-target-to-llvm ends with tessera-verify-llvm-stage: Tile-IR that
// was not lowered (tessera-tile-to-target skipped) fails the pipeline.

func.func @leftover_barrier() {
  // expected-error @+1 {{'tile.barrier' was not lowered to the LLVM dialect}}
  tile.barrier
  return
}

// -----

// With buffer operands the first op reported is the cast the function
// conversion left for the tile op's operand (the message currently names
// builtin.unrealized_conversion_cast, at the argument, not tile.add).
// expected-error @+1 {{was not lowered to the LLVM dialect}}
func.func @leftover_add(%a: memref<4x16xf32>) {
  tile.add %a, %a, %a : memref<4x16xf32>, memref<4x16xf32>, memref<4x16xf32>
  return
}
