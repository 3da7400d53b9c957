// RUN: tessera-opt %s -split-input-file --tessera-x86-pack-weights -verify-diagnostics

// tessera-x86-pack-weights chooses x86 layouts: another target is reported.
// expected-error @+1 {{tessera-x86-pack-weights: the module's target is 'nvidia', not x86}}
module attributes {tessera.target = #tessera.target<"nvidia", chip = "sm_90">} {
}

// -----

// The weights list of tessera.abi must name arguments of the function.
module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  // expected-error @+1 {{'func.func' op tessera.abi has no weights list within the function's arguments}}
  func.func @f(%w: memref<4x4xf32>) attributes {tessera.abi = {weights = ["a", "b"], first_weight_arg = 0 : i64}} {
    return
  }
}
