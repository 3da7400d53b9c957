// RUN: tessera-opt %s -split-input-file --tessera-target-to-llvm -verify-diagnostics

// tessera-target-to-llvm reads the target from
// the module: a module whose target is not x86 fails with a diagnostic
// naming the target, and is never lowered with the x86 pipeline. Without a
// target nothing is lowered either.

// expected-error @+1 {{target 'nvidia' has no tessera-target-to-llvm stage: its host functions become a launch plan (tessera-translate --tessera-to-cuda-plan) and its kernels a binary (tessera-nvvm-to-binary)}}
module attributes {tessera.target = #tessera.target<"nvidia", chip = "sm_90a">} {
  func.func @f(%a: memref<8xf32>) {
    %c0 = arith.constant 0 : index
    %v = vector.load %a[%c0] : memref<8xf32>, vector<8xf32>
    vector.store %v, %a[%c0] : memref<8xf32>, vector<8xf32>
    return
  }
}

// -----

// expected-error @+1 {{target 'amd' has no tessera-target-to-llvm stage: its host functions become a launch plan (tessera-translate --tessera-to-cuda-plan) and its kernels a binary (tessera-rocdl-to-binary)}}
module attributes {tessera.target = #tessera.target<"amd", chip = "gfx942">} {
  func.func @f() {
    return
  }
}

// -----

// expected-error @+1 {{module has no 'tessera.target' attribute}}
module {
  func.func @f() {
    return
  }
}
