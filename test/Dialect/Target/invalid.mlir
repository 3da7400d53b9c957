// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// One case per Target-IR verifier error.

//===----------------------------------------------------------------------===//
// target.nvidia.wgmma
//===----------------------------------------------------------------------===//

// wgmma: the accumulator has 64 rows (m64).
func.func @wgmma_m(%a: memref<64x16xbf16, 3>, %b: memref<16x64xbf16, 3>, %acc: vector<32x64xf32>) {
  // expected-error @+1 {{'target.nvidia.wgmma' op accumulator rows (m): expected 64, got 32}}
  %d = target.nvidia.wgmma %a, %b, %acc : memref<64x16xbf16, 3>, memref<16x64xbf16, 3>, vector<32x64xf32>
  return
}

// -----

// wgmma: N is a multiple of 8 in [8, 256].
func.func @wgmma_n(%a: memref<64x16xbf16, 3>, %b: memref<16x260xbf16, 3>, %acc: vector<64x260xf32>) {
  // expected-error @+1 {{'target.nvidia.wgmma' op accumulator columns (n) must be a multiple of 8 in [8, 256], got 260}}
  %d = target.nvidia.wgmma %a, %b, %acc : memref<64x16xbf16, 3>, memref<16x260xbf16, 3>, vector<64x260xf32>
  return
}

// -----

// wgmma: A is [64, 16] (k16).
func.func @wgmma_a(%a: memref<64x32xbf16, 3>, %b: memref<16x64xbf16, 3>, %acc: vector<64x64xf32>) {
  // expected-error @+1 {{'target.nvidia.wgmma' op A shape: expected [64, 16], got [64, 32]}}
  %d = target.nvidia.wgmma %a, %b, %acc : memref<64x32xbf16, 3>, memref<16x64xbf16, 3>, vector<64x64xf32>
  return
}

// -----

// wgmma: with transpose_b, B is [N, 16].
func.func @wgmma_b_nk(%a: memref<64x16xbf16, 3>, %b: memref<16x64xbf16, 3>, %acc: vector<64x64xf32>) {
  // expected-error @+1 {{'target.nvidia.wgmma' op B [N, 16] shape: expected [64, 16], got [16, 64]}}
  %d = target.nvidia.wgmma %a, %b, %acc {transpose_b} : memref<64x16xbf16, 3>, memref<16x64xbf16, 3>, vector<64x64xf32>
  return
}

// -----

// wgmma: without transpose_b, B is [16, N].
func.func @wgmma_b_kn(%a: memref<64x16xbf16, 3>, %b: memref<16x128xbf16, 3>, %acc: vector<64x64xf32>) {
  // expected-error @+1 {{'target.nvidia.wgmma' op B [16, N] shape: expected [16, 64], got [16, 128]}}
  %d = target.nvidia.wgmma %a, %b, %acc : memref<64x16xbf16, 3>, memref<16x128xbf16, 3>, vector<64x64xf32>
  return
}

// -----

// wgmma: A and B share an element type.
func.func @wgmma_types(%a: memref<64x16xbf16, 3>, %b: memref<16x64xf16, 3>, %acc: vector<64x64xf32>) {
  // expected-error @+1 {{'target.nvidia.wgmma' op B element type must equal the A element type 'bf16', got 'f16'}}
  %d = target.nvidia.wgmma %a, %b, %acc : memref<64x16xbf16, 3>, memref<16x64xf16, 3>, vector<64x64xf32>
  return
}

// -----

// wgmma (ODS): inputs are bf16 or f16.
func.func @wgmma_f32_inputs(%a: memref<64x16xf32, 3>, %b: memref<16x64xf32, 3>, %acc: vector<64x64xf32>) {
  // expected-error @+1 {{'target.nvidia.wgmma' op operand #0 must be memref of 16-bit float or bfloat16 type values}}
  %d = target.nvidia.wgmma %a, %b, %acc : memref<64x16xf32, 3>, memref<16x64xf32, 3>, vector<64x64xf32>
  return
}

// -----

// wgmma (ODS): the accumulator is f32.
func.func @wgmma_f16_acc(%a: memref<64x16xf16, 3>, %b: memref<16x64xf16, 3>, %acc: vector<64x64xf16>) {
  // expected-error @+1 {{'target.nvidia.wgmma' op operand #2 must be vector of 32-bit float values of ranks 2}}
  %d = target.nvidia.wgmma %a, %b, %acc : memref<64x16xf16, 3>, memref<16x64xf16, 3>, vector<64x64xf16>
  return
}

