// RUN: tessera-opt %s --tessera-emit-packed-entry-points | FileCheck %s
// RUN: tessera-opt %s --tessera-emit-packed-entry-points --tessera-emit-packed-entry-points | FileCheck %s

// tessera-emit-packed-entry-points on LLVM-dialect functions: args[i]
// points to argument i; a result is stored through args[n]; a C interface
// that is only declared, or already has a packed entry point, gets none.

// CHECK-LABEL: llvm.func @_mlir_ciface_scale(
// CHECK-LABEL: llvm.func @_mlir_scale(
// CHECK-SAME:      %[[ARGS:.*]]: !llvm.ptr) {
// CHECK:         %[[S0:.*]] = llvm.load %[[ARGS]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[X:.*]] = llvm.load %[[S0]] : !llvm.ptr -> f32
// CHECK:         %[[G1:.*]] = llvm.getelementptr %[[ARGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[S1:.*]] = llvm.load %[[G1]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[N:.*]] = llvm.load %[[S1]] : !llvm.ptr -> i64
// CHECK:         %[[R:.*]] = llvm.call @_mlir_ciface_scale(%[[X]], %[[N]]) : (f32, i64) -> f32
// CHECK:         %[[G2:.*]] = llvm.getelementptr %[[ARGS]][2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[S2:.*]] = llvm.load %[[G2]] : !llvm.ptr -> !llvm.ptr
// CHECK:         llvm.store %[[R]], %[[S2]] : f32, !llvm.ptr
// CHECK-NEXT:    llvm.return
llvm.func @_mlir_ciface_scale(%x: f32, %n: i64) -> f32 {
  llvm.return %x : f32
}

// CHECK-LABEL: llvm.func @_mlir_ciface_done(
// CHECK-LABEL: llvm.func @_mlir_done(
// CHECK-NEXT:    llvm.return
// CHECK-NOT:   llvm.func @_mlir_done(
llvm.func @_mlir_ciface_done(%p: !llvm.ptr) {
  llvm.return
}
llvm.func @_mlir_done(%args: !llvm.ptr) {
  llvm.return
}

// CHECK-LABEL: llvm.func @_mlir_ciface_external(!llvm.ptr)
// CHECK-NOT:   @_mlir_external
llvm.func @_mlir_ciface_external(!llvm.ptr)
