// RUN: tessera-translate %s --tessera-to-x86-object -o %t.o
// RUN: llvm-nm %t.o | FileCheck %s
// RUN: tessera-translate %s --tessera-to-x86-object --tessera-cpu=x86-64 --tessera-cpu-features=+avx2,+fma --tessera-opt-level=0 -o %t.generic.o
// RUN: llvm-nm %t.generic.o | FileCheck %s

// --tessera-to-x86-object (lib/Target/LLVMCPU): an LLVM-dialect module to a
// relocatable x86 object, for the host CPU and its features by default or
// for --tessera-cpu/--tessera-cpu-features; the same code path as the
// Python driver's `obj` stage.

// CHECK: T add_one
llvm.func @add_one(%x: f32) -> f32 {
  %c = llvm.mlir.constant(1.0 : f32) : f32
  %r = llvm.fadd %x, %c : f32
  llvm.return %r : f32
}