//===----------------------------------------------------------------------===//
// target.nvidia.tma_load
//===----------------------------------------------------------------------===//

// -----

// tma_load: tensor maps have rank 1 to 5.
func.func @tma_rank(%src: memref<1x1x1x1x1x64xbf16>, %dst: memref<1x1x1x1x1x64xbf16, 3>, %bars: memref<1xi64, 3>, %i: index) {
  // expected-error @+1 {{'target.nvidia.tma_load' op source rank must be in [1, 5], got 6}}
  target.nvidia.tma_load %src[%i, %i, %i, %i, %i, %i] -> %dst, %bars[%i]
      : memref<1x1x1x1x1x64xbf16> -> memref<1x1x1x1x1x64xbf16, 3>, memref<1xi64, 3>
  return
}

// -----

// tma_load: one coordinate per source dimension.
func.func @tma_coordinates(%src: memref<?x?xbf16>, %dst: memref<128x64xbf16, 3>, %bars: memref<1xi64, 3>, %i: index) {
  // expected-error @+1 {{'target.nvidia.tma_load' op coordinates: expected 2, got 1}}
  target.nvidia.tma_load %src[%i] -> %dst, %bars[%i]
      : memref<?x?xbf16> -> memref<128x64xbf16, 3>, memref<1xi64, 3>
  return
}

// -----

// tma_load: the box has the source's rank.
func.func @tma_dst_rank(%src: memref<?x?xbf16>, %dst: memref<64xbf16, 3>, %bars: memref<1xi64, 3>, %i: index) {
  // expected-error @+1 {{'target.nvidia.tma_load' op destination must have rank 2, got 1}}
  target.nvidia.tma_load %src[%i, %i] -> %dst, %bars[%i]
      : memref<?x?xbf16> -> memref<64xbf16, 3>, memref<1xi64, 3>
  return
}

// -----

// tma_load: the box has a static shape.
func.func @tma_dst_dynamic(%src: memref<?x?xbf16>, %dst: memref<?x64xbf16, 3>, %bars: memref<1xi64, 3>, %i: index) {
  // expected-error @+1 {{'target.nvidia.tma_load' op destination must have a static shape, got 'memref<?x64xbf16, 3>'}}
  target.nvidia.tma_load %src[%i, %i] -> %dst, %bars[%i]
      : memref<?x?xbf16> -> memref<?x64xbf16, 3>, memref<1xi64, 3>
  return
}

// -----

// tma_load: copies keep the element type.
func.func @tma_element_type(%src: memref<?x?xbf16>, %dst: memref<128x64xf16, 3>, %bars: memref<1xi64, 3>, %i: index) {
  // expected-error @+1 {{'target.nvidia.tma_load' op destination element type must equal the source element type 'bf16', got 'f16'}}
  target.nvidia.tma_load %src[%i, %i] -> %dst, %bars[%i]
      : memref<?x?xbf16> -> memref<128x64xf16, 3>, memref<1xi64, 3>
  return
}

// -----

// tma_load: box dimensions are at most 256.
func.func @tma_box(%src: memref<?x?xbf16>, %dst: memref<512x64xbf16, 3>, %bars: memref<1xi64, 3>, %i: index) {
  // expected-error @+1 {{'target.nvidia.tma_load' op box dim 0 must be in [1, 256], got 512}}
  target.nvidia.tma_load %src[%i, %i] -> %dst, %bars[%i]
      : memref<?x?xbf16> -> memref<512x64xbf16, 3>, memref<1xi64, 3>
  return
}

// -----

// tma_load: the innermost box dimension spans a multiple of 16 bytes.
func.func @tma_inner_bytes(%src: memref<?x?xbf16>, %dst: memref<128x6xbf16, 3>, %bars: memref<1xi64, 3>, %i: index) {
  // expected-error @+1 {{'target.nvidia.tma_load' op innermost box dim must span a multiple of 16 bytes, got 12 bytes}}
  target.nvidia.tma_load %src[%i, %i] -> %dst, %bars[%i]
      : memref<?x?xbf16> -> memref<128x6xbf16, 3>, memref<1xi64, 3>
  return
}

//===----------------------------------------------------------------------===//
// target.nvidia.mma_sync
//===----------------------------------------------------------------------===//

// -----

