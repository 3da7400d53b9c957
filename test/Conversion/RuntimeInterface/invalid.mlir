// RUN: tessera-opt %s --tessera-use-runtime-allocator -split-input-file -verify-diagnostics

// A module that defines a generic allocation function itself: its calls
// would silently change meaning, so the pass refuses it.
// expected-error @+1 {{the module defines '_mlir_memref_to_llvm_aligned_alloc' itself; tessera-use-runtime-allocator redirects its calls to 'tessera_rt_aligned_alloc' of Tessera's runtime}}
llvm.func @_mlir_memref_to_llvm_aligned_alloc(%a: i64, %n: i64) -> !llvm.ptr {
  %p = llvm.mlir.zero : !llvm.ptr
  llvm.return %p : !llvm.ptr
}
