// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-opt %s --mlir-print-op-generic | tessera-opt | FileCheck %s

// Round trip of every Target-IR op, in custom and generic form.

//===----------------------------------------------------------------------===//
// AMD
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @amd
// CHECK-SAME: (%[[A:[^:]+]]: vector<4xbf16>, %[[C32:[^:]+]]: vector<16xf32>, %[[H:[^:]+]]: vector<4xf16>, %[[C16:[^:]+]]: vector<4xf32>)
func.func @amd(%a: vector<4xbf16>, %c32: vector<16xf32>, %h: vector<4xf16>, %c16: vector<4xf32>)
    -> (vector<16xf32>, vector<4xf32>) {
  // CHECK: %[[D:.+]] = target.amd.mfma %[[A]], %[[A]], %[[C32]] {k = 8 : i32, m = 32 : i32, n = 32 : i32} : vector<4xbf16>, vector<4xbf16>, vector<16xf32>
  %d = target.amd.mfma %a, %a, %c32 {m = 32 : i32, n = 32 : i32, k = 8 : i32}
      : vector<4xbf16>, vector<4xbf16>, vector<16xf32>
  // CHECK: %[[E:.+]] = target.amd.mfma %[[H]], %[[H]], %[[C16]] {k = 16 : i32, m = 16 : i32, n = 16 : i32} : vector<4xf16>, vector<4xf16>, vector<4xf32>
  %e = target.amd.mfma %h, %h, %c16 {m = 16 : i32, n = 16 : i32, k = 16 : i32}
      : vector<4xf16>, vector<4xf16>, vector<4xf32>
  // CHECK: target.amd.lds_barrier
  target.amd.lds_barrier
  // CHECK: return %[[D]], %[[E]]
  return %d, %e : vector<16xf32>, vector<4xf32>
}

//===----------------------------------------------------------------------===//
// x86
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @x86
// CHECK-SAME: (%[[X16:[^:]+]]: vector<16xf32>, %[[X8:[^:]+]]: vector<8xf32>, %[[X4:[^:]+]]: vector<4xf32>, %[[ACC:[^:]+]]: vector<16xi32>, %[[U8:[^:]+]]: vector<64xi8>, %[[ACC8:[^:]+]]: vector<8xi32>, %[[U8H:[^:]+]]: vector<32xi8>, %[[BF:[^:]+]]: vector<32xbf16>)
func.func @x86(%x16: vector<16xf32>, %x8: vector<8xf32>, %x4: vector<4xf32>,
               %acc: vector<16xi32>, %u8: vector<64xi8>, %acc8: vector<8xi32>,
               %u8h: vector<32xi8>, %bf: vector<32xbf16>)
    -> (vector<16xf32>, vector<8xf32>, vector<4xf32>, vector<16xi32>, vector<8xi32>, vector<16xf32>) {
  // CHECK: %[[F16:.+]] = target.x86.vector_fma %[[X16]], %[[X16]], %[[X16]] : vector<16xf32>
  %f16 = target.x86.vector_fma %x16, %x16, %x16 : vector<16xf32>
  // CHECK: %[[F8:.+]] = target.x86.vector_fma %[[X8]], %[[X8]], %[[X8]] : vector<8xf32>
  %f8 = target.x86.vector_fma %x8, %x8, %x8 : vector<8xf32>
  // CHECK: %[[F4:.+]] = target.x86.vector_fma %[[X4]], %[[X4]], %[[X4]] : vector<4xf32>
  %f4 = target.x86.vector_fma %x4, %x4, %x4 : vector<4xf32>
  // CHECK: %[[V:.+]] = target.x86.vnni_dot %[[ACC]], %[[U8]], %[[U8]] : vector<64xi8> -> vector<16xi32>
  %v = target.x86.vnni_dot %acc, %u8, %u8 : vector<64xi8> -> vector<16xi32>
  // CHECK: %[[V8:.+]] = target.x86.vnni_dot %[[ACC8]], %[[U8H]], %[[U8H]] : vector<32xi8> -> vector<8xi32>
  %v8 = target.x86.vnni_dot %acc8, %u8h, %u8h : vector<32xi8> -> vector<8xi32>
  // CHECK: %[[B:.+]] = target.x86.bf16_dot %[[X16]], %[[BF]], %[[BF]] : vector<32xbf16> -> vector<16xf32>
  %b = target.x86.bf16_dot %x16, %bf, %bf : vector<32xbf16> -> vector<16xf32>
  // CHECK: return %[[F16]], %[[F8]], %[[F4]], %[[V]], %[[V8]], %[[B]]
  return %f16, %f8, %f4, %v, %v8, %b
      : vector<16xf32>, vector<8xf32>, vector<4xf32>, vector<16xi32>, vector<8xi32>, vector<16xf32>
}