// mma_sync: each thread holds a 4x2 fragment of A.
func.func @mma_a(%a: vector<2x2xf16>, %b: vector<2x2xf16>, %c: vector<2x2xf32>) {
  // expected-error @+1 {{'target.nvidia.mma_sync' op A fragment shape: expected [4, 2], got [2, 2]}}
  %d = target.nvidia.mma_sync %a, %b, %c : vector<2x2xf16>, vector<2x2xf16>, vector<2x2xf32>
  return
}

// -----

// mma_sync: each thread holds a 2x2 fragment of B.
func.func @mma_b(%a: vector<4x2xf16>, %b: vector<4x2xf16>, %c: vector<2x2xf32>) {
  // expected-error @+1 {{'target.nvidia.mma_sync' op B fragment shape: expected [2, 2], got [4, 2]}}
  %d = target.nvidia.mma_sync %a, %b, %c : vector<4x2xf16>, vector<4x2xf16>, vector<2x2xf32>
  return
}

// -----

// mma_sync: each thread holds a 2x2 fragment of the accumulator.
func.func @mma_c(%a: vector<4x2xf16>, %b: vector<2x2xf16>, %c: vector<4x2xf32>) {
  // expected-error @+1 {{'target.nvidia.mma_sync' op accumulator fragment shape: expected [2, 2], got [4, 2]}}
  %d = target.nvidia.mma_sync %a, %b, %c : vector<4x2xf16>, vector<2x2xf16>, vector<4x2xf32>
  return
}

// -----

// mma_sync: A and B share an element type.
func.func @mma_types(%a: vector<4x2xf16>, %b: vector<2x2xbf16>, %c: vector<2x2xf32>) {
  // expected-error @+1 {{'target.nvidia.mma_sync' op B element type must equal the A element type 'f16', got 'bf16'}}
  %d = target.nvidia.mma_sync %a, %b, %c : vector<4x2xf16>, vector<2x2xbf16>, vector<2x2xf32>
  return
}

//===----------------------------------------------------------------------===//
// target.nvidia.barrier / mbarriers
//===----------------------------------------------------------------------===//

// -----

// barrier: there are 16 named barriers.
func.func @barrier_id() {
  // expected-error @+1 {{'target.nvidia.barrier' op barrier_id must be in [0, 15], got 16}}
  target.nvidia.barrier {barrier_id = 16 : i32}
  return
}

// -----

// barrier: a thread count only makes sense for a named barrier.
func.func @barrier_count_without_id() {
  // expected-error @+1 {{'target.nvidia.barrier' op thread_count needs a barrier_id, got none}}
  target.nvidia.barrier {thread_count = 128 : i32}
  return
}

// -----

// barrier: whole warps take part.
func.func @barrier_count() {
  // expected-error @+1 {{'target.nvidia.barrier' op thread_count must be a positive multiple of 32, got 48}}
  target.nvidia.barrier {barrier_id = 1 : i32, thread_count = 48 : i32}
  return
}

// -----

// mbarrier_init: the arrival count fits the 20-bit counter and is positive.
func.func @mbarrier_init_count(%bars: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'target.nvidia.mbarrier_init' op arrive_count must be in [1, 1048575], got 0}}
  target.nvidia.mbarrier_init %bars[%i] {arrive_count = 0 : i64} : memref<2xi64, 3>
  return
}

// -----

// mbarrier_arrive_expect_tx: the byte count fits the 20-bit counter.
func.func @mbarrier_tx_bytes(%bars: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'target.nvidia.mbarrier_arrive_expect_tx' op tx_bytes must be in [1, 1048575], got 1048576}}
  target.nvidia.mbarrier_arrive_expect_tx %bars[%i] {tx_bytes = 1048576 : i64} : memref<2xi64, 3>
  return
}

// -----

// mbarrier_wait (ODS): mbarriers are a 1-D memref of i64.
func.func @mbarrier_wait_type(%bars: memref<2xi32, 3>, %i: index, %p: i1) {
  // expected-error @+1 {{'target.nvidia.mbarrier_wait' op operand #0 must be 1D memref of 64-bit signless integer values}}
  target.nvidia.mbarrier_wait %bars[%i], %p : memref<2xi32, 3>
  return
}

//===----------------------------------------------------------------------===//
// target.amd.mfma
//===----------------------------------------------------------------------===//

// -----

// mfma: only the 32x32x8 and 16x16x16 shapes.
func.func @mfma_shape(%a: vector<4xbf16>, %c: vector<16xf32>) {
  // expected-error @+1 {{'target.amd.mfma' op unsupported MFMA shape 32x32x16, expected 32x32x8 or 16x16x16}}
  %d = target.amd.mfma %a, %a, %c {m = 32 : i32, n = 32 : i32, k = 16 : i32}
      : vector<4xbf16>, vector<4xbf16>, vector<16xf32>
  return
}

