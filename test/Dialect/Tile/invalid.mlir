// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// One case per Tile-IR verifier error.

//===----------------------------------------------------------------------===//
// tile.alloc
//===----------------------------------------------------------------------===//

// alloc: the result must name a #tile.memory_space (none given).
func.func @alloc_no_space() {
  // expected-error @+1 {{'tile.alloc' op result memory space must be a #tile.memory_space attribute, got none}}
  %0 = tile.alloc() : memref<4xf32>
  return
}

// -----

// alloc: the result must name a #tile.memory_space (a foreign one given).
func.func @alloc_foreign_space() {
  // expected-error @+1 {{'tile.alloc' op result memory space must be a #tile.memory_space attribute, got 3 : i64}}
  %0 = tile.alloc() : memref<4xf32, 3>
  return
}

// -----

// alloc: buffers are contiguous (identity layout).
func.func @alloc_layout() {
  // expected-error @+1 {{'tile.alloc' op result must have the identity layout, got 'memref<4x4xf32, strided<[8, 1]>, #tile.memory_space<global>>'}}
  %0 = tile.alloc() : memref<4x4xf32, strided<[8, 1]>, #tile.memory_space<global>>
  return
}

// -----

// alloc: shared (and register) buffers have a static shape.
func.func @alloc_shared_dynamic(%n: index) {
  // expected-error @+1 {{'tile.alloc' op shared buffers must have a static shape, got 'memref<?x64xf32, #tile.memory_space<shared>>'}}
  %0 = tile.alloc(%n) : memref<?x64xf32, #tile.memory_space<shared>>
  return
}

// -----

// alloc: one index operand per dynamic dimension.
func.func @alloc_dynamic_sizes() {
  // expected-error @+1 {{'tile.alloc' op dynamic sizes: expected 1, got 0}}
  %0 = tile.alloc() : memref<?x64xf32, #tile.memory_space<global>>
  return
}

// -----

// alloc: alignment is a positive power of two.
func.func @alloc_alignment() {
  // expected-error @+1 {{'tile.alloc' op alignment must be a positive power of two, got 48}}
  %0 = tile.alloc() {alignment = 48 : i64} : memref<4xf32, #tile.memory_space<global>>
  return
}

//===----------------------------------------------------------------------===//
// tile.load / tile.store
//===----------------------------------------------------------------------===//

// -----

// load: the source memory space must be a Tile-IR one (or none).
func.func @load_src_space(%src: memref<64x64xf32, 1>, %i: index) {
  %t = tile.alloc() : memref<16x16xf32, #tile.memory_space<shared>>
  // expected-error @+1 {{'tile.load' op source memory space must be a #tile.memory_space attribute or none, got 1 : i64}}
  tile.load %src[%i, %i] -> %t : memref<64x64xf32, 1> -> memref<16x16xf32, #tile.memory_space<shared>>
  return
}

// -----

// load: the destination memory space must be a Tile-IR one (or none).
func.func @load_dst_space(%src: memref<64x64xf32>, %t: memref<16x16xf32, 3>, %i: index) {
  // expected-error @+1 {{'tile.load' op destination memory space must be a #tile.memory_space attribute or none, got 3 : i64}}
  tile.load %src[%i, %i] -> %t : memref<64x64xf32> -> memref<16x16xf32, 3>
  return
}

// -----

// load: one offset per source dimension.
func.func @load_offsets(%src: memref<64x64xf32>, %i: index) {
  %t = tile.alloc() : memref<16x16xf32, #tile.memory_space<shared>>
  // expected-error @+1 {{'tile.load' op offsets: expected 2, got 1}}
  tile.load %src[%i] -> %t : memref<64x64xf32> -> memref<16x16xf32, #tile.memory_space<shared>>
  return
}

// -----

// load: the tile has the source's rank.
func.func @load_rank(%src: memref<64x64xf32>, %i: index) {
  %t = tile.alloc() : memref<16xf32, #tile.memory_space<shared>>
  // expected-error @+1 {{'tile.load' op destination must have rank 2, got 1}}
  tile.load %src[%i, %i] -> %t : memref<64x64xf32> -> memref<16xf32, #tile.memory_space<shared>>
  return
}

// -----

// load: the tile has a static shape.
func.func @load_dynamic_tile(%src: memref<64x64xf32>, %t: memref<?x16xf32, #tile.memory_space<shared>>, %i: index) {
  // expected-error @+1 {{'tile.load' op destination tile must have a static shape, got 'memref<?x16xf32, #tile.memory_space<shared>>'}}
  tile.load %src[%i, %i] -> %t : memref<64x64xf32> -> memref<?x16xf32, #tile.memory_space<shared>>
  return
}

// -----

// load: copies keep the element type.
func.func @load_element_type(%src: memref<64x64xbf16>, %i: index) {
  %t = tile.alloc() : memref<16x16xf32, #tile.memory_space<shared>>
  // expected-error @+1 {{'tile.load' op destination element type must equal the source element type 'bf16', got 'f32'}}
  tile.load %src[%i, %i] -> %t : memref<64x64xbf16> -> memref<16x16xf32, #tile.memory_space<shared>>
  return
}

// -----

// load: data moves to a nearer memory space.
func.func @load_direction(%src: memref<64x64xf32>, %i: index) {
  %t = tile.alloc() : memref<16x16xf32, #tile.memory_space<global>>
  // expected-error @+1 {{'tile.load' op destination memory space must be nearer than the source's (global < shared < register), got global -> global}}
  tile.load %src[%i, %i] -> %t : memref<64x64xf32> -> memref<16x16xf32, #tile.memory_space<global>>
  return
}

// -----

// store: the source memory space must be a Tile-IR one (or none).
func.func @store_src_space(%t: memref<16x16xf32, 5>, %dst: memref<64x64xf32>, %i: index) {
  // expected-error @+1 {{'tile.store' op source memory space must be a #tile.memory_space attribute or none, got 5 : i64}}
  tile.store %t -> %dst[%i, %i] : memref<16x16xf32, 5> -> memref<64x64xf32>
  return
}

// -----

// store: the destination memory space must be a Tile-IR one (or none).
func.func @store_dst_space(%dst: memref<64x64xf32, 1>, %i: index) {
  %t = tile.alloc() : memref<16x16xf32, #tile.memory_space<register>>
  // expected-error @+1 {{'tile.store' op destination memory space must be a #tile.memory_space attribute or none, got 1 : i64}}
  tile.store %t -> %dst[%i, %i] : memref<16x16xf32, #tile.memory_space<register>> -> memref<64x64xf32, 1>
  return
}

// -----

// store: one offset per destination dimension.
func.func @store_offsets(%dst: memref<64x64xf32>, %i: index) {
  %t = tile.alloc() : memref<16x16xf32, #tile.memory_space<register>>
  // expected-error @+1 {{'tile.store' op offsets: expected 2, got 3}}
  tile.store %t -> %dst[%i, %i, %i] : memref<16x16xf32, #tile.memory_space<register>> -> memref<64x64xf32>
  return
}

// -----

// store: the tile has the destination's rank.
func.func @store_rank(%dst: memref<64x64xf32>, %i: index) {
  %t = tile.alloc() : memref<2x16x16xf32, #tile.memory_space<register>>
  // expected-error @+1 {{'tile.store' op source must have rank 2, got 3}}
  tile.store %t -> %dst[%i, %i] : memref<2x16x16xf32, #tile.memory_space<register>> -> memref<64x64xf32>
  return
}

// -----

// store: the tile has a static shape.
func.func @store_dynamic_tile(%t: memref<16x?xf32, #tile.memory_space<register>>, %dst: memref<64x64xf32>, %i: index) {
  // expected-error @+1 {{'tile.store' op source tile must have a static shape, got 'memref<16x?xf32, #tile.memory_space<register>>'}}
  tile.store %t -> %dst[%i, %i] : memref<16x?xf32, #tile.memory_space<register>> -> memref<64x64xf32>
  return
}

// -----

// store: copies keep the element type.
func.func @store_element_type(%dst: memref<64x64xf16>, %i: index) {
  %t = tile.alloc() : memref<16x16xf32, #tile.memory_space<register>>
  // expected-error @+1 {{'tile.store' op destination element type must equal the source element type 'f32', got 'f16'}}
  tile.store %t -> %dst[%i, %i] : memref<16x16xf32, #tile.memory_space<register>> -> memref<64x64xf16>
  return
}

// -----

// store: data moves to a farther memory space.
func.func @store_direction(%i: index) {
  %t = tile.alloc() : memref<16x16xf32, #tile.memory_space<shared>>
  %r = tile.alloc() : memref<64x64xf32, #tile.memory_space<register>>
  // expected-error @+1 {{'tile.store' op destination memory space must be farther than the source's (global < shared < register), got shared -> register}}
  tile.store %t -> %r[%i, %i] : memref<16x16xf32, #tile.memory_space<shared>> -> memref<64x64xf32, #tile.memory_space<register>>
  return
}

//===----------------------------------------------------------------------===//
// tile.matmul
//===----------------------------------------------------------------------===//

// -----

// matmul: A is 2-D.
func.func @matmul_a_rank(%a: memref<2x8x64xf32>, %w: memref<32x64xf32>, %c: memref<8x32xf32>) {
  // expected-error @+1 {{'tile.matmul' op A must have rank 2, got 3}}
  tile.matmul %a, %w, %c {transpose_b}
      : memref<2x8x64xf32>, memref<32x64xf32>, memref<8x32xf32>
  return
}

// -----

