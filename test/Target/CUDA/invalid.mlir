// RUN: tessera-translate %s --tessera-to-cuda-plan -split-input-file -verify-diagnostics

// The launch plan has a fixed instruction set (docs/ARCHITECTURE.md, "NVIDIA
// bundle"): every other host op, type or launch form is an error naming it.

// A host op outside the plan's instruction set.
module attributes {gpu.container_module} {
  func.func @f(%n: index) {
    // expected-error @+1 {{launch plan: unsupported host op 'memref.alloca'}}
    %a = memref.alloca(%n) : memref<?xf32>
    return
  }
  gpu.module @tessera_kernels [#nvvm.target<chip = "sm_90a">] {
  }
}

// -----

// Host control flow (regions) is not replayed by the driver.
module attributes {gpu.container_module} {
  func.func @f(%n: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{launch plan: unsupported host op 'scf.for' (regions are not supported)}}
    scf.for %i = %c0 to %n step %c1 {
    }
    return
  }
  gpu.module @tessera_kernels [#nvvm.target<chip = "sm_90a">] {
  }
}

// -----

// Host arithmetic is on integers only.
module attributes {gpu.container_module} {
  func.func @f() {
    // expected-error @+1 {{launch plan: unsupported host constant 1.000000e+00 : f32 (only integers and indices)}}
    %x = arith.constant 1.0 : f32
    return
  }
  gpu.module @tessera_kernels [#nvvm.target<chip = "sm_90a">] {
  }
}

// -----

// Block sizes go into the kernel table, so they must be constants.
module attributes {gpu.container_module} {
  func.func @f(%x: memref<?xf32>, %n: index) {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{launch plan: block size of @k is not a constant}}
    gpu.launch_func @tessera_kernels::@k blocks in (%c1, %c1, %c1) threads in (%n, %c1, %c1) args(%x : memref<?xf32>)
    return
  }
  gpu.module @tessera_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @k(%x: memref<?xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// Element types the driver cannot upload.
module attributes {gpu.container_module} {
  // expected-error @+1 {{launch plan: unsupported element type 'f64' of %arg0}}
  func.func @f(%x: memref<?xf64>) {
    return
  }
  gpu.module @tessera_kernels [#nvvm.target<chip = "sm_90a">] {
  }
}

// -----

// Without the kernels there is nothing to launch.
// expected-error @+1 {{launch plan: the module has no @tessera_kernels (run tessera-tile-to-nvvm first)}}
module {
  func.func @f() {
    return
  }
}
