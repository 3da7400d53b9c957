// RUN: tessera-translate %s --tessera-to-x86-object --tessera-codegen-threads=1 -o %t.serial.o
// RUN: llvm-nm %t.serial.o | FileCheck %s
// RUN: tessera-translate %s --tessera-to-x86-object --tessera-codegen-threads=2 -o %t.parallel.o
// RUN: llvm-nm %t.parallel.o | FileCheck %s
// RUN: llvm-readelf -h %t.parallel.o | FileCheck %s --check-prefix=ELF
// RUN: env TESSERA_CODEGEN_THREADS=2 tessera-translate %s --tessera-to-x86-object -o %t.env.o
// RUN: cmp %t.parallel.o %t.env.o
// RUN: env TESSERA_CODEGEN_THREADS=4 tessera-translate %s --tessera-to-x86-object -o %t.four.o
// RUN: llvm-nm %t.four.o | FileCheck %s
// RUN: env TESSERA_CODEGEN_THREADS=zero not tessera-translate %s --tessera-to-x86-object -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: env TESSERA_CODEGEN_THREADS=0 not tessera-translate %s --tessera-to-x86-object -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD0

// Code generation on several threads (lib/Target/LLVMCPU emitObject): the
// module is split by function -- a kernel with the local functions it
// refers to, the entry point that calls kernels in a later phase -- each
// part optimised and compiled on its own thread, and the parts linked into
// ONE relocatable object with `ld.lld -r`. Local symbols stay local (t), the
// same thread count gives the same bytes, and the private constant that
// every part uses is copied into each.

// CHECK-DAG: T entry
// CHECK-DAG: T kernel_a
// CHECK-DAG: T kernel_b
// CHECK-DAG: t helper
// CHECK-DAG: U free
// ELF: Type: REL (Relocatable file)
// BAD: error: TESSERA_CODEGEN_THREADS must be a positive integer, got 'zero'
// BAD0: error: TESSERA_CODEGEN_THREADS must be a positive integer, got '0'

llvm.mlir.global private constant @scale(2.0 : f32) {addr_space = 0 : i32} : f32
llvm.func @free(!llvm.ptr)

llvm.func internal @helper(%p: !llvm.ptr, %i: i64) -> f32 attributes {no_inline} {
  %s = llvm.mlir.addressof @scale : !llvm.ptr
  %c = llvm.load %s : !llvm.ptr -> f32
  %q = llvm.getelementptr %p[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
  %v = llvm.load %q : !llvm.ptr -> f32
  %r = llvm.fmul %v, %c : f32
  llvm.return %r : f32
}

// %unused is never read: the entry point passes poison for it.
llvm.func @kernel_a(%p: !llvm.ptr, %unused: i64, %n: i64) attributes {no_inline} {
  %zero = llvm.mlir.constant(0 : i64) : i64
  %v = llvm.call @helper(%p, %zero) : (!llvm.ptr, i64) -> f32
  llvm.store %v, %p : f32, !llvm.ptr
  llvm.return
}

llvm.func @kernel_b(%p: !llvm.ptr) attributes {no_inline} {
  %s = llvm.mlir.addressof @scale : !llvm.ptr
  %c = llvm.load %s : !llvm.ptr -> f32
  llvm.store %c, %p : f32, !llvm.ptr
  llvm.call @free(%p) : (!llvm.ptr) -> ()
  llvm.return
}

llvm.func @entry(%p: !llvm.ptr, %q: !llvm.ptr, %n: i64) {
  llvm.call @kernel_a(%p, %n, %n) : (!llvm.ptr, i64, i64) -> ()
  llvm.call @kernel_b(%q) : (!llvm.ptr) -> ()
  llvm.return
}