// matmul: B is 2-D.
func.func @matmul_b_rank(%a: memref<8x64xf32>, %w: memref<2048xf32>, %c: memref<8x32xf32>) {
  // expected-error @+1 {{'tile.matmul' op B must have rank 2, got 1}}
  tile.matmul %a, %w, %c {transpose_b}
      : memref<8x64xf32>, memref<2048xf32>, memref<8x32xf32>
  return
}

// -----

// matmul: packed_b panels are of the [N, K] (transpose_b) weight.
func.func @matmul_packed_needs_transpose(%a: memref<8x64xf32>, %w: memref<1x64x32xf32>, %c: memref<8x32xf32>) {
  // expected-error @+1 {{'tile.matmul' op packed_b needs transpose_b}}
  tile.matmul %a, %w, %c {packed_b = array<i64: 32, 1>}
      : memref<8x64xf32>, memref<1x64x32xf32>, memref<8x32xf32>
  return
}

// -----

// matmul: packed_b is [panel columns, k pack 1 or 2].
func.func @matmul_packed_kpack(%a: memref<8x64xf32>, %w: memref<1x64x32xf32>, %c: memref<8x32xf32>) {
  // expected-error @+1 {{'tile.matmul' op packed_b must be [panel columns >= 1, k pack 1 or 2], got [32, 4]}}
  tile.matmul %a, %w, %c {transpose_b, packed_b = array<i64: 32, 4>}
      : memref<8x64xf32>, memref<1x64x32xf32>, memref<8x32xf32>
  return
}

// -----

// matmul: packed B holds ceil(N / nr) panels of K x nr.
func.func @matmul_packed_shape(%a: memref<8x64xf32>, %w: memref<1x64x32xf32>, %c: memref<8x40xf32>) {
  // expected-error @+1 {{'tile.matmul' op B [ceil(N / nr), K, nr] shape: expected [2, 64, 32], got [1, 64, 32]}}
  tile.matmul %a, %w, %c {transpose_b, packed_b = array<i64: 32, 1>}
      : memref<8x64xf32>, memref<1x64x32xf32>, memref<8x40xf32>
  return
}

// -----

// matmul: K-pair panels are rank 4.
func.func @matmul_packed_pairs_rank(%a: memref<8x63xf32>, %w: memref<1x32x32xbf16>, %c: memref<8x32xf32>) {
  // expected-error @+1 {{'tile.matmul' op B must have rank 4, got 3}}
  tile.matmul %a, %w, %c {transpose_b, packed_b = array<i64: 32, 2>}
      : memref<8x63xf32>, memref<1x32x32xbf16>, memref<8x32xf32>
  return
}

// -----

// matmul: C is 2-D.
func.func @matmul_c_rank(%a: memref<8x64xf32>, %w: memref<32x64xf32>, %c: memref<256xf32>) {
  // expected-error @+1 {{'tile.matmul' op C must have rank 2, got 1}}
  tile.matmul %a, %w, %c {transpose_b}
      : memref<8x64xf32>, memref<32x64xf32>, memref<256xf32>
  return
}

// -----

// matmul: C has A's rows.
func.func @matmul_c_rows(%a: memref<8x64xf32>, %w: memref<32x64xf32>, %c: memref<4x32xf32>) {
  // expected-error @+1 {{'tile.matmul' op C rows: expected 8, got 4}}
  tile.matmul %a, %w, %c {transpose_b}
      : memref<8x64xf32>, memref<32x64xf32>, memref<4x32xf32>
  return
}

// -----

// matmul: with transpose_b, B is [N, K].
func.func @matmul_b_nk(%a: memref<8x64xf32>, %w: memref<64x32xf32>, %c: memref<8x32xf32>) {
  // expected-error @+1 {{'tile.matmul' op B [N, K] shape: expected [32, 64], got [64, 32]}}
  tile.matmul %a, %w, %c {transpose_b}
      : memref<8x64xf32>, memref<64x32xf32>, memref<8x32xf32>
  return
}

// -----

// matmul: without transpose_b, B is [K, N].
func.func @matmul_b_kn(%a: memref<8x64xf32>, %w: memref<32x64xf32>, %c: memref<8x32xf32>) {
  // expected-error @+1 {{'tile.matmul' op B [K, N] shape: expected [64, 32], got [32, 64]}}
  tile.matmul %a, %w, %c 
      : memref<8x64xf32>, memref<32x64xf32>, memref<8x32xf32>
  return
}

// -----

// matmul: bias is [N].
func.func @matmul_bias(%a: memref<8x64xf32>, %w: memref<32x64xf32>, %c: memref<8x32xf32>, %b: memref<64xf32>) {
  // expected-error @+1 {{'tile.matmul' op bias shape: expected [32], got [64]}}
  tile.matmul %a, %w, %c bias(%b) {transpose_b}
      : memref<8x64xf32>, memref<32x64xf32>, memref<8x32xf32>, memref<64xf32>
  return
}

// -----

// matmul: A and B share an element type (f32 A may take bf16/f16 weights).
func.func @matmul_element_types(%a: memref<8x64xbf16>, %w: memref<32x64xf16>, %c: memref<8x32xf32>) {
  // expected-error @+1 {{'tile.matmul' op B element type must equal the A element type (or be bf16/f16 when A is f32): A is 'bf16', got 'f16'}}
  tile.matmul %a, %w, %c {transpose_b}
      : memref<8x64xbf16>, memref<32x64xf16>, memref<8x32xf32>
  return
}

// -----
//===----------------------------------------------------------------------===//
// tile.rmsnorm / tile.gated_rmsnorm / tile.add / tile.embedding
//===----------------------------------------------------------------------===//

// -----

// rmsnorm: x is [rows, hidden].
func.func @rmsnorm_rank(%x: memref<2x4x64xf32>, %w: memref<64xf32>, %o: memref<2x4x64xf32>) {
  // expected-error @+1 {{'tile.rmsnorm' op x must have rank 2, got 3}}
  tile.rmsnorm %x, %w, %o {epsilon = 1.0e-05 : f64}
      : memref<2x4x64xf32>, memref<64xf32>, memref<2x4x64xf32>
  return
}

// -----

// rmsnorm: weight is [hidden].
func.func @rmsnorm_weight(%x: memref<8x64xf32>, %w: memref<32xf32>, %o: memref<8x64xf32>) {
  // expected-error @+1 {{'tile.rmsnorm' op weight shape: expected [64], got [32]}}
  tile.rmsnorm %x, %w, %o {epsilon = 1.0e-05 : f64}
      : memref<8x64xf32>, memref<32xf32>, memref<8x64xf32>
  return
}

// -----

// rmsnorm: out has x's shape.
func.func @rmsnorm_out(%x: memref<8x64xf32>, %w: memref<64xf32>, %o: memref<4x64xf32>) {
  // expected-error @+1 {{'tile.rmsnorm' op out shape: expected [8, 64], got [4, 64]}}
  tile.rmsnorm %x, %w, %o {epsilon = 1.0e-05 : f64}
      : memref<8x64xf32>, memref<64xf32>, memref<4x64xf32>
  return
}

// -----

// rmsnorm: epsilon is positive and finite.
func.func @rmsnorm_epsilon(%x: memref<8x64xf32>, %w: memref<64xf32>, %o: memref<8x64xf32>) {
  // expected-error @+1 {{'tile.rmsnorm' op epsilon must be positive and finite, got 0}}
  tile.rmsnorm %x, %w, %o {epsilon = 0.0 : f64}
      : memref<8x64xf32>, memref<64xf32>, memref<8x64xf32>
  return
}

// -----

