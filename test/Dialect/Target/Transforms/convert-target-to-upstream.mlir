// RUN: tessera-opt %s --convert-target-to-upstream | FileCheck %s
// RUN: tessera-opt %s --convert-target-to-upstream --convert-vector-to-llvm="enable-x86vector" --convert-func-to-llvm --reconcile-unrealized-casts | FileCheck %s --check-prefix=LLVM

// The x86 ops of Target-IR become upstream vector / x86vector / llvm ops,
// which the upstream conversions take to the LLVM dialect.

// CHECK-LABEL: func.func @fma
// CHECK-SAME: (%[[A:[^:]+]]: vector<16xf32>, %[[B:[^:]+]]: vector<16xf32>, %[[C:[^:]+]]: vector<16xf32>, %[[X:[^:]+]]: vector<4xf32>)
// LLVM-LABEL: llvm.func @fma
func.func @fma(%a: vector<16xf32>, %b: vector<16xf32>, %c: vector<16xf32>, %x: vector<4xf32>)
    -> (vector<16xf32>, vector<4xf32>) {
  // CHECK: %[[R:.+]] = vector.fma %[[A]], %[[B]], %[[C]] : vector<16xf32>
  // LLVM: llvm.intr.fmuladd({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
  %r = target.x86.vector_fma %a, %b, %c : vector<16xf32>
  // CHECK: %[[S:.+]] = vector.fma %[[X]], %[[X]], %[[X]] : vector<4xf32>
  // LLVM: llvm.intr.fmuladd({{.*}}) : (vector<4xf32>, vector<4xf32>, vector<4xf32>) -> vector<4xf32>
  %s = target.x86.vector_fma %x, %x, %x : vector<4xf32>
  // CHECK-NOT: target.x86
  // CHECK: return %[[R]], %[[S]]
  return %r, %s : vector<16xf32>, vector<4xf32>
}

// CHECK-LABEL: func.func @vnni
// CHECK-SAME: (%[[ACC:[^:]+]]: vector<16xi32>, %[[A:[^:]+]]: vector<64xi8>, %[[B:[^:]+]]: vector<64xi8>, %[[ACC8:[^:]+]]: vector<8xi32>, %[[H:[^:]+]]: vector<32xi8>)
// LLVM-LABEL: llvm.func @vnni
func.func @vnni(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi8>,
                %acc8: vector<8xi32>, %h: vector<32xi8>) -> (vector<16xi32>, vector<8xi32>) {
  // CHECK: %[[R:.+]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%[[ACC]], %[[A]], %[[B]]) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
  // LLVM: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
  %r = target.x86.vnni_dot %acc, %a, %b : vector<64xi8> -> vector<16xi32>
  // CHECK: %[[S:.+]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%[[ACC8]], %[[H]], %[[H]]) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
  // LLVM: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"
  %s = target.x86.vnni_dot %acc8, %h, %h : vector<32xi8> -> vector<8xi32>
  // CHECK: return %[[R]], %[[S]]
  return %r, %s : vector<16xi32>, vector<8xi32>
}

// CHECK-LABEL: func.func @bf16_dot
// CHECK-SAME: (%[[ACC:[^:]+]]: vector<16xf32>, %[[A:[^:]+]]: vector<32xbf16>)
// LLVM-LABEL: llvm.func @bf16_dot
func.func @bf16_dot(%acc: vector<16xf32>, %a: vector<32xbf16>) -> vector<16xf32> {
  // CHECK: %[[R:.+]] = x86vector.avx512.dot %[[ACC]], %[[A]], %[[A]] : vector<32xbf16> -> vector<16xf32>
  // LLVM: llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"
  %r = target.x86.bf16_dot %acc, %a, %a : vector<32xbf16> -> vector<16xf32>
  // CHECK: return %[[R]]
  return %r : vector<16xf32>
}

// AMD ops are left for their own lowering.
// CHECK-LABEL: func.func @amd_untouched
func.func @amd_untouched(%a: vector<4xf16>, %c: vector<4xf32>) -> vector<4xf32> {
  // CHECK: target.amd.mfma
  %d = target.amd.mfma %a, %a, %c {m = 16 : i32, n = 16 : i32, k = 16 : i32}
      : vector<4xf16>, vector<4xf16>, vector<4xf32>
  // CHECK: target.amd.lds_barrier
  target.amd.lds_barrier
  return %d : vector<4xf32>
}
