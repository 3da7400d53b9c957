// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-opt %s --mlir-print-op-generic | tessera-opt | FileCheck %s

// Round trip of every Target-IR op, in custom and generic form.

//===----------------------------------------------------------------------===//
// NVIDIA
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @nvidia_wgmma
// CHECK-SAME: (%[[A:[^:]+]]: memref<64x16xbf16, 3>, %[[BNK:[^:]+]]: memref<128x16xbf16, 3>, %[[BKN:[^:]+]]: memref<16x8xf16, 3>, %[[AH:[^:]+]]: memref<64x16xf16, 3>, %[[ACC:[^:]+]]: vector<64x128xf32>, %[[ACC8:[^:]+]]: vector<64x8xf32>)
func.func @nvidia_wgmma(%a: memref<64x16xbf16, 3>, %b_nk: memref<128x16xbf16, 3>,
                        %b_kn: memref<16x8xf16, 3>, %a_h: memref<64x16xf16, 3>,
                        %acc: vector<64x128xf32>, %acc8: vector<64x8xf32>)
    -> (vector<64x128xf32>, vector<64x8xf32>) {
  // CHECK: %[[D:.+]] = target.nvidia.wgmma %[[A]], %[[BNK]], %[[ACC]] {transpose_b} : memref<64x16xbf16, 3>, memref<128x16xbf16, 3>, vector<64x128xf32>
  %d = target.nvidia.wgmma %a, %b_nk, %acc {transpose_b}
      : memref<64x16xbf16, 3>, memref<128x16xbf16, 3>, vector<64x128xf32>
  // CHECK: %[[E:.+]] = target.nvidia.wgmma %[[AH]], %[[BKN]], %[[ACC8]] : memref<64x16xf16, 3>, memref<16x8xf16, 3>, vector<64x8xf32>
  %e = target.nvidia.wgmma %a_h, %b_kn, %acc8 : memref<64x16xf16, 3>, memref<16x8xf16, 3>, vector<64x8xf32>
  // CHECK: return %[[D]], %[[E]]
  return %d, %e : vector<64x128xf32>, vector<64x8xf32>
}

// A TMA pipeline stage: init, expect the box's bytes, load, wait.
// CHECK-LABEL: func.func @nvidia_tma
// CHECK-SAME: (%[[W:[^:]+]]: memref<?x?xbf16>, %[[WS:[^:]+]]: memref<128x64xbf16, 3>, %[[BARS:[^:]+]]: memref<2xi64, 3>, %[[N:[^:]+]]: index, %[[K:[^:]+]]: index, %[[STAGE:[^:]+]]: index, %[[PHASE:[^:]+]]: i1)
func.func @nvidia_tma(%w: memref<?x?xbf16>, %ws: memref<128x64xbf16, 3>, %bars: memref<2xi64, 3>,
                      %n: index, %k: index, %stage: index, %phase: i1) {
  // CHECK: target.nvidia.mbarrier_init %[[BARS]][%[[STAGE]]] {arrive_count = 1 : i64} : memref<2xi64, 3>
  target.nvidia.mbarrier_init %bars[%stage] {arrive_count = 1 : i64} : memref<2xi64, 3>
  // CHECK: target.nvidia.barrier{{$}}
  target.nvidia.barrier
  // CHECK: target.nvidia.mbarrier_arrive_expect_tx %[[BARS]][%[[STAGE]]] {tx_bytes = 16384 : i64} : memref<2xi64, 3>
  target.nvidia.mbarrier_arrive_expect_tx %bars[%stage] {tx_bytes = 16384 : i64} : memref<2xi64, 3>
  // CHECK: target.nvidia.tma_load %[[W]][%[[N]], %[[K]]] -> %[[WS]], %[[BARS]][%[[STAGE]]] : memref<?x?xbf16> -> memref<128x64xbf16, 3>, memref<2xi64, 3>
  target.nvidia.tma_load %w[%n, %k] -> %ws, %bars[%stage]
      : memref<?x?xbf16> -> memref<128x64xbf16, 3>, memref<2xi64, 3>
  // CHECK: target.nvidia.mbarrier_wait %[[BARS]][%[[STAGE]]], %[[PHASE]] : memref<2xi64, 3>
  target.nvidia.mbarrier_wait %bars[%stage], %phase : memref<2xi64, 3>
  // CHECK: target.nvidia.barrier {barrier_id = 1 : i32, thread_count = 256 : i32}
  target.nvidia.barrier {barrier_id = 1 : i32, thread_count = 256 : i32}
  // CHECK: target.nvidia.barrier {barrier_id = 2 : i32}
  target.nvidia.barrier {barrier_id = 2 : i32}
  return
}

// CHECK-LABEL: func.func @nvidia_mma_sync
// CHECK-SAME: (%[[A:[^:]+]]: vector<4x2xf16>, %[[B:[^:]+]]: vector<2x2xf16>, %[[C:[^:]+]]: vector<2x2xf32>, %[[ABF:[^:]+]]: vector<4x2xbf16>, %[[BBF:[^:]+]]: vector<2x2xbf16>)
func.func @nvidia_mma_sync(%a: vector<4x2xf16>, %b: vector<2x2xf16>, %c: vector<2x2xf32>,
                           %abf: vector<4x2xbf16>, %bbf: vector<2x2xbf16>) -> vector<2x2xf32> {
  // CHECK: %[[D:.+]] = target.nvidia.mma_sync %[[A]], %[[B]], %[[C]] : vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>
  %d = target.nvidia.mma_sync %a, %b, %c : vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>
  // CHECK: %[[E:.+]] = target.nvidia.mma_sync %[[ABF]], %[[BBF]], %[[D]] : vector<4x2xbf16>, vector<2x2xbf16>, vector<2x2xf32>
  %e = target.nvidia.mma_sync %abf, %bbf, %d : vector<4x2xbf16>, vector<2x2xbf16>, vector<2x2xf32>
  // CHECK: return %[[E]]
  return %e : vector<2x2xf32>
}

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