// -----

// mfma: each lane holds m*k/64 elements of A (and of B).
func.func @mfma_a(%a: vector<8xf16>, %c: vector<16xf32>) {
  // expected-error @+1 {{'target.amd.mfma' op A fragment length: expected 4, got 8}}
  %d = target.amd.mfma %a, %a, %c {m = 32 : i32, n = 32 : i32, k = 8 : i32}
      : vector<8xf16>, vector<8xf16>, vector<16xf32>
  return
}

// -----

// mfma: each lane holds m*n/64 accumulator elements.
func.func @mfma_c(%a: vector<4xf16>, %c: vector<16xf32>) {
  // expected-error @+1 {{'target.amd.mfma' op accumulator fragment length: expected 4, got 16}}
  %d = target.amd.mfma %a, %a, %c {m = 16 : i32, n = 16 : i32, k = 16 : i32}
      : vector<4xf16>, vector<4xf16>, vector<16xf32>
  return
}

// -----

// mfma (ODS): A and B have the same type.
func.func @mfma_ab_types(%a: vector<4xf16>, %b: vector<4xbf16>, %c: vector<16xf32>) {
  // expected-error @+1 {{'target.amd.mfma' op failed to verify that all of {a, b} have same type}}
  %d = "target.amd.mfma"(%a, %b, %c) {m = 32 : i32, n = 32 : i32, k = 8 : i32}
      : (vector<4xf16>, vector<4xbf16>, vector<16xf32>) -> vector<16xf32>
  return
}

//===----------------------------------------------------------------------===//
// x86
//===----------------------------------------------------------------------===//

// -----

// vector_fma: one xmm, ymm or zmm register of f32.
func.func @fma_width(%x: vector<32xf32>) {
  // expected-error @+1 {{'target.x86.vector_fma' op vector length must be 4, 8 or 16 (xmm, ymm, zmm), got 32}}
  %r = target.x86.vector_fma %x, %x, %x : vector<32xf32>
  return
}

// -----

// vector_fma (ODS): all operands and the result have one type.
func.func @fma_types(%a: vector<8xf32>, %b: vector<16xf32>) {
  // expected-error @+1 {{'target.x86.vector_fma' op failed to verify that all of {a, b, c, result} have same type}}
  %r = "target.x86.vector_fma"(%a, %b, %a) : (vector<8xf32>, vector<16xf32>, vector<8xf32>) -> vector<8xf32>
  return
}

// -----

// vnni_dot: the accumulator fills an xmm, ymm or zmm register.
func.func @vnni_acc(%acc: vector<32xi32>, %a: vector<128xi8>) {
  // expected-error @+1 {{'target.x86.vnni_dot' op accumulator length must be 4, 8 or 16 (xmm, ymm, zmm), got 32}}
  %r = target.x86.vnni_dot %acc, %a, %a : vector<128xi8> -> vector<32xi32>
  return
}

// -----

// vnni_dot: four bytes per accumulator lane.
func.func @vnni_operands(%acc: vector<16xi32>, %a: vector<32xi8>) {
  // expected-error @+1 {{'target.x86.vnni_dot' op operand length (4 bytes per accumulator lane): expected 64, got 32}}
  %r = target.x86.vnni_dot %acc, %a, %a : vector<32xi8> -> vector<16xi32>
  return
}

// -----

// bf16_dot: the accumulator fills an xmm, ymm or zmm register.
func.func @bf16_dot_acc(%acc: vector<2xf32>, %a: vector<4xbf16>) {
  // expected-error @+1 {{'target.x86.bf16_dot' op accumulator length must be 4, 8 or 16 (xmm, ymm, zmm), got 2}}
  %r = target.x86.bf16_dot %acc, %a, %a : vector<4xbf16> -> vector<2xf32>
  return
}

// -----

// bf16_dot: two bf16 per accumulator lane.
func.func @bf16_dot_operands(%acc: vector<8xf32>, %a: vector<32xbf16>) {
  // expected-error @+1 {{'target.x86.bf16_dot' op operand length (2 bf16 per accumulator lane): expected 16, got 32}}
  %r = target.x86.bf16_dot %acc, %a, %a : vector<32xbf16> -> vector<8xf32>
  return
}
