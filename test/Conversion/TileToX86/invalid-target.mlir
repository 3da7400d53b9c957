// RUN: tessera-opt %s -split-input-file -convert-tile-to-x86 -verify-diagnostics

// convert-tile-to-x86 reads the target from the module: it lowers only a
// module whose #tessera.target is x86 and reports any other (or none) on the
// module, lowering nothing.

// expected-error @+1 {{convert-tile-to-x86: the module's target is 'nvidia', not x86}}
module attributes {tessera.target = #tessera.target<"nvidia", chip = "sm_90a">} {
  func.func @f(%a: memref<4x16xf32>) {
    tile.add %a, %a, %a : memref<4x16xf32>, memref<4x16xf32>, memref<4x16xf32>
    return
  }
}

// -----

// No default target: a module without one is told how to add it.
// expected-error @+1 {{module has no 'tessera.target' attribute: compile with `tessera compile --target`, run --tessera-attach-target, or add e.g. `module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">}`}}
module {
  func.func @f(%a: memref<4x16xf32>) {
    tile.add %a, %a, %a : memref<4x16xf32>, memref<4x16xf32>, memref<4x16xf32>
    return
  }
}

// -----

// expected-error @+1 {{'tessera.target' must be a #tessera.target, got "x86"}}
module attributes {tessera.target = "x86"} {
  func.func @f() {
    return
  }
}