// gated_rmsnorm: y is [rows, channels].
func.func @gated_rank(%y: memref<128xf32>, %z: memref<128xf32>, %w: memref<128xf32>, %o: memref<128xf32>) {
  // expected-error @+1 {{'tile.gated_rmsnorm' op y must have rank 2, got 1}}
  tile.gated_rmsnorm %y, %z, %w, %o {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : memref<128xf32>, memref<128xf32>, memref<128xf32>, memref<128xf32>
  return
}

// -----

// gated_rmsnorm: the gate z has y's shape.
func.func @gated_z(%y: memref<4x128xf32>, %z: memref<4x64xf32>, %w: memref<128xf32>, %o: memref<4x128xf32>) {
  // expected-error @+1 {{'tile.gated_rmsnorm' op z shape: expected [4, 128], got [4, 64]}}
  tile.gated_rmsnorm %y, %z, %w, %o {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : memref<4x128xf32>, memref<4x64xf32>, memref<128xf32>, memref<4x128xf32>
  return
}

// -----

// gated_rmsnorm: weight is [channels].
func.func @gated_weight(%y: memref<4x128xf32>, %z: memref<4x128xf32>, %w: memref<64xf32>, %o: memref<4x128xf32>) {
  // expected-error @+1 {{'tile.gated_rmsnorm' op weight shape: expected [128], got [64]}}
  tile.gated_rmsnorm %y, %z, %w, %o {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : memref<4x128xf32>, memref<4x128xf32>, memref<64xf32>, memref<4x128xf32>
  return
}

// -----

// gated_rmsnorm: out has y's shape.
func.func @gated_out(%y: memref<4x128xf32>, %z: memref<4x128xf32>, %w: memref<128xf32>, %o: memref<5x128xf32>) {
  // expected-error @+1 {{'tile.gated_rmsnorm' op out shape: expected [4, 128], got [5, 128]}}
  tile.gated_rmsnorm %y, %z, %w, %o {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : memref<4x128xf32>, memref<4x128xf32>, memref<128xf32>, memref<5x128xf32>
  return
}

// -----

// gated_rmsnorm: group_size is positive.
func.func @gated_group_size(%y: memref<4x128xf32>, %z: memref<4x128xf32>, %w: memref<128xf32>, %o: memref<4x128xf32>) {
  // expected-error @+1 {{'tile.gated_rmsnorm' op group_size must be positive, got 0}}
  tile.gated_rmsnorm %y, %z, %w, %o {epsilon = 1.0e-05 : f64, group_size = 0 : i64}
      : memref<4x128xf32>, memref<4x128xf32>, memref<128xf32>, memref<4x128xf32>
  return
}

// -----

// gated_rmsnorm: channels split into whole groups.
func.func @gated_groups(%y: memref<4x128xf32>, %z: memref<4x128xf32>, %w: memref<128xf32>, %o: memref<4x128xf32>) {
  // expected-error @+1 {{'tile.gated_rmsnorm' op channels must split into groups of group_size: 128 is not a multiple of 48}}
  tile.gated_rmsnorm %y, %z, %w, %o {epsilon = 1.0e-05 : f64, group_size = 48 : i64}
      : memref<4x128xf32>, memref<4x128xf32>, memref<128xf32>, memref<4x128xf32>
  return
}

// -----

// gated_rmsnorm: epsilon is positive and finite.
func.func @gated_epsilon(%y: memref<4x128xf32>, %z: memref<4x128xf32>, %w: memref<128xf32>, %o: memref<4x128xf32>) {
  // expected-error @+1 {{'tile.gated_rmsnorm' op epsilon must be positive and finite, got -1}}
  tile.gated_rmsnorm %y, %z, %w, %o {epsilon = -1.0 : f64, group_size = 64 : i64}
      : memref<4x128xf32>, memref<4x128xf32>, memref<128xf32>, memref<4x128xf32>
  return
}

// -----

// add: b has a's shape.
func.func @add_b(%a: memref<4x64xf32>, %b: memref<4x32xf32>, %o: memref<4x64xf32>) {
  // expected-error @+1 {{'tile.add' op b shape: expected [4, 64], got [4, 32]}}
  tile.add %a, %b, %o : memref<4x64xf32>, memref<4x32xf32>, memref<4x64xf32>
  return
}

// -----

// add: out has a's shape.
func.func @add_out(%a: memref<4x64xf32>, %b: memref<4x64xf32>, %o: memref<256xf32>) {
  // expected-error @+1 {{'tile.add' op out shape: expected [4, 64], got [256]}}
  tile.add %a, %b, %o : memref<4x64xf32>, memref<4x64xf32>, memref<256xf32>
  return
}

// -----

// embedding: table is [vocab, hidden].
func.func @embedding_table(%t: memref<256xf32>, %ids: memref<2x8xi64>, %o: memref<2x8x64xf32>) {
  // expected-error @+1 {{'tile.embedding' op table must have rank 2, got 1}}
  tile.embedding %t, %ids, %o : memref<256xf32>, memref<2x8xi64>, memref<2x8x64xf32>
  return
}

// -----

// embedding: out is [ids..., hidden].
func.func @embedding_out(%t: memref<256x64xf32>, %ids: memref<2x8xi32>, %o: memref<2x8x32xf32>) {
  // expected-error @+1 {{'tile.embedding' op out shape: expected [2, 8, 64], got [2, 8, 32]}}
  tile.embedding %t, %ids, %o : memref<256x64xf32>, memref<2x8xi32>, memref<2x8x32xf32>
  return
}

//===----------------------------------------------------------------------===//
// tile.causal_conv1d
//===----------------------------------------------------------------------===//

// -----

// causal_conv1d: x is [batch, seq, channels].
func.func @conv_x_rank(%x: memref<8x160xf32>, %w: memref<160x4xf32>, %y: memref<8x160xf32>, %s: memref<1x160x3xf32>) {
  // expected-error @+1 {{'tile.causal_conv1d' op x must have rank 3, got 2}}
  tile.causal_conv1d %x, %w -> %y, %s
      : memref<8x160xf32>, memref<160x4xf32>, memref<8x160xf32>, memref<1x160x3xf32>
  return
}

// -----

// causal_conv1d: weight is [channels, kernel].
func.func @conv_w_rank(%x: memref<1x8x160xf32>, %w: memref<160xf32>, %y: memref<1x8x160xf32>, %s: memref<1x160x3xf32>) {
  // expected-error @+1 {{'tile.causal_conv1d' op weight must have rank 2, got 1}}
  tile.causal_conv1d %x, %w -> %y, %s
      : memref<1x8x160xf32>, memref<160xf32>, memref<1x8x160xf32>, memref<1x160x3xf32>
  return
}

// -----

// causal_conv1d: one filter per channel.
func.func @conv_w_channels(%x: memref<1x8x160xf32>, %w: memref<128x4xf32>, %y: memref<1x8x160xf32>, %s: memref<1x160x3xf32>) {
  // expected-error @+1 {{'tile.causal_conv1d' op weight channels: expected 160, got 128}}
  tile.causal_conv1d %x, %w -> %y, %s
      : memref<1x8x160xf32>, memref<128x4xf32>, memref<1x8x160xf32>, memref<1x160x3xf32>
  return
}

// -----

// causal_conv1d: the kernel is at least one tap long.
func.func @conv_kernel(%x: memref<1x8x160xf32>, %w: memref<160x0xf32>, %y: memref<1x8x160xf32>, %s: memref<1x160x0xf32>) {
  // expected-error @+1 {{'tile.causal_conv1d' op kernel size must be positive, got 0}}
  tile.causal_conv1d %x, %w -> %y, %s
      : memref<1x8x160xf32>, memref<160x0xf32>, memref<1x8x160xf32>, memref<1x160x0xf32>
  return
}

// -----

// causal_conv1d: the kernel is at most 1024 taps long.
func.func @conv_kernel_too_long(%x: memref<1x8x160xf32>, %w: memref<160x4096xf32>, %y: memref<1x8x160xf32>, %s: memref<1x160x4095xf32>) {
  // expected-error @+1 {{'tile.causal_conv1d' op kernel size must be at most 1024 (each output costs a multiply-add per tap), got 4096}}
  tile.causal_conv1d %x, %w -> %y, %s
      : memref<1x8x160xf32>, memref<160x4096xf32>, memref<1x8x160xf32>, memref<1x160x4095xf32>
  return
}

// -----

// causal_conv1d: bias is [channels].
func.func @conv_bias(%x: memref<1x8x160xf32>, %w: memref<160x4xf32>, %b: memref<4xf32>, %y: memref<1x8x160xf32>, %s: memref<1x160x3xf32>) {
  // expected-error @+1 {{'tile.causal_conv1d' op bias shape: expected [160], got [4]}}
  tile.causal_conv1d %x, %w bias(%b) -> %y, %s
      : memref<1x8x160xf32>, memref<160x4xf32>, memref<4xf32>, memref<1x8x160xf32>, memref<1x160x3xf32>
  return
}

// -----

// causal_conv1d: state_in is [batch, channels, kernel-1].
func.func @conv_state_in(%x: memref<1x8x160xf32>, %w: memref<160x4xf32>, %s0: memref<1x160x4xf32>, %y: memref<1x8x160xf32>, %s: memref<1x160x3xf32>) {
  // expected-error @+1 {{'tile.causal_conv1d' op state_in shape: expected [1, 160, 3], got [1, 160, 4]}}
  tile.causal_conv1d %x, %w state_in(%s0) -> %y, %s
      : memref<1x8x160xf32>, memref<160x4xf32>, memref<1x160x4xf32>, memref<1x8x160xf32>, memref<1x160x3xf32>
  return
}

// -----

// causal_conv1d: out has x's shape.
func.func @conv_out(%x: memref<1x8x160xf32>, %w: memref<160x4xf32>, %y: memref<1x7x160xf32>, %s: memref<1x160x3xf32>) {
  // expected-error @+1 {{'tile.causal_conv1d' op out shape: expected [1, 8, 160], got [1, 7, 160]}}
  tile.causal_conv1d %x, %w -> %y, %s
      : memref<1x8x160xf32>, memref<160x4xf32>, memref<1x7x160xf32>, memref<1x160x3xf32>
  return
}

// -----

// causal_conv1d: state_out is [batch, channels, kernel-1].
func.func @conv_state_out(%x: memref<1x8x160xf32>, %w: memref<160x4xf32>, %y: memref<1x8x160xf32>, %s: memref<2x160x3xf32>) {
  // expected-error @+1 {{'tile.causal_conv1d' op state_out shape: expected [1, 160, 3], got [2, 160, 3]}}
  tile.causal_conv1d %x, %w -> %y, %s
      : memref<1x8x160xf32>, memref<160x4xf32>, memref<1x8x160xf32>, memref<2x160x3xf32>
  return
}

// -----
//===----------------------------------------------------------------------===//
// SSD chunked scan: tile.ssd_chunk_cumsum
//===----------------------------------------------------------------------===//

// -----

// ssd_chunk_cumsum: dt is [batch, seq, heads].
func.func @cumsum_dt_rank(%dt: memref<256x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %dto: memref<256x8xf32>, %dacs: memref<1x8x2x128xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_cumsum' op dt must have rank 3, got 2}}
  tile.ssd_chunk_cumsum %dt, %dtb, %alog -> %dto, %dacs {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<256x8xf32>, memref<8xf32>, memref<8xf32>, memref<256x8xf32>, memref<1x8x2x128xf32>
  return
}

// -----

// ssd_chunk_cumsum: dt_bias is [heads].
func.func @cumsum_dt_bias(%dt: memref<1x256x8xf32>, %dtb: memref<4xf32>, %alog: memref<8xf32>, %dto: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_cumsum' op dt_bias shape: expected [8], got [4]}}
  tile.ssd_chunk_cumsum %dt, %dtb, %alog -> %dto, %dacs {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x256x8xf32>, memref<4xf32>, memref<8xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>
  return
}

// -----

// ssd_chunk_cumsum: A_log is [heads].
func.func @cumsum_a_log(%dt: memref<1x256x8xf32>, %dtb: memref<8xf32>, %alog: memref<1x8xf32>, %dto: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_cumsum' op A_log shape: expected [8], got [1, 8]}}
  tile.ssd_chunk_cumsum %dt, %dtb, %alog -> %dto, %dacs {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x256x8xf32>, memref<8xf32>, memref<1x8xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>
  return
}

// -----

// ssd_chunk_cumsum: dt_out has dt's shape.
func.func @cumsum_dt_out(%dt: memref<1x256x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %dto: memref<1x8x256xf32>, %dacs: memref<1x8x2x128xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_cumsum' op dt_out shape: expected [1, 256, 8], got [1, 8, 256]}}
  tile.ssd_chunk_cumsum %dt, %dtb, %alog -> %dto, %dacs {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x256x8xf32>, memref<8xf32>, memref<8xf32>, memref<1x8x256xf32>, memref<1x8x2x128xf32>
  return
}

// -----

// ssd_chunk_cumsum: chunk_size is positive.
func.func @cumsum_chunk(%dt: memref<1x256x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %dto: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_cumsum' op chunk_size must be positive, got 0}}
  tile.ssd_chunk_cumsum %dt, %dtb, %alog -> %dto, %dacs {chunk_size = 0 : i64, dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x256x8xf32>, memref<8xf32>, memref<8xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>
  return
}

// -----

// ssd_chunk_cumsum: chunk_size is at most 4096.
func.func @cumsum_chunk_too_large(%dt: memref<1x256x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %dto: memref<1x256x8xf32>, %dacs: memref<1x8x1x262144xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_cumsum' op chunk_size must be at most 4096 (the chunk scan keeps chunk_size x chunk_size matrices), got 262144}}
  tile.ssd_chunk_cumsum %dt, %dtb, %alog -> %dto, %dacs {chunk_size = 262144 : i64, dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x256x8xf32>, memref<8xf32>, memref<8xf32>, memref<1x256x8xf32>, memref<1x8x1x262144xf32>
  return
}

// -----

// ssd_chunk_cumsum: dA_cumsum is [batch, heads, ceildiv(seq, chunk), chunk].
func.func @cumsum_dacs(%dt: memref<1x300x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %dto: memref<1x300x8xf32>, %dacs: memref<1x8x2x128xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_cumsum' op dA_cumsum shape: expected [1, 8, 3, 128], got [1, 8, 2, 128]}}
  tile.ssd_chunk_cumsum %dt, %dtb, %alog -> %dto, %dacs {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x300x8xf32>, memref<8xf32>, memref<8xf32>, memref<1x300x8xf32>, memref<1x8x2x128xf32>
  return
}

// -----

// ssd_chunk_cumsum: 0 <= dt_min <= dt_max.
func.func @cumsum_dt_limits(%dt: memref<1x256x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %dto: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_cumsum' op dt limits must satisfy 0 <= dt_min <= dt_max, got [2, 1]}}
  tile.ssd_chunk_cumsum %dt, %dtb, %alog -> %dto, %dacs {chunk_size = 128 : i64, dt_min = 2.0 : f64, dt_max = 1.0 : f64}
      : memref<1x256x8xf32>, memref<8xf32>, memref<8xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>
  return
}

//===----------------------------------------------------------------------===//
// tile.ssd_chunk_state
//===----------------------------------------------------------------------===//

// -----

// ssd_chunk_state: x is [batch, seq, heads, head_dim].
func.func @chunk_state_x_rank(%x: memref<256x8x16xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_state' op x must have rank 4, got 3}}
  tile.ssd_chunk_state %x, %B, %dt, %dacs -> %st {chunk_size = 128 : i64}
      : memref<256x8x16xf32>, memref<1x256x2x16xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>
  return
}

// -----

// ssd_chunk_state: B is [batch, seq, groups, state].
func.func @chunk_state_b_rank(%x: memref<1x256x8x16xf32>, %B: memref<1x256x32xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_state' op B must have rank 4, got 3}}
  tile.ssd_chunk_state %x, %B, %dt, %dacs -> %st {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x32xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>
  return
}

// -----

// ssd_chunk_state: B has x's batch and sequence length.
func.func @chunk_state_b(%x: memref<1x256x8x16xf32>, %B: memref<1x128x2x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_state' op B shape: expected [1, 256, 2, 16], got [1, 128, 2, 16]}}
  tile.ssd_chunk_state %x, %B, %dt, %dacs -> %st {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<1x128x2x16xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>
  return
}

// -----

// ssd_chunk_state: heads are a multiple of groups.
func.func @chunk_state_groups(%x: memref<1x256x8x16xf32>, %B: memref<1x256x3x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_state' op heads must split evenly over groups: 8 is not a multiple of 3}}
  tile.ssd_chunk_state %x, %B, %dt, %dacs -> %st {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x3x16xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>
  return
}

// -----

// ssd_chunk_state: dt is [batch, seq, heads].
func.func @chunk_state_dt(%x: memref<1x256x8x16xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x256x4xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_state' op dt shape: expected [1, 256, 8], got [1, 256, 4]}}
  tile.ssd_chunk_state %x, %B, %dt, %dacs -> %st {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x2x16xf32>, memref<1x256x4xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>
  return
}

// -----

// ssd_chunk_state: chunk_size is positive.
func.func @chunk_state_chunk(%x: memref<1x256x8x16xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_state' op chunk_size must be positive, got -128}}
  tile.ssd_chunk_state %x, %B, %dt, %dacs -> %st {chunk_size = -128 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x2x16xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>
  return
}

// -----

// ssd_chunk_state: chunk_size is at most 4096.
func.func @chunk_state_chunk_too_large(%x: memref<1x256x8x16xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x1x8192xf32>, %st: memref<1x1x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_state' op chunk_size must be at most 4096 (the chunk scan keeps chunk_size x chunk_size matrices), got 8192}}
  tile.ssd_chunk_state %x, %B, %dt, %dacs -> %st {chunk_size = 8192 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x2x16xf32>, memref<1x256x8xf32>, memref<1x8x1x8192xf32>, memref<1x1x8x16x16xf32>
  return
}

// -----

// ssd_chunk_state: dA_cumsum's last dimension is chunk_size.
func.func @chunk_state_dacs(%x: memref<1x256x8x16xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x4x64xf32>, %st: memref<1x2x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_state' op dA_cumsum shape: expected [1, 8, 2, 128], got [1, 8, 4, 64]}}
  tile.ssd_chunk_state %x, %B, %dt, %dacs -> %st {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x2x16xf32>, memref<1x256x8xf32>, memref<1x8x4x64xf32>, memref<1x2x8x16x16xf32>
  return
}

// -----

// ssd_chunk_state: states is [batch, nchunks, heads, head_dim, state].
func.func @chunk_state_states(%x: memref<1x256x8x16xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x8xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_state' op states shape: expected [1, 2, 8, 16, 16], got [1, 2, 8, 16, 8]}}
  tile.ssd_chunk_state %x, %B, %dt, %dacs -> %st {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x2x16xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x8xf32>
  return
}

//===----------------------------------------------------------------------===//
// tile.ssd_state_passing
//===----------------------------------------------------------------------===//

// -----

// ssd_state_passing: states is [batch, nchunks, heads, head_dim, state].
func.func @passing_rank(%st: memref<1x8x16x16xf32>, %dacs: memref<1x8x2x128xf32>, %sto: memref<1x8x16x16xf32>, %fin: memref<1x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_passing' op states must have rank 5, got 4}}
  tile.ssd_state_passing %st, %dacs -> %sto, %fin {chunk_size = 128 : i64}
      : memref<1x8x16x16xf32>, memref<1x8x2x128xf32>, memref<1x8x16x16xf32>, memref<1x8x16x16xf32>
  return
}

// -----

// ssd_state_passing: chunk_size is positive.
func.func @passing_chunk(%st: memref<1x2x8x16x16xf32>, %dacs: memref<1x8x2x128xf32>, %sto: memref<1x2x8x16x16xf32>, %fin: memref<1x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_passing' op chunk_size must be positive, got 0}}
  tile.ssd_state_passing %st, %dacs -> %sto, %fin {chunk_size = 0 : i64}
      : memref<1x2x8x16x16xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>, memref<1x8x16x16xf32>
  return
}

// -----

// ssd_state_passing: chunk_size is at most 4096.
func.func @passing_chunk_too_large(%st: memref<1x2x8x16x16xf32>, %dacs: memref<1x8x2x8192xf32>, %sto: memref<1x2x8x16x16xf32>, %fin: memref<1x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_passing' op chunk_size must be at most 4096 (the chunk scan keeps chunk_size x chunk_size matrices), got 8192}}
  tile.ssd_state_passing %st, %dacs -> %sto, %fin {chunk_size = 8192 : i64}
      : memref<1x2x8x16x16xf32>, memref<1x8x2x8192xf32>, memref<1x2x8x16x16xf32>, memref<1x8x16x16xf32>
  return
}

// -----

// ssd_state_passing: dA_cumsum has one row per chunk of states.
func.func @passing_dacs(%st: memref<1x2x8x16x16xf32>, %dacs: memref<1x8x3x128xf32>, %sto: memref<1x2x8x16x16xf32>, %fin: memref<1x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_passing' op dA_cumsum shape: expected [1, 8, 2, 128], got [1, 8, 3, 128]}}
  tile.ssd_state_passing %st, %dacs -> %sto, %fin {chunk_size = 128 : i64}
      : memref<1x2x8x16x16xf32>, memref<1x8x3x128xf32>, memref<1x2x8x16x16xf32>, memref<1x8x16x16xf32>
  return
}

// -----

// ssd_state_passing: init is [batch, heads, head_dim, state].
func.func @passing_init(%st: memref<1x2x8x16x16xf32>, %dacs: memref<1x8x2x128xf32>, %init: memref<1x8x16xf32>, %sto: memref<1x2x8x16x16xf32>, %fin: memref<1x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_passing' op init shape: expected [1, 8, 16, 16], got [1, 8, 16]}}
  tile.ssd_state_passing %st, %dacs init(%init) -> %sto, %fin {chunk_size = 128 : i64}
      : memref<1x2x8x16x16xf32>, memref<1x8x2x128xf32>, memref<1x8x16xf32>, memref<1x2x8x16x16xf32>, memref<1x8x16x16xf32>
  return
}

// -----

// ssd_state_passing: states_out has the shape of states.
func.func @passing_states_out(%st: memref<1x2x8x16x16xf32>, %dacs: memref<1x8x2x128xf32>, %sto: memref<1x3x8x16x16xf32>, %fin: memref<1x8x16x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_passing' op states_out shape: expected [1, 2, 8, 16, 16], got [1, 3, 8, 16, 16]}}
  tile.ssd_state_passing %st, %dacs -> %sto, %fin {chunk_size = 128 : i64}
      : memref<1x2x8x16x16xf32>, memref<1x8x2x128xf32>, memref<1x3x8x16x16xf32>, memref<1x8x16x16xf32>
  return
}

// -----

// ssd_state_passing: final_state is [batch, heads, head_dim, state].
func.func @passing_final(%st: memref<1x2x8x16x16xf32>, %dacs: memref<1x8x2x128xf32>, %sto: memref<1x2x8x16x16xf32>, %fin: memref<1x8x16x32xf32>) {
  // expected-error @+1 {{'tile.ssd_state_passing' op final_state shape: expected [1, 8, 16, 16], got [1, 8, 16, 32]}}
  tile.ssd_state_passing %st, %dacs -> %sto, %fin {chunk_size = 128 : i64}
      : memref<1x2x8x16x16xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>, memref<1x8x16x32xf32>
  return
}

//===----------------------------------------------------------------------===//
// tile.ssd_chunk_scan
//===----------------------------------------------------------------------===//

// -----

// ssd_chunk_scan: x is [batch, seq, heads, head_dim].
func.func @scan_x_rank(%x: memref<256x8x16xf32>, %C: memref<1x256x2x16xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>, %D: memref<8xf32>, %y: memref<256x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_scan' op x must have rank 4, got 3}}
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 128 : i64}
      : memref<256x8x16xf32>, memref<1x256x2x16xf32>, memref<1x256x2x16xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>, memref<8xf32>, memref<256x8x16xf32>
  return
}

// -----

// ssd_chunk_scan: C is [batch, seq, groups, state].
func.func @scan_c_rank(%x: memref<1x256x8x16xf32>, %C: memref<1x256x32xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>, %D: memref<8xf32>, %y: memref<1x256x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_scan' op C must have rank 4, got 3}}
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x32xf32>, memref<1x256x2x16xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>, memref<8xf32>, memref<1x256x8x16xf32>
  return
}

// -----

// ssd_chunk_scan: C has x's batch and sequence length.
func.func @scan_c(%x: memref<1x256x8x16xf32>, %C: memref<2x256x2x16xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>, %D: memref<8xf32>, %y: memref<1x256x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_scan' op C shape: expected [1, 256, 2, 16], got [2, 256, 2, 16]}}
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<2x256x2x16xf32>, memref<1x256x2x16xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>, memref<8xf32>, memref<1x256x8x16xf32>
  return
}

// -----

// ssd_chunk_scan: B has C's shape.
func.func @scan_b(%x: memref<1x256x8x16xf32>, %C: memref<1x256x2x16xf32>, %B: memref<1x256x2x8xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>, %D: memref<8xf32>, %y: memref<1x256x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_scan' op B shape: expected [1, 256, 2, 16], got [1, 256, 2, 8]}}
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x2x16xf32>, memref<1x256x2x8xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>, memref<8xf32>, memref<1x256x8x16xf32>
  return
}

// -----

// ssd_chunk_scan: heads are a multiple of groups.
func.func @scan_groups(%x: memref<1x256x8x16xf32>, %C: memref<1x256x5x16xf32>, %B: memref<1x256x5x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>, %D: memref<8xf32>, %y: memref<1x256x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_scan' op heads must split evenly over groups: 8 is not a multiple of 5}}
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x5x16xf32>, memref<1x256x5x16xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>, memref<8xf32>, memref<1x256x8x16xf32>
  return
}

// -----

// ssd_chunk_scan: dt is [batch, seq, heads].
func.func @scan_dt(%x: memref<1x256x8x16xf32>, %C: memref<1x256x2x16xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x255x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>, %D: memref<8xf32>, %y: memref<1x256x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_scan' op dt shape: expected [1, 256, 8], got [1, 255, 8]}}
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x2x16xf32>, memref<1x256x2x16xf32>, memref<1x255x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>, memref<8xf32>, memref<1x256x8x16xf32>
  return
}

// -----

// ssd_chunk_scan: chunk_size is positive.
func.func @scan_chunk(%x: memref<1x256x8x16xf32>, %C: memref<1x256x2x16xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>, %D: memref<8xf32>, %y: memref<1x256x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_scan' op chunk_size must be positive, got 0}}
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 0 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x2x16xf32>, memref<1x256x2x16xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>, memref<8xf32>, memref<1x256x8x16xf32>
  return
}

// -----

// ssd_chunk_scan: chunk_size is at most 4096 (262144 made the x86 kernel
// malloc two 256 GiB Q x Q scratch matrices and crash on the null pointer).
func.func @scan_chunk_too_large(%x: memref<1x3x8x16xf32>, %C: memref<1x3x2x16xf32>, %B: memref<1x3x2x16xf32>, %dt: memref<1x3x8xf32>, %dacs: memref<1x8x1x262144xf32>, %st: memref<1x1x8x16x16xf32>, %D: memref<8xf32>, %y: memref<1x3x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_scan' op chunk_size must be at most 4096 (the chunk scan keeps chunk_size x chunk_size matrices), got 262144}}
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 262144 : i64}
      : memref<1x3x8x16xf32>, memref<1x3x2x16xf32>, memref<1x3x2x16xf32>, memref<1x3x8xf32>, memref<1x8x1x262144xf32>, memref<1x1x8x16x16xf32>, memref<8xf32>, memref<1x3x8x16xf32>
  return
}

// -----

// ssd_chunk_scan: dA_cumsum is [batch, heads, nchunks, chunk].
func.func @scan_dacs(%x: memref<1x256x8x16xf32>, %C: memref<1x256x2x16xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x2x8x128xf32>, %st: memref<1x2x8x16x16xf32>, %D: memref<8xf32>, %y: memref<1x256x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_scan' op dA_cumsum shape: expected [1, 8, 2, 128], got [1, 2, 8, 128]}}
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x2x16xf32>, memref<1x256x2x16xf32>, memref<1x256x8xf32>, memref<1x2x8x128xf32>, memref<1x2x8x16x16xf32>, memref<8xf32>, memref<1x256x8x16xf32>
  return
}

// -----

// ssd_chunk_scan: states is [batch, nchunks, heads, head_dim, state].
func.func @scan_states(%x: memref<1x256x8x16xf32>, %C: memref<1x256x2x16xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x8x2x16x16xf32>, %D: memref<8xf32>, %y: memref<1x256x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_scan' op states shape: expected [1, 2, 8, 16, 16], got [1, 8, 2, 16, 16]}}
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x2x16xf32>, memref<1x256x2x16xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x8x2x16x16xf32>, memref<8xf32>, memref<1x256x8x16xf32>
  return
}

// -----

// ssd_chunk_scan: D is [heads].
func.func @scan_d(%x: memref<1x256x8x16xf32>, %C: memref<1x256x2x16xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>, %D: memref<16xf32>, %y: memref<1x256x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_scan' op D shape: expected [8], got [16]}}
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x2x16xf32>, memref<1x256x2x16xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>, memref<16xf32>, memref<1x256x8x16xf32>
  return
}

// -----

// ssd_chunk_scan: y has x's shape.
func.func @scan_y(%x: memref<1x256x8x16xf32>, %C: memref<1x256x2x16xf32>, %B: memref<1x256x2x16xf32>, %dt: memref<1x256x8xf32>, %dacs: memref<1x8x2x128xf32>, %st: memref<1x2x8x16x16xf32>, %D: memref<8xf32>, %y: memref<1x256x128xf32>) {
  // expected-error @+1 {{'tile.ssd_chunk_scan' op y shape: expected [1, 256, 8, 16], got [1, 256, 128]}}
  tile.ssd_chunk_scan %x, %C, %B, %dt, %dacs, %st, %D -> %y {chunk_size = 128 : i64}
      : memref<1x256x8x16xf32>, memref<1x256x2x16xf32>, memref<1x256x2x16xf32>, memref<1x256x8xf32>, memref<1x8x2x128xf32>, memref<1x2x8x16x16xf32>, memref<8xf32>, memref<1x256x128xf32>
  return
}

//===----------------------------------------------------------------------===//
// tile.ssd_state_update
//===----------------------------------------------------------------------===//

// -----

// ssd_state_update: x is [batch, heads, head_dim].
func.func @update_x_rank(%x: memref<8x16xf32>, %dt: memref<1x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %B: memref<1x2x16xf32>, %C: memref<1x2x16xf32>, %D: memref<8xf32>, %s: memref<1x8x16x16xf32>, %y: memref<8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_update' op x must have rank 3, got 2}}
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y {dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<8x16xf32>, memref<1x8xf32>, memref<8xf32>, memref<8xf32>, memref<1x2x16xf32>, memref<1x2x16xf32>, memref<8xf32>, memref<1x8x16x16xf32>, memref<8x16xf32>
  return
}

// -----

// ssd_state_update: B is [batch, groups, state].
func.func @update_b_rank(%x: memref<1x8x16xf32>, %dt: memref<1x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %B: memref<1x32xf32>, %C: memref<1x2x16xf32>, %D: memref<8xf32>, %s: memref<1x8x16x16xf32>, %y: memref<1x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_update' op B must have rank 3, got 2}}
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y {dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x8x16xf32>, memref<1x8xf32>, memref<8xf32>, memref<8xf32>, memref<1x32xf32>, memref<1x2x16xf32>, memref<8xf32>, memref<1x8x16x16xf32>, memref<1x8x16xf32>
  return
}

// -----

// ssd_state_update: dt is [batch, heads].
func.func @update_dt(%x: memref<1x8x16xf32>, %dt: memref<1x1x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %B: memref<1x2x16xf32>, %C: memref<1x2x16xf32>, %D: memref<8xf32>, %s: memref<1x8x16x16xf32>, %y: memref<1x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_update' op dt shape: expected [1, 8], got [1, 1, 8]}}
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y {dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x8x16xf32>, memref<1x1x8xf32>, memref<8xf32>, memref<8xf32>, memref<1x2x16xf32>, memref<1x2x16xf32>, memref<8xf32>, memref<1x8x16x16xf32>, memref<1x8x16xf32>
  return
}

// -----

// ssd_state_update: dt_bias is [heads].
func.func @update_dt_bias(%x: memref<1x8x16xf32>, %dt: memref<1x8xf32>, %dtb: memref<2xf32>, %alog: memref<8xf32>, %B: memref<1x2x16xf32>, %C: memref<1x2x16xf32>, %D: memref<8xf32>, %s: memref<1x8x16x16xf32>, %y: memref<1x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_update' op dt_bias shape: expected [8], got [2]}}
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y {dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x8x16xf32>, memref<1x8xf32>, memref<2xf32>, memref<8xf32>, memref<1x2x16xf32>, memref<1x2x16xf32>, memref<8xf32>, memref<1x8x16x16xf32>, memref<1x8x16xf32>
  return
}

// -----

// ssd_state_update: A_log is [heads].
func.func @update_a_log(%x: memref<1x8x16xf32>, %dt: memref<1x8xf32>, %dtb: memref<8xf32>, %alog: memref<16xf32>, %B: memref<1x2x16xf32>, %C: memref<1x2x16xf32>, %D: memref<8xf32>, %s: memref<1x8x16x16xf32>, %y: memref<1x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_update' op A_log shape: expected [8], got [16]}}
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y {dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x8x16xf32>, memref<1x8xf32>, memref<8xf32>, memref<16xf32>, memref<1x2x16xf32>, memref<1x2x16xf32>, memref<8xf32>, memref<1x8x16x16xf32>, memref<1x8x16xf32>
  return
}

// -----

// ssd_state_update: B has x's batch.
func.func @update_b(%x: memref<1x8x16xf32>, %dt: memref<1x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %B: memref<2x2x16xf32>, %C: memref<2x2x16xf32>, %D: memref<8xf32>, %s: memref<1x8x16x16xf32>, %y: memref<1x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_update' op B shape: expected [1, 2, 16], got [2, 2, 16]}}
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y {dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x8x16xf32>, memref<1x8xf32>, memref<8xf32>, memref<8xf32>, memref<2x2x16xf32>, memref<2x2x16xf32>, memref<8xf32>, memref<1x8x16x16xf32>, memref<1x8x16xf32>
  return
}

// -----

// ssd_state_update: C has B's shape.
func.func @update_c(%x: memref<1x8x16xf32>, %dt: memref<1x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %B: memref<1x2x16xf32>, %C: memref<1x1x16xf32>, %D: memref<8xf32>, %s: memref<1x8x16x16xf32>, %y: memref<1x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_update' op C shape: expected [1, 2, 16], got [1, 1, 16]}}
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y {dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x8x16xf32>, memref<1x8xf32>, memref<8xf32>, memref<8xf32>, memref<1x2x16xf32>, memref<1x1x16xf32>, memref<8xf32>, memref<1x8x16x16xf32>, memref<1x8x16xf32>
  return
}

// -----

// ssd_state_update: heads are a multiple of groups.
func.func @update_groups(%x: memref<1x8x16xf32>, %dt: memref<1x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %B: memref<1x3x16xf32>, %C: memref<1x3x16xf32>, %D: memref<8xf32>, %s: memref<1x8x16x16xf32>, %y: memref<1x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_update' op heads must split evenly over groups: 8 is not a multiple of 3}}
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y {dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x8x16xf32>, memref<1x8xf32>, memref<8xf32>, memref<8xf32>, memref<1x3x16xf32>, memref<1x3x16xf32>, memref<8xf32>, memref<1x8x16x16xf32>, memref<1x8x16xf32>
  return
}

// -----

// ssd_state_update: D is [heads].
func.func @update_d(%x: memref<1x8x16xf32>, %dt: memref<1x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %B: memref<1x2x16xf32>, %C: memref<1x2x16xf32>, %D: memref<1xf32>, %s: memref<1x8x16x16xf32>, %y: memref<1x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_update' op D shape: expected [8], got [1]}}
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y {dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x8x16xf32>, memref<1x8xf32>, memref<8xf32>, memref<8xf32>, memref<1x2x16xf32>, memref<1x2x16xf32>, memref<1xf32>, memref<1x8x16x16xf32>, memref<1x8x16xf32>
  return
}

// -----

// ssd_state_update: state is [batch, heads, head_dim, state].
func.func @update_state(%x: memref<1x8x16xf32>, %dt: memref<1x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %B: memref<1x2x16xf32>, %C: memref<1x2x16xf32>, %D: memref<8xf32>, %s: memref<1x8x16x64xf32>, %y: memref<1x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_update' op state shape: expected [1, 8, 16, 16], got [1, 8, 16, 64]}}
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y {dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x8x16xf32>, memref<1x8xf32>, memref<8xf32>, memref<8xf32>, memref<1x2x16xf32>, memref<1x2x16xf32>, memref<8xf32>, memref<1x8x16x64xf32>, memref<1x8x16xf32>
  return
}

// -----

// ssd_state_update: y has x's shape.
func.func @update_y(%x: memref<1x8x16xf32>, %dt: memref<1x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %B: memref<1x2x16xf32>, %C: memref<1x2x16xf32>, %D: memref<8xf32>, %s: memref<1x8x16x16xf32>, %y: memref<1x8x8xf32>) {
  // expected-error @+1 {{'tile.ssd_state_update' op y shape: expected [1, 8, 16], got [1, 8, 8]}}
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y {dt_min = 0.0 : f64, dt_max = 1.0 : f64}
      : memref<1x8x16xf32>, memref<1x8xf32>, memref<8xf32>, memref<8xf32>, memref<1x2x16xf32>, memref<1x2x16xf32>, memref<8xf32>, memref<1x8x16x16xf32>, memref<1x8x8xf32>
  return
}

// -----

// ssd_state_update: 0 <= dt_min <= dt_max.
func.func @update_dt_limits(%x: memref<1x8x16xf32>, %dt: memref<1x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>, %B: memref<1x2x16xf32>, %C: memref<1x2x16xf32>, %D: memref<8xf32>, %s: memref<1x8x16x16xf32>, %y: memref<1x8x16xf32>) {
  // expected-error @+1 {{'tile.ssd_state_update' op dt limits must satisfy 0 <= dt_min <= dt_max, got [-0.5, 1]}}
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y {dt_min = -0.5 : f64, dt_max = 1.0 : f64}
      : memref<1x8x16xf32>, memref<1x8xf32>, memref<8xf32>, memref<8xf32>, memref<1x2x16xf32>, memref<1x2x16xf32>, memref<8xf32>, memref<1x8x16x16xf32>, memref<1x8x16xf32>
  return
}

//===----------------------------------------------------------------------===//
// tile.flash_attention
//===----------------------------------------------------------------------===//

// -----

// flash_attention: q is [batch, seq, q_heads, head_dim].
func.func @fa_q_rank(%q: memref<8x4x16xf32>, %k: memref<1x8x2x16xf32>, %v: memref<1x8x2x16xf32>, %o: memref<8x4x16xf32>) {
  // expected-error @+1 {{'tile.flash_attention' op q must have rank 4, got 3}}
  tile.flash_attention %q, %k, %v, %o {scale = 0.25 : f64}
      : memref<8x4x16xf32>, memref<1x8x2x16xf32>, memref<1x8x2x16xf32>, memref<8x4x16xf32>
  return
}

// -----

// flash_attention: k is [batch, kv_len, kv_heads, head_dim].
func.func @fa_k_rank(%q: memref<1x8x4x16xf32>, %k: memref<1x8x32xf32>, %v: memref<1x8x2x16xf32>, %o: memref<1x8x4x16xf32>) {
  // expected-error @+1 {{'tile.flash_attention' op k must have rank 4, got 3}}
  tile.flash_attention %q, %k, %v, %o {scale = 0.25 : f64}
      : memref<1x8x4x16xf32>, memref<1x8x32xf32>, memref<1x8x2x16xf32>, memref<1x8x4x16xf32>
  return
}

// -----

// flash_attention: k has q's batch and head_dim.
func.func @fa_k(%q: memref<1x8x4x16xf32>, %k: memref<1x8x2x32xf32>, %v: memref<1x8x2x32xf32>, %o: memref<1x8x4x16xf32>) {
  // expected-error @+1 {{'tile.flash_attention' op k shape: expected [1, 8, 2, 16], got [1, 8, 2, 32]}}
  tile.flash_attention %q, %k, %v, %o {scale = 0.25 : f64}
      : memref<1x8x4x16xf32>, memref<1x8x2x32xf32>, memref<1x8x2x32xf32>, memref<1x8x4x16xf32>
  return
}

// -----

// flash_attention: v has k's shape.
func.func @fa_v(%q: memref<1x8x4x16xf32>, %k: memref<1x8x2x16xf32>, %v: memref<1x9x2x16xf32>, %o: memref<1x8x4x16xf32>) {
  // expected-error @+1 {{'tile.flash_attention' op v shape: expected [1, 8, 2, 16], got [1, 9, 2, 16]}}
  tile.flash_attention %q, %k, %v, %o {scale = 0.25 : f64}
      : memref<1x8x4x16xf32>, memref<1x8x2x16xf32>, memref<1x9x2x16xf32>, memref<1x8x4x16xf32>
  return
}

// -----

// flash_attention: query heads are a multiple of kv heads (GQA).
func.func @fa_gqa(%q: memref<1x8x4x16xf32>, %k: memref<1x8x3x16xf32>, %v: memref<1x8x3x16xf32>, %o: memref<1x8x4x16xf32>) {
  // expected-error @+1 {{'tile.flash_attention' op query heads must be a multiple of kv heads: 4 is not a multiple of 3}}
  tile.flash_attention %q, %k, %v, %o {scale = 0.25 : f64}
      : memref<1x8x4x16xf32>, memref<1x8x3x16xf32>, memref<1x8x3x16xf32>, memref<1x8x4x16xf32>
  return
}

// -----

// flash_attention: out has q's shape.
func.func @fa_out(%q: memref<1x8x4x16xf32>, %k: memref<1x8x2x16xf32>, %v: memref<1x8x2x16xf32>, %o: memref<1x8x2x16xf32>) {
  // expected-error @+1 {{'tile.flash_attention' op out shape: expected [1, 8, 4, 16], got [1, 8, 2, 16]}}
  tile.flash_attention %q, %k, %v, %o {scale = 0.25 : f64}
      : memref<1x8x4x16xf32>, memref<1x8x2x16xf32>, memref<1x8x2x16xf32>, memref<1x8x2x16xf32>
  return
}

// -----

// flash_attention: causal attention needs kv_len >= seq (bottom-right alignment).
func.func @fa_causal(%q: memref<1x8x4x16xf32>, %k: memref<1x4x2x16xf32>, %v: memref<1x4x2x16xf32>, %o: memref<1x8x4x16xf32>) {
  // expected-error @+1 {{'tile.flash_attention' op causal attention needs at least as many keys as queries, got 4 keys and 8 queries}}
  tile.flash_attention %q, %k, %v, %o {causal, scale = 0.25 : f64}
      : memref<1x8x4x16xf32>, memref<1x4x2x16xf32>, memref<1x4x2x16xf32>, memref<1x8x4x16xf32>
  return
}

// -----

// flash_attention: scale is positive and finite.
func.func @fa_scale(%q: memref<1x8x4x16xf32>, %k: memref<1x8x2x16xf32>, %v: memref<1x8x2x16xf32>, %o: memref<1x8x4x16xf32>) {
  // expected-error @+1 {{'tile.flash_attention' op scale must be positive and finite, got 0}}
  tile.flash_attention %q, %k, %v, %o {scale = 0.0 : f64}
      : memref<1x8x4x16xf32>, memref<1x8x2x16xf32>, memref<1x8x2x16xf32>, memref<1x8x4x16xf32>
  return
}

// -----

// flash_attention: the position is one value.
func.func @fa_position(%q: memref<1x1x4x16xf32>, %k: memref<1x64x2x16xf32>, %v: memref<1x64x2x16xf32>,
                       %o: memref<1x1x4x16xf32>, %pos: memref<3xi64>) {
  // expected-error @+1 {{'tile.flash_attention' op position shape: expected [1], got [3]}}
  tile.flash_attention %q, %k, %v, %o at %pos {causal, scale = 0.25 : f64}
      : memref<1x1x4x16xf32>, memref<1x64x2x16xf32>, memref<1x64x2x16xf32>, memref<1x1x4x16xf32>, memref<3xi64>
  return
}

// -----

//===----------------------------------------------------------------------===//
// tile.kv_cache_append
//===----------------------------------------------------------------------===//

// -----

// kv_cache_append: cache is [batch, capacity, kv_heads, head_dim].
func.func @kv_cache_rank(%new: memref<1x1x2x16xf32>, %cache: memref<4096x2x16xf32>, %pos: memref<1xi64>) {
  // expected-error @+1 {{'tile.kv_cache_append' op cache must have rank 4, got 3}}
  tile.kv_cache_append %new -> %cache[%pos] : memref<1x1x2x16xf32> -> memref<4096x2x16xf32>, memref<1xi64>
  return
}

// -----

// kv_cache_append: update is [batch, seq, kv_heads, head_dim] like the cache.
func.func @kv_cache_update(%new: memref<1x2x1x16xf32>, %cache: memref<1x4096x2x16xf32>, %pos: memref<1xi64>) {
  // expected-error @+1 {{'tile.kv_cache_append' op update shape: expected [1, ?, 2, 16], got [1, 2, 1, 16]}}
  tile.kv_cache_append %new -> %cache[%pos] : memref<1x2x1x16xf32> -> memref<1x4096x2x16xf32>, memref<1xi64>
  return
}

// -----

// kv_cache_append: the new positions fit in the cache.
func.func @kv_cache_len(%new: memref<1x64x2x16xf32>, %cache: memref<1x32x2x16xf32>, %pos: memref<1xi64>) {
  // expected-error @+1 {{'tile.kv_cache_append' op update length must not exceed the cache capacity 32, got 64}}
  tile.kv_cache_append %new -> %cache[%pos] : memref<1x64x2x16xf32> -> memref<1x32x2x16xf32>, memref<1xi64>
  return
}

// -----

// kv_cache_append: the position is one value.
func.func @kv_cache_position(%new: memref<1x1x2x16xf32>, %cache: memref<1x32x2x16xf32>, %pos: memref<2xi64>) {
  // expected-error @+1 {{'tile.kv_cache_append' op position shape: expected [1], got [2]}}
  tile.kv_cache_append %new -> %cache[%pos] : memref<1x1x2x16xf32> -> memref<1x32x2x16xf32>, memref<2xi64>
  return
}

// -----

// kv_cache_append: the position is an i64 buffer (read by the kernel), not an index.
func.func @kv_cache_position_type(%new: memref<1x1x2x16xf32>, %cache: memref<1x32x2x16xf32>, %pos: memref<1xi32>) {
  // expected-error @+1 {{'tile.kv_cache_append' op operand #2 must be 1D memref of 64-bit signless integer values, but got 'memref<1xi32>'}}
  tile.kv_cache_append %new -> %cache[%pos] : memref<1x1x2x16xf32> -> memref<1x32x2x16xf32>, memref<1xi32>
  return
}

// -----

// moe_route: the bias has one entry per expert.
func.func @moe_case_0(%a: memref<?x8xf32>, %b: memref<6xf32>, %i: memref<?x2xi64>, %w: memref<?x2xf32>) {
  // expected-error @+1 {{'tile.moe_route' op bias shape: expected [8], got [6]}}
  tile.moe_route %a, %b, %i, %w : memref<?x8xf32>, memref<6xf32>, memref<?x2xi64>, memref<?x2xf32>
  return
}

// -----

// moe_route: weights match ids.
func.func @moe_case_1(%a: memref<?x8xf32>, %b: memref<8xf32>, %i: memref<?x2xi64>, %w: memref<?x3xf32>) {
  // expected-error @+1 {{'tile.moe_route' op weights shape: expected [?, 2], got [?, 3]}}
  tile.moe_route %a, %b, %i, %w : memref<?x8xf32>, memref<8xf32>, memref<?x2xi64>, memref<?x3xf32>
  return
}

// -----

// moe_route: the expert count and top-k are static.
func.func @moe_case_2(%a: memref<?x?xf32>, %b: memref<?xf32>, %i: memref<?x2xi64>, %w: memref<?x2xf32>) {
  // expected-error @+1 {{'tile.moe_route' op needs static experts and top-k, got logits 'memref<?x?xf32>' and ids 'memref<?x2xi64>'}}
  tile.moe_route %a, %b, %i, %w : memref<?x?xf32>, memref<?xf32>, memref<?x2xi64>, memref<?x2xf32>
  return
}

// -----

// moe_route: 1 <= topk_group <= n_group.
func.func @moe_case_3(%a: memref<?x8xf32>, %b: memref<8xf32>, %i: memref<?x2xi64>, %w: memref<?x2xf32>) {
  // expected-error @+1 {{'tile.moe_route' op needs 1 <= topk_group <= n_group, got topk_group 3 and n_group 2}}
  tile.moe_route %a, %b, %i, %w {n_group = 2 : i64, topk_group = 3 : i64} : memref<?x8xf32>, memref<8xf32>, memref<?x2xi64>, memref<?x2xf32>
  return
}

// -----

// moe_route: groups of at least two experts.
func.func @moe_case_4(%a: memref<?x8xf32>, %b: memref<8xf32>, %i: memref<?x2xi64>, %w: memref<?x2xf32>) {
  // expected-error @+1 {{'tile.moe_route' op n_group must split the 8 experts into groups of at least 2, got 8}}
  tile.moe_route %a, %b, %i, %w {n_group = 8 : i64} : memref<?x8xf32>, memref<8xf32>, memref<?x2xi64>, memref<?x2xf32>
  return
}

// -----

// moe_route: top-k within the kept groups.
func.func @moe_case_5(%a: memref<?x8xf32>, %b: memref<8xf32>, %i: memref<?x5xi64>, %w: memref<?x5xf32>) {
  // expected-error @+1 {{'tile.moe_route' op top-k 5 exceeds the 4 experts of the topk_group kept groups}}
  tile.moe_route %a, %b, %i, %w {n_group = 2 : i64} : memref<?x8xf32>, memref<8xf32>, memref<?x5xi64>, memref<?x5xf32>
  return
}

// -----

// moe_route: top-k is positive.
func.func @moe_case_6(%a: memref<?x8xf32>, %b: memref<8xf32>, %i: memref<?x0xi64>, %w: memref<?x0xf32>) {
  // expected-error @+1 {{'tile.moe_route' op top-k (ids columns) must be positive, got 0}}
  tile.moe_route %a, %b, %i, %w : memref<?x8xf32>, memref<8xf32>, memref<?x0xi64>, memref<?x0xf32>
  return
}

// -----

// moe_route: the scaling factor is finite.
func.func @moe_case_7(%a: memref<?x8xf32>, %b: memref<8xf32>, %i: memref<?x2xi64>, %w: memref<?x2xf32>) {
  // expected-error @+1 {{'tile.moe_route' op routed_scaling_factor must be finite}}
  tile.moe_route %a, %b, %i, %w {routed_scaling_factor = 0x7FF0000000000000 : f64} : memref<?x8xf32>, memref<8xf32>, memref<?x2xi64>, memref<?x2xf32>
  return
}

// -----

// moe_route: ids are i64.
func.func @moe_case_8(%a: memref<?x8xf32>, %b: memref<8xf32>, %i: memref<?x2xi32>, %w: memref<?x2xf32>) {
  // expected-error @+1 {{'tile.moe_route' op operand #2 must be memref of 64-bit signless integer values, but got 'memref<?x2xi32>'}}
  tile.moe_route %a, %b, %i, %w : memref<?x8xf32>, memref<8xf32>, memref<?x2xi32>, memref<?x2xf32>
  return
}

// -----

// moe_sort: order holds T * K pairs.
func.func @moe_case_9(%i: memref<4x2xi64>, %o: memref<9xi64>, %p: memref<6xi64>) {
  // expected-error @+1 {{'tile.moe_sort' op order shape: expected [8], got [6]}}
  tile.moe_sort %i, %o, %p : memref<4x2xi64>, memref<9xi64>, memref<6xi64>
  return
}

// -----

// moe_sort: offsets have a static E + 1 >= 2 entries.
func.func @moe_case_10(%i: memref<?x2xi64>, %o: memref<?xi64>, %p: memref<?xi64>) {
  // expected-error @+1 {{'tile.moe_sort' op offsets must have a static size E + 1 >= 2, got 'memref<?xi64>'}}
  tile.moe_sort %i, %o, %p : memref<?x2xi64>, memref<?xi64>, memref<?xi64>
  return
}

// -----

// moe_sort: ids are [T, K].
func.func @moe_case_11(%i: memref<?xi64>, %o: memref<9xi64>, %p: memref<?xi64>) {
  // expected-error @+1 {{'tile.moe_sort' op ids must have rank 2, got 1}}
  tile.moe_sort %i, %o, %p : memref<?xi64>, memref<9xi64>, memref<?xi64>
  return
}

// -----

// moe_gather: out is [P, D].
func.func @moe_case_12(%x: memref<?x64xf32>, %p: memref<?xi64>, %o: memref<?x32xf32>) {
  // expected-error @+1 {{'tile.moe_gather' op out shape: expected [?, 64], got [?, 32]}}
  tile.moe_gather %x, %p, %o {top_k = 2 : i64} : memref<?x64xf32>, memref<?xi64>, memref<?x32xf32>
  return
}

// -----

// moe_gather: top_k is positive.
func.func @moe_case_13(%x: memref<?x64xf32>, %p: memref<?xi64>, %o: memref<?x64xf32>) {
  // expected-error @+1 {{'tile.moe_gather' op top_k must be positive, got 0}}
  tile.moe_gather %x, %p, %o {top_k = 0 : i64} : memref<?x64xf32>, memref<?xi64>, memref<?x64xf32>
  return
}

// -----

// grouped_matmul: B is [E, N, K] with A's K.
func.func @moe_case_14(%a: memref<?x64xf32>, %b: memref<8x32x48xf32>, %o: memref<9xi64>, %c: memref<?x32xf32>) {
  // expected-error @+1 {{'tile.grouped_matmul' op B [E, N, K] shape: expected [8, 32, 64], got [8, 32, 48]}}
  tile.grouped_matmul %a, %b, %o, %c : memref<?x64xf32>, memref<8x32x48xf32>, memref<9xi64>, memref<?x32xf32>
  return
}

// -----

// grouped_matmul: one offset per expert, plus the end.
func.func @moe_case_15(%a: memref<?x64xf32>, %b: memref<8x32x64xf32>, %o: memref<8xi64>, %c: memref<?x32xf32>) {
  // expected-error @+1 {{'tile.grouped_matmul' op offsets [E + 1] shape: expected [9], got [8]}}
  tile.grouped_matmul %a, %b, %o, %c : memref<?x64xf32>, memref<8x32x64xf32>, memref<8xi64>, memref<?x32xf32>
  return
}

// -----

// grouped_matmul: C is [P, N].
func.func @moe_case_16(%a: memref<?x64xf32>, %b: memref<8x32x64xf32>, %o: memref<9xi64>, %c: memref<?x16xf32>) {
  // expected-error @+1 {{'tile.grouped_matmul' op C shape: expected [?, 32], got [?, 16]}}
  tile.grouped_matmul %a, %b, %o, %c : memref<?x64xf32>, memref<8x32x64xf32>, memref<9xi64>, memref<?x16xf32>
  return
}

// -----

// grouped_matmul: ReLU² or nothing.
func.func @moe_case_17(%a: memref<?x64xf32>, %b: memref<8x32x64xf32>, %o: memref<9xi64>, %c: memref<?x32xf32>) {
  // expected-error @+1 {{'tile.grouped_matmul' op epilogue must be none or relu2, got silu}}
  tile.grouped_matmul %a, %b, %o, %c {epilogue = #tile.epilogue<silu>} : memref<?x64xf32>, memref<8x32x64xf32>, memref<9xi64>, memref<?x32xf32>
  return
}

// -----

// grouped_matmul: weight-only mixed precision only.
func.func @moe_case_18(%a: memref<?x64xbf16>, %b: memref<8x32x64xf32>, %o: memref<9xi64>, %c: memref<?x32xf32>) {
  // expected-error @+1 {{'tile.grouped_matmul' op B element type must equal the A element type (or be bf16/f16 when A is f32): A is 'bf16', got 'f32'}}
  tile.grouped_matmul %a, %b, %o, %c : memref<?x64xbf16>, memref<8x32x64xf32>, memref<9xi64>, memref<?x32xf32>
  return
}

// -----

// grouped_matmul: B is rank 3.
func.func @moe_case_19(%a: memref<?x64xf32>, %b: memref<32x64xf32>, %o: memref<9xi64>, %c: memref<?x32xf32>) {
  // expected-error @+1 {{'tile.grouped_matmul' op B must have rank 3, got 2}}
  tile.grouped_matmul %a, %b, %o, %c : memref<?x64xf32>, memref<32x64xf32>, memref<9xi64>, memref<?x32xf32>
  return
}

// -----

// moe_combine: one order entry per row of y.
func.func @moe_case_20(%y: memref<12x64xf32>, %p: memref<10xi64>, %w: memref<6x2xf32>, %o: memref<6x64xf32>) {
  // expected-error @+1 {{'tile.moe_combine' op order shape: expected [12], got [10]}}
  tile.moe_combine %y, %p, %w, %o : memref<12x64xf32>, memref<10xi64>, memref<6x2xf32>, memref<6x64xf32>
  return
}

// -----

// moe_combine: out is [T, D].
func.func @moe_case_21(%y: memref<12x64xf32>, %p: memref<12xi64>, %w: memref<6x2xf32>, %o: memref<5x64xf32>) {
  // expected-error @+1 {{'tile.moe_combine' op out shape: expected [6, 64], got [5, 64]}}
  tile.moe_combine %y, %p, %w, %o : memref<12x64xf32>, memref<12xi64>, memref<6x2xf32>, memref<5x64xf32>
  return
}
