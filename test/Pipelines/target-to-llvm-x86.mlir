// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-target-to-llvm | FileCheck %s --implicit-check-not=target.x86

// tessera-target-to-llvm lowers the Target-IR x86 ops that
// tessera-tile-to-target writes (vector FMAs) before the upstream
// conversions: target.x86.vector_fma becomes llvm.intr.fmuladd.

// CHECK-LABEL: llvm.func @fma(
// CHECK:         %[[V:.*]] = llvm.load %{{.*}} : !llvm.ptr -> vector<8xf32>
// CHECK:         %[[R:.*]] = llvm.intr.fmuladd(%[[V]], %[[V]], %[[V]]) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// CHECK:         llvm.store %[[R]]
// CHECK:         llvm.intr.fmuladd({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK:         llvm.return
func.func @fma(%a: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %v = vector.load %a[%c0] : memref<32xf32>, vector<8xf32>
  %r = target.x86.vector_fma %v, %v, %v : vector<8xf32>
  vector.store %r, %a[%c0] : memref<32xf32>, vector<8xf32>
  %w = vector.load %a[%c8] : memref<32xf32>, vector<16xf32>
  %s = target.x86.vector_fma %w, %w, %w : vector<16xf32>
  vector.store %s, %a[%c8] : memref<32xf32>, vector<16xf32>
  return
}
