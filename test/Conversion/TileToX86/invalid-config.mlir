// RUN: tessera-opt %s -split-input-file -convert-tile-to-x86 -verify-diagnostics

// convert-tile-to-x86 honours each op's #tessera.lowering_config field by
// field and rejects, on the op, a config it cannot honour: no config, a
// field x86 does not read for the op (GPU fields among them), a vector width
// the target's features do not allow, and matmul tilings it cannot run.

module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  func.func @no_config(%a: memref<4x16xf32>) {
    // expected-error @+1 {{'tile.add' op has no lowering_config: run tessera-select-lowering-config first}}
    tile.add %a, %a, %a : memref<4x16xf32>, memref<4x16xf32>, memref<4x16xf32>
    return
  }
}

// -----

module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  func.func @num_warps(%a: memref<?x64xf32>, %w: memref<32x64xf32>, %c: memref<?x32xf32>) {
    // expected-error @+1 {{'tile.matmul' op x86 lowering does not honour lowering_config field 'num_warps' on this op (it reads: vector_width, tile_sizes, register_block, block_k)}}
    tile.matmul %a, %w, %c {transpose_b, lowering_config = #tessera.lowering_config<vector_width = 8, num_warps = 4>}
        : memref<?x64xf32>, memref<32x64xf32>, memref<?x32xf32>
    return
  }
}

// -----

module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  func.func @block_k_on_add(%a: memref<4x16xf32>) {
    // expected-error @+1 {{'tile.add' op x86 lowering does not honour lowering_config field 'block_k' on this op (it reads: vector_width)}}
    tile.add %a, %a, %a {lowering_config = #tessera.lowering_config<block_k = 16>}
        : memref<4x16xf32>, memref<4x16xf32>, memref<4x16xf32>
    return
  }
}

// -----

// AVX-512 lanes on an AVX2 target.
module attributes {tessera.target = #tessera.target<"x86", cpu = "znver3", features = "+avx2,+fma">} {
  func.func @wide(%a: memref<4x16xf32>) {
    // expected-error @+1 {{'tile.add' op vector_width 16 needs +avx512f, which target features '+avx2,+fma' do not enable (widest: 8)}}
    tile.add %a, %a, %a {lowering_config = #tessera.lowering_config<vector_width = 16>}
        : memref<4x16xf32>, memref<4x16xf32>, memref<4x16xf32>
    return
  }
}

// -----

module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  func.func @odd_width(%a: memref<4x16xf32>) {
    // expected-error @+1 {{'tile.add' op x86 vector_width must be 4, 8 or 16, got 2}}
    tile.add %a, %a, %a {lowering_config = #tessera.lowering_config<vector_width = 2>}
        : memref<4x16xf32>, memref<4x16xf32>, memref<4x16xf32>
    return
  }
}

// -----

module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  func.func @tile_n(%a: memref<?x64xf32>, %w: memref<32x64xf32>, %c: memref<?x32xf32>) {
    // expected-error @+1 {{'tile.matmul' op x86 matmul tiles rows only: tile_sizes must be [m, 0, 0], got [48, 64, 0]}}
    tile.matmul %a, %w, %c {transpose_b, lowering_config = #tessera.lowering_config<tile_sizes = [48, 64, 0]>}
        : memref<?x64xf32>, memref<32x64xf32>, memref<?x32xf32>
    return
  }
}

// -----

module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  func.func @tile_rank(%a: memref<?x64xf32>, %w: memref<32x64xf32>, %c: memref<?x32xf32>) {
    // expected-error @+1 {{'tile.matmul' op matmul tile_sizes are [m, n, k], got 1 entries}}
    tile.matmul %a, %w, %c {transpose_b, lowering_config = #tessera.lowering_config<tile_sizes = [48]>}
        : memref<?x64xf32>, memref<32x64xf32>, memref<?x32xf32>
    return
  }
}

// -----

module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  func.func @panel(%a: memref<?x64xf32>, %w: memref<32x64xf32>, %c: memref<?x32xf32>) {
    // expected-error @+1 {{'tile.matmul' op matmul row tile 10 must be a positive multiple of the register block's 3 rows}}
    tile.matmul %a, %w, %c {transpose_b, lowering_config = #tessera.lowering_config<tile_sizes = [10, 0, 0]>}
        : memref<?x64xf32>, memref<32x64xf32>, memref<?x32xf32>
    return
  }
}

// -----

module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  func.func @register_block(%a: memref<?x64xf32>, %w: memref<32x64xf32>, %c: memref<?x32xf32>) {
    // expected-error @+1 {{'tile.matmul' op x86 matmul register_block 6x6 holds more than 24 accumulators (the registers spill)}}
    tile.matmul %a, %w, %c {transpose_b, lowering_config = #tessera.lowering_config<tile_sizes = [48, 0, 0], register_block = [6, 6]>}
        : memref<?x64xf32>, memref<32x64xf32>, memref<?x32xf32>
    return
  }
}

// -----

module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  func.func @register_rank(%a: memref<?x64xf32>, %w: memref<32x64xf32>, %c: memref<?x32xf32>) {
    // expected-error @+1 {{'tile.matmul' op x86 matmul register_block is [rows, columns], got 3 entries}}
    tile.matmul %a, %w, %c {transpose_b, lowering_config = #tessera.lowering_config<register_block = [3, 4, 1]>}
        : memref<?x64xf32>, memref<32x64xf32>, memref<?x32xf32>
    return
  }
}

// -----

module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  func.func @config_type(%a: memref<4x16xf32>) {
    // expected-error @+1 {{'tile.add' op lowering_config must be a #tessera.lowering_config}}
    tile.add %a, %a, %a {lowering_config = [8]}
        : memref<4x16xf32>, memref<4x16xf32>, memref<4x16xf32>
    return
  }
}

