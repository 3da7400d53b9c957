// RUN: tessera-opt %s -convert-tile-to-target=target=nvidia -verify-diagnostics
// RUN: tessera-opt %s -convert-tile-to-target="target=x86 vector-width=16" | FileCheck %s

// Only the x86 target exists; any other name is reported on the module and
// nothing is lowered, even where there is nothing to lower. With target=x86
// the same module lowers.

// CHECK-LABEL: func.func @f(
// CHECK-NOT:     tile.
// CHECK:         vector.load {{.*}} vector<16xf32>
// expected-error @+1 {{convert-tile-to-target: unknown target 'nvidia' (available: x86)}}
module {
  func.func @f(%a: memref<4x16xf32>) {
    tile.add %a, %a, %a : memref<4x16xf32>, memref<4x16xf32>, memref<4x16xf32>
    return
  }
}
