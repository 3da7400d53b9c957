// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// One case per Target-IR verifier error.

//===----------------------------------------------------------------------===//
// target.amd.mfma
//===----------------------------------------------------------------------===//

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