// -----

// Attention: the key block's scores (heads per group x block_k f32) must fit
// the kernel's 64 KiB stack scratch.
module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  func.func @block_k(%q: memref<1x?x4x16xf32>, %k: memref<1x?x2x16xf32>, %o: memref<1x?x4x16xf32>) {
    // expected-error @+1 {{'tile.flash_attention' op x86 flash attention block_k 10000 exceeds 8192 (the scores of 2 heads per key block must fit 64 KiB)}}
    tile.flash_attention %q, %k, %k, %o {causal, scale = 0.25 : f64, lowering_config =
        #tessera.lowering_config<block_k = 10000>}
        : memref<1x?x4x16xf32>, memref<1x?x2x16xf32>, memref<1x?x2x16xf32>, memref<1x?x4x16xf32>
    return
  }
}

// -----

module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  func.func @ssd_block(%x: memref<?x?x8x16xf32>, %B: memref<?x?x2x16xf32>, %dt: memref<?x?x8xf32>,
                       %cum: memref<?x8x?x16xf32>, %st: memref<?x?x8x16x16xf32>) {
    // expected-error @+1 {{'tile.ssd_chunk_state' op x86 SSD register_block is [rows, vectors], got 1 entries}}
    tile.ssd_chunk_state %x, %B, %dt, %cum -> %st {chunk_size = 16 : i64, lowering_config =
        #tessera.lowering_config<register_block = [4]>}
        : memref<?x?x8x16xf32>, memref<?x?x2x16xf32>, memref<?x?x8xf32>, memref<?x8x?x16xf32>,
          memref<?x?x8x16x16xf32>
    return
  }
}

// -----

// Packed weight panels must have the width of the kernel's register block.
module attributes {tessera.target = #tessera.target<"x86", features = "+avx2,+fma">} {
  func.func @packed_width(%a: memref<?x64xf32>, %w: memref<1x64x64xf32>, %c: memref<?x32xf32>) {
    // expected-error @+1 {{'tile.matmul' op x86 packed_b panels of 64 columns do not match the 8-lane kernel's 16}}
    tile.matmul %a, %w, %c {transpose_b, packed_b = array<i64: 64, 1>,
                            lowering_config = #tessera.lowering_config<vector_width = 8>}
        : memref<?x64xf32>, memref<1x64x64xf32>, memref<?x32xf32>
    return
  }
}

// -----

// bf16 K pairs (vdpbf16ps) need AVX512_BF16.
module attributes {tessera.target = #tessera.target<"x86", features = "+avx512f,-avx512bf16,+fma">} {
  func.func @packed_pairs(%a: memref<?x64xf32>, %w: memref<1x32x64x2xbf16>, %c: memref<?x32xf32>) {
    // expected-error @+1 {{'tile.matmul' op x86 packed_b K pairs need bf16 B, vector_width 16 and +avx512bf16 (features '+avx512f,-avx512bf16,+fma')}}
    tile.matmul %a, %w, %c {transpose_b, packed_b = array<i64: 64, 2>,
                            lowering_config = #tessera.lowering_config<vector_width = 16>}
        : memref<?x64xf32>, memref<1x32x64x2xbf16>, memref<?x32xf32>
    return
  }
}
