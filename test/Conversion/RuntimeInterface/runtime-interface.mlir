// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-x86-to-llvm | FileCheck %s --implicit-check-not=malloc --implicit-check-not="@free"
// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-x86-to-llvm --tessera-use-runtime-allocator --tessera-emit-packed-entry-points | FileCheck %s --implicit-check-not=malloc --implicit-check-not="@free"

// The x86 pipeline's heap buffers go to Tessera's runtime allocator
// (lib/Runtime): memref.alloc becomes tessera_rt_aligned_alloc (the block
// is the buffer: allocated and aligned pointers are the same value),
// memref.dealloc tessera_rt_free; nothing calls malloc/free. Each
// C-interface function gets a packed entry point _mlir_<name>(args) that
// loads its arguments through args[i]. Both passes are idempotent.

// CHECK-NOT:   _mlir_memref_to_llvm
// CHECK-DAG:   llvm.func @tessera_rt_free(!llvm.ptr)
// CHECK-DAG:   llvm.func @tessera_rt_aligned_alloc(i64, i64) -> !llvm.ptr
// CHECK-LABEL: llvm.func @scratch(
// CHECK:         %[[ALIGN:.*]] = llvm.mlir.constant(64 : index) : i64
// CHECK:         %[[P:.*]] = llvm.call @tessera_rt_aligned_alloc(%[[ALIGN]], %{{.*}}) : (i64, i64) -> !llvm.ptr
// CHECK:         "llvm.intr.memcpy"(%[[P]],
// CHECK:         "llvm.intr.memcpy"(%{{.*}}, %[[P]],
// CHECK:         llvm.call @tessera_rt_free(%[[P]]) : (!llvm.ptr) -> ()
// CHECK:         llvm.return
// CHECK-LABEL: llvm.func @_mlir_ciface_scratch(
// CHECK-LABEL: llvm.func @_mlir_scratch(
// CHECK-SAME:      %[[ARGS:.*]]: !llvm.ptr) {
// CHECK:         %[[S0:.*]] = llvm.load %[[ARGS]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[A0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[G1:.*]] = llvm.getelementptr %[[ARGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[S1:.*]] = llvm.load %[[G1]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[A1:.*]] = llvm.load %[[S1]] : !llvm.ptr -> !llvm.ptr
// CHECK:         llvm.call @_mlir_ciface_scratch(%[[A0]], %[[A1]]) : (!llvm.ptr, !llvm.ptr) -> ()
// CHECK-NEXT:    llvm.return
func.func @scratch(%in: memref<?xf32>, %out: memref<?xf32>) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %n = memref.dim %in, %c0 : memref<?xf32>
  %t = memref.alloc(%n) {alignment = 64 : i64} : memref<?xf32>
  memref.copy %in, %t : memref<?xf32> to memref<?xf32>
  memref.copy %t, %out : memref<?xf32> to memref<?xf32>
  memref.dealloc %t : memref<?xf32>
  return
}
