// RUN: tessera-opt %s -split-input-file --tessera-verify-llvm-stage -verify-diagnostics | FileCheck %s

// tessera-verify-llvm-stage accepts modules made only of LLVM-dialect ops
// (what translation to LLVM IR needs) and leaves them unchanged; it reports
// the first op of another dialect, outermost first, and fails.

// CHECK-LABEL: llvm.func @add(
// CHECK-SAME:    %[[A:.*]]: f32, %[[P:.*]]: !llvm.ptr)
// CHECK:         %[[C:.*]] = llvm.mlir.constant(1.000000e+00 : f32) : f32
// CHECK:         %[[S:.*]] = llvm.fadd %[[A]], %[[C]] : f32
// CHECK:         llvm.store %[[S]], %[[P]] : f32, !llvm.ptr
// CHECK:         llvm.return
// CHECK-LABEL: llvm.func @_mlir_ciface_add(
// CHECK:         llvm.call @add
// CHECK-LABEL: llvm.func @malloc(i64) -> !llvm.ptr
llvm.func @add(%a: f32, %p: !llvm.ptr) {
  %c = llvm.mlir.constant(1.0 : f32) : f32
  %s = llvm.fadd %a, %c : f32
  llvm.store %s, %p : f32, !llvm.ptr
  llvm.return
}
llvm.func @_mlir_ciface_add(%a: f32, %p: !llvm.ptr) {
  llvm.call @add(%a, %p) : (f32, !llvm.ptr) -> ()
  llvm.return
}
llvm.func @malloc(i64) -> !llvm.ptr

// -----

// A function that was not converted.
// expected-error @+1 {{'func.func' was not lowered to the LLVM dialect}}
func.func @not_lowered(%a: f32) -> f32 {
  %0 = arith.addf %a, %a : f32
  return %0 : f32
}

// -----

// A leftover op inside an LLVM function.
llvm.func @leftover_arith(%a: f32) -> f32 {
  // expected-error @+1 {{'arith.addf' was not lowered to the LLVM dialect}}
  %0 = arith.addf %a, %a : f32
  llvm.return %0 : f32
}

// -----

// A cast that reconcile-unrealized-casts could not remove; only the first
// offender is reported (the math.exp after it has no diagnostic).
llvm.func @leftover_cast(%a: i64) -> f32 {
  // expected-error @+1 {{'builtin.unrealized_conversion_cast' was not lowered to the LLVM dialect}}
  %0 = builtin.unrealized_conversion_cast %a : i64 to index
  %1 = llvm.mlir.constant(0.0 : f32) : f32
  %2 = math.exp %1 : f32
  llvm.return %2 : f32
}

// -----

// Leftover loops: the scf.for is reported, not its body.
llvm.func @leftover_scf(%n: i64) {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  // expected-error @+1 {{'scf.for' was not lowered to the LLVM dialect}}
  scf.for %i = %c0 to %n step %c1 : i64 {
    %x = llvm.add %i, %i : i64
  }
  llvm.return
}
