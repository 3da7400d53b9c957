// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-opt %s --mlir-print-op-generic | tessera-opt | FileCheck %s

// Round trip of every Tile-IR op, in custom and generic form.

// CHECK-LABEL: func.func @buffers
// CHECK-SAME: (%[[X:[^:]+]]: memref<?x64xbf16>, %[[Y:[^:]+]]: memref<?x?xf32>, %[[I:[^:]+]]: index, %[[N:[^:]+]]: index)
func.func @buffers(%x: memref<?x64xbf16>, %y: memref<?x?xf32>, %i: index, %n: index) {
  %c0 = arith.constant 0 : index
  // CHECK: %[[XS:.+]] = tile.alloc() : memref<128x64xbf16, #tile.memory_space<shared>>
  %xs = tile.alloc() : memref<128x64xbf16, #tile.memory_space<shared>>
  // CHECK: %[[ACC:.+]] = tile.alloc() : memref<128x128xf32, #tile.memory_space<register>>
  %acc = tile.alloc() : memref<128x128xf32, #tile.memory_space<register>>
  // CHECK: tile.alloc(%[[N]]) {alignment = 64 : i64} : memref<?x64xf32, #tile.memory_space<global>>
  %g = tile.alloc(%n) {alignment = 64 : i64} : memref<?x64xf32, #tile.memory_space<global>>
  // CHECK: tile.load %[[X]][%[[I]], %{{.+}}] -> %[[XS]] : memref<?x64xbf16> -> memref<128x64xbf16, #tile.memory_space<shared>>
  tile.load %x[%i, %c0] -> %xs : memref<?x64xbf16> -> memref<128x64xbf16, #tile.memory_space<shared>>
  // CHECK: tile.barrier
  tile.barrier
  // CHECK: tile.store %[[ACC]] -> %[[Y]][%[[I]], %[[I]]] : memref<128x128xf32, #tile.memory_space<register>> -> memref<?x?xf32>
  tile.store %acc -> %y[%i, %i] : memref<128x128xf32, #tile.memory_space<register>> -> memref<?x?xf32>
  return
}

// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[A:[^:]+]]: memref<?x64xbf16>, %[[W:[^:]+]]: memref<128x64xbf16>, %[[C:[^:]+]]: memref<?x128xf32>, %[[BIAS:[^:]+]]: memref<128xf32>, %[[WKN:[^:]+]]: memref<64x128xbf16>)
func.func @matmul(%a: memref<?x64xbf16>, %w: memref<128x64xbf16>, %c: memref<?x128xf32>,
                  %bias: memref<128xf32>, %wkn: memref<64x128xbf16>) {
  // CHECK: tile.matmul %[[A]], %[[W]], %[[C]] {epilogue = #tile.epilogue<relu2>, transpose_b} : memref<?x64xbf16>, memref<128x64xbf16>, memref<?x128xf32>
  tile.matmul %a, %w, %c {transpose_b, epilogue = #tile.epilogue<relu2>}
      : memref<?x64xbf16>, memref<128x64xbf16>, memref<?x128xf32>
  // CHECK: tile.matmul %[[A]], %[[W]], %[[C]] bias(%[[BIAS]]) {accumulate, transpose_b} : memref<?x64xbf16>, memref<128x64xbf16>, memref<?x128xf32>, memref<128xf32>
  tile.matmul %a, %w, %c bias(%bias) {transpose_b, accumulate}
      : memref<?x64xbf16>, memref<128x64xbf16>, memref<?x128xf32>, memref<128xf32>
  // CHECK: tile.matmul %[[A]], %[[WKN]], %[[C]] {epilogue = #tile.epilogue<silu>} : memref<?x64xbf16>, memref<64x128xbf16>, memref<?x128xf32>
  tile.matmul %a, %wkn, %c {epilogue = #tile.epilogue<silu>}
      : memref<?x64xbf16>, memref<64x128xbf16>, memref<?x128xf32>
  return
}

// CHECK-LABEL: func.func @norms
// CHECK-SAME: (%[[X:[^:]+]]: memref<?x128xf32>, %[[Z:[^:]+]]: memref<?x128xf32>, %[[W:[^:]+]]: memref<128xf32>, %[[O:[^:]+]]: memref<?x128xf32>, %[[B:[^:]+]]: memref<?x128xbf16>)
func.func @norms(%x: memref<?x128xf32>, %z: memref<?x128xf32>, %w: memref<128xf32>,
                 %o: memref<?x128xf32>, %b: memref<?x128xbf16>) {
  // CHECK: tile.rmsnorm %[[X]], %[[W]], %[[O]] {epsilon = 1.000000e-05 : f64} : memref<?x128xf32>, memref<128xf32>, memref<?x128xf32>
  tile.rmsnorm %x, %w, %o {epsilon = 1.0e-05 : f64}
      : memref<?x128xf32>, memref<128xf32>, memref<?x128xf32>
  // CHECK: tile.gated_rmsnorm %[[X]], %[[Z]], %[[W]], %[[O]] {epsilon = 1.000000e-05 : f64, group_size = 64 : i64} : memref<?x128xf32>, memref<?x128xf32>, memref<128xf32>, memref<?x128xf32>
  tile.gated_rmsnorm %x, %z, %w, %o {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : memref<?x128xf32>, memref<?x128xf32>, memref<128xf32>, memref<?x128xf32>
  // CHECK: tile.add %[[X]], %[[B]], %[[X]] : memref<?x128xf32>, memref<?x128xbf16>, memref<?x128xf32>
  tile.add %x, %b, %x : memref<?x128xf32>, memref<?x128xbf16>, memref<?x128xf32>
  return
}

// CHECK-LABEL: func.func @embedding
// CHECK-SAME: (%[[T:[^:]+]]: memref<256x64xf32>, %[[IDS:[^:]+]]: memref<?x?xi64>, %[[H:[^:]+]]: memref<?x?x64xf32>)
func.func @embedding(%table: memref<256x64xf32>, %ids: memref<?x?xi64>, %h: memref<?x?x64xf32>) {
  // CHECK: tile.embedding %[[T]], %[[IDS]], %[[H]] : memref<256x64xf32>, memref<?x?xi64>, memref<?x?x64xf32>
  tile.embedding %table, %ids, %h : memref<256x64xf32>, memref<?x?xi64>, memref<?x?x64xf32>
  return
}

// CHECK-LABEL: func.func @conv
// CHECK-SAME: (%[[X:[^:]+]]: memref<?x?x160xf32>, %[[W:[^:]+]]: memref<160x4xf32>, %[[B:[^:]+]]: memref<160xf32>, %[[S0:[^:]+]]: memref<?x160x3xf32>, %[[Y:[^:]+]]: memref<?x?x160xf32>, %[[S1:[^:]+]]: memref<?x160x3xf32>)
func.func @conv(%x: memref<?x?x160xf32>, %w: memref<160x4xf32>, %b: memref<160xf32>,
                %s0: memref<?x160x3xf32>, %y: memref<?x?x160xf32>, %s1: memref<?x160x3xf32>) {
  // CHECK: tile.causal_conv1d %[[X]], %[[W]] bias(%[[B]]) state_in(%[[S0]]) -> %[[Y]], %[[S1]] {silu} : memref<?x?x160xf32>, memref<160x4xf32>, memref<160xf32>, memref<?x160x3xf32>, memref<?x?x160xf32>, memref<?x160x3xf32>
  tile.causal_conv1d %x, %w bias(%b) state_in(%s0) -> %y, %s1 {silu}
      : memref<?x?x160xf32>, memref<160x4xf32>, memref<160xf32>, memref<?x160x3xf32>,
        memref<?x?x160xf32>, memref<?x160x3xf32>
  // CHECK: tile.causal_conv1d %[[X]], %[[W]] -> %[[Y]], %[[S1]] : memref<?x?x160xf32>, memref<160x4xf32>, memref<?x?x160xf32>, memref<?x160x3xf32>
  tile.causal_conv1d %x, %w -> %y, %s1
      : memref<?x?x160xf32>, memref<160x4xf32>, memref<?x?x160xf32>, memref<?x160x3xf32>
  // CHECK: tile.causal_conv1d %[[X]], %[[W]] state_in(%[[S1]]) -> %[[Y]], %[[S1]] : memref<?x?x160xf32>, memref<160x4xf32>, memref<?x160x3xf32>, memref<?x?x160xf32>, memref<?x160x3xf32>
  tile.causal_conv1d %x, %w state_in(%s1) -> %y, %s1
      : memref<?x?x160xf32>, memref<160x4xf32>, memref<?x160x3xf32>, memref<?x?x160xf32>,
        memref<?x160x3xf32>
  return
}

// The four SSD stages of a chunked prefill (batch 2, seq 300 -> 3 chunks of
// 128, 8 heads of 16, 2 groups, state 16).
// CHECK-LABEL: func.func @ssd_chunked
// CHECK-SAME: (%[[X:[^:]+]]: memref<2x300x8x16xf32>, %[[DT:[^:]+]]: memref<2x300x8xf32>, %[[DTB:[^:]+]]: memref<8xf32>, %[[ALOG:[^:]+]]: memref<8xf32>, %[[B:[^:]+]]: memref<2x300x2x16xf32>, %[[C:[^:]+]]: memref<2x300x2x16xf32>, %[[D:[^:]+]]: memref<8xf32>, %[[S0:[^:]+]]: memref<2x8x16x16xf32>, %[[Y:[^:]+]]: memref<2x300x8x16xf32>, %[[S1:[^:]+]]: memref<2x8x16x16xf32>)
func.func @ssd_chunked(%x: memref<2x300x8x16xf32>, %dt: memref<2x300x8xf32>,
                       %dtb: memref<8xf32>, %alog: memref<8xf32>,
                       %B: memref<2x300x2x16xf32>, %C: memref<2x300x2x16xf32>,
                       %D: memref<8xf32>, %s0: memref<2x8x16x16xf32>,
                       %y: memref<2x300x8x16xf32>, %s1: memref<2x8x16x16xf32>) {
  %dt2 = memref.alloc() : memref<2x300x8xf32>
  %dacs = memref.alloc() : memref<2x8x3x128xf32>
  %st = memref.alloc() : memref<2x3x8x16x16xf32>
  %st_in = memref.alloc() : memref<2x3x8x16x16xf32>
  // CHECK: tile.ssd_chunk_cumsum %[[DT]], %[[DTB]], %[[ALOG]] -> %[[DT2:[^,]+]], %[[DACS:[^ ]+]] {chunk_size = 128 : i64, dt_max = 0x7FF0000000000000 : f64, dt_min = 0.000000e+00 : f64} : memref<2x300x8xf32>, memref<8xf32>, memref<8xf32>, memref<2x300x8xf32>, memref<2x8x3x128xf32>
  tile.ssd_chunk_cumsum %dt, %dtb, %alog -> %dt2, %dacs
      {chunk_size = 128 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : memref<2x300x8xf32>, memref<8xf32>, memref<8xf32>, memref<2x300x8xf32>,
        memref<2x8x3x128xf32>
  // CHECK: tile.ssd_chunk_state %[[X]], %[[B]], %[[DT2]], %[[DACS]] -> %[[ST:[^ ]+]] {chunk_size = 128 : i64} : memref<2x300x8x16xf32>, memref<2x300x2x16xf32>, memref<2x300x8xf32>, memref<2x8x3x128xf32>, memref<2x3x8x16x16xf32>
  tile.ssd_chunk_state %x, %B, %dt2, %dacs -> %st {chunk_size = 128 : i64}
      : memref<2x300x8x16xf32>, memref<2x300x2x16xf32>, memref<2x300x8xf32>,
        memref<2x8x3x128xf32>, memref<2x3x8x16x16xf32>
  // CHECK: tile.ssd_state_passing %[[ST]], %[[DACS]] init(%[[S0]]) -> %[[STIN:[^,]+]], %[[S1]] {chunk_size = 128 : i64} : memref<2x3x8x16x16xf32>, memref<2x8x3x128xf32>, memref<2x8x16x16xf32>, memref<2x3x8x16x16xf32>, memref<2x8x16x16xf32>
  tile.ssd_state_passing %st, %dacs init(%s0) -> %st_in, %s1 {chunk_size = 128 : i64}
      : memref<2x3x8x16x16xf32>, memref<2x8x3x128xf32>, memref<2x8x16x16xf32>,
        memref<2x3x8x16x16xf32>, memref<2x8x16x16xf32>
  // CHECK: tile.ssd_state_passing %[[ST]], %[[DACS]] -> %[[STIN]], %[[S1]] {chunk_size = 128 : i64} : memref<2x3x8x16x16xf32>, memref<2x8x3x128xf32>, memref<2x3x8x16x16xf32>, memref<2x8x16x16xf32>
  tile.ssd_state_passing %st, %dacs -> %st_in, %s1 {chunk_size = 128 : i64}
      : memref<2x3x8x16x16xf32>, memref<2x8x3x128xf32>, memref<2x3x8x16x16xf32>,
        memref<2x8x16x16xf32>
  // CHECK: tile.ssd_chunk_scan %[[X]], %[[C]], %[[B]], %[[DT2]], %[[DACS]], %[[STIN]], %[[D]] -> %[[Y]] {chunk_size = 128 : i64} : memref<2x300x8x16xf32>, memref<2x300x2x16xf32>, memref<2x300x2x16xf32>, memref<2x300x8xf32>, memref<2x8x3x128xf32>, memref<2x3x8x16x16xf32>, memref<8xf32>, memref<2x300x8x16xf32>
  tile.ssd_chunk_scan %x, %C, %B, %dt2, %dacs, %st_in, %D -> %y {chunk_size = 128 : i64}
      : memref<2x300x8x16xf32>, memref<2x300x2x16xf32>, memref<2x300x2x16xf32>,
        memref<2x300x8xf32>, memref<2x8x3x128xf32>, memref<2x3x8x16x16xf32>,
        memref<8xf32>, memref<2x300x8x16xf32>
  return
}

// CHECK-LABEL: func.func @ssd_decode
// CHECK-SAME: (%[[X:[^:]+]]: memref<?x8x16xf32>, %[[DT:[^:]+]]: memref<?x8xf32>, %[[DTB:[^:]+]]: memref<8xf32>, %[[ALOG:[^:]+]]: memref<8xf32>, %[[B:[^:]+]]: memref<?x2x16xf32>, %[[C:[^:]+]]: memref<?x2x16xf32>, %[[D:[^:]+]]: memref<8xf32>, %[[S:[^:]+]]: memref<?x8x16x16xf32>, %[[Y:[^:]+]]: memref<?x8x16xf32>)
func.func @ssd_decode(%x: memref<?x8x16xf32>, %dt: memref<?x8xf32>, %dtb: memref<8xf32>,
                      %alog: memref<8xf32>, %B: memref<?x2x16xf32>, %C: memref<?x2x16xf32>,
                      %D: memref<8xf32>, %s: memref<?x8x16x16xf32>, %y: memref<?x8x16xf32>) {
  // CHECK: tile.ssd_state_update %[[X]], %[[DT]], %[[DTB]], %[[ALOG]], %[[B]], %[[C]], %[[D]] inout(%[[S]]) -> %[[Y]] {dt_max = 1.000000e+02 : f64, dt_min = 1.000000e-03 : f64} : memref<?x8x16xf32>, memref<?x8xf32>, memref<8xf32>, memref<8xf32>, memref<?x2x16xf32>, memref<?x2x16xf32>, memref<8xf32>, memref<?x8x16x16xf32>, memref<?x8x16xf32>
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y
      {dt_min = 1.0e-03 : f64, dt_max = 100.0 : f64}
      : memref<?x8x16xf32>, memref<?x8xf32>, memref<8xf32>, memref<8xf32>,
        memref<?x2x16xf32>, memref<?x2x16xf32>, memref<8xf32>,
        memref<?x8x16x16xf32>, memref<?x8x16xf32>
  return
}

// CHECK-LABEL: func.func @attention
// CHECK-SAME: (%[[Q:[^:]+]]: memref<?x?x4x16xbf16>, %[[K:[^:]+]]: memref<?x?x2x16xbf16>, %[[V:[^:]+]]: memref<?x?x2x16xbf16>, %[[O:[^:]+]]: memref<?x?x4x16xbf16>)
func.func @attention(%q: memref<?x?x4x16xbf16>, %k: memref<?x?x2x16xbf16>,
                     %v: memref<?x?x2x16xbf16>, %o: memref<?x?x4x16xbf16>) {
  // CHECK: tile.flash_attention %[[Q]], %[[K]], %[[V]], %[[O]] {causal, scale = 2.500000e-01 : f64} : memref<?x?x4x16xbf16>, memref<?x?x2x16xbf16>, memref<?x?x2x16xbf16>, memref<?x?x4x16xbf16>
  tile.flash_attention %q, %k, %v, %o {causal, scale = 0.25 : f64}
      : memref<?x?x4x16xbf16>, memref<?x?x2x16xbf16>, memref<?x?x2x16xbf16>, memref<?x?x4x16xbf16>
  // CHECK: tile.flash_attention %[[Q]], %[[K]], %[[V]], %[[O]] {scale = 2.500000e-01 : f64} : memref<?x?x4x16xbf16>, memref<?x?x2x16xbf16>, memref<?x?x2x16xbf16>, memref<?x?x4x16xbf16>
  tile.flash_attention %q, %k, %v, %o {scale = 0.25 : f64}
      : memref<?x?x4x16xbf16>, memref<?x?x2x16xbf16>, memref<?x?x2x16xbf16>, memref<?x?x4x16xbf16>
  return
}

// CHECK-LABEL: func.func @kv_cache
// CHECK-SAME: (%[[NEW:[^:]+]]: memref<?x1x2x16xf32>, %[[CACHE:[^:]+]]: memref<?x4096x2x16xbf16>, %[[POS:[^:]+]]: memref<1xi64>, %[[ALL:[^:]+]]: memref<?x?x2x16xf32>, %[[C2:[^:]+]]: memref<?x?x2x16xf32>)
func.func @kv_cache(%new: memref<?x1x2x16xf32>, %cache: memref<?x4096x2x16xbf16>, %pos: memref<1xi64>,
                    %all: memref<?x?x2x16xf32>, %cache2: memref<?x?x2x16xf32>) {
  // CHECK: tile.kv_cache_append %[[NEW]] -> %[[CACHE]][%[[POS]]] : memref<?x1x2x16xf32> -> memref<?x4096x2x16xbf16>, memref<1xi64>
  tile.kv_cache_append %new -> %cache[%pos] : memref<?x1x2x16xf32> -> memref<?x4096x2x16xbf16>, memref<1xi64>
  // Without a position: written from row 0.
  // CHECK: tile.kv_cache_append %[[ALL]] -> %[[C2]] : memref<?x?x2x16xf32> -> memref<?x?x2x16xf32>
  tile.kv_cache_append %all -> %cache2 : memref<?x?x2x16xf32> -> memref<?x?x2x16xf32>
  return
}

// A decode step's attention over a cache prefix, at a run-time position.
// CHECK-LABEL: func.func @attention_at_position
// CHECK: tile.flash_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} at %{{.*}} {causal, scale = 2.500000e-01 : f64} : memref<?x1x4x16xf32>, memref<?x?x2x16xf32>, memref<?x?x2x16xf32>, memref<?x1x4x16xf32>, memref<1xi64>
func.func @attention_at_position(%q: memref<?x1x4x16xf32>, %k: memref<?x?x2x16xf32>,
                                 %v: memref<?x?x2x16xf32>, %o: memref<?x1x4x16xf32>,
                                 %pos: memref<1xi64>) {
  tile.flash_attention %q, %k, %v, %o at %pos {causal, scale = 0.25 : f64}
      : memref<?x1x4x16xf32>, memref<?x?x2x16xf32>, memref<?x?x2x16xf32>, memref<?x1x4x16xf32>, memref<1xi64>
  return
}

// The mixture-of-experts ops (the examples of their descriptions).
// CHECK-LABEL: func.func @moe
// CHECK: tile.moe_route %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {n_group = 2 : i64, routed_scaling_factor = 2.500000e+00 : f64} : memref<?x8xf32>, memref<8xf32>, memref<?x2xi64>, memref<?x2xf32>
// CHECK: tile.moe_sort %{{.*}}, %{{.*}}, %{{.*}} : memref<?x2xi64>, memref<9xi64>, memref<?xi64>
// CHECK: tile.moe_gather %{{.*}}, %{{.*}}, %{{.*}} {top_k = 2 : i64} : memref<?x64xf32>, memref<?xi64>, memref<?x64xf32>
// CHECK: tile.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epilogue = #tile.epilogue<relu2>} : memref<?x64xf32>, memref<8x32x64xbf16>, memref<9xi64>, memref<?x32xf32>
// CHECK: tile.moe_combine %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : memref<?x64xf32>, memref<?xi64>, memref<?x2xf32>, memref<?x64xf32>
func.func @moe(%logits: memref<?x8xf32>, %bias: memref<8xf32>, %ids: memref<?x2xi64>, %w: memref<?x2xf32>,
               %offsets: memref<9xi64>, %order: memref<?xi64>, %x: memref<?x64xf32>, %xs: memref<?x64xf32>,
               %w_up: memref<8x32x64xbf16>, %h: memref<?x32xf32>, %y: memref<?x64xf32>, %out: memref<?x64xf32>) {
  tile.moe_route %logits, %bias, %ids, %w {n_group = 2 : i64, topk_group = 1 : i64,
      norm_topk_prob = true, routed_scaling_factor = 2.5 : f64}
      : memref<?x8xf32>, memref<8xf32>, memref<?x2xi64>, memref<?x2xf32>
  tile.moe_sort %ids, %offsets, %order : memref<?x2xi64>, memref<9xi64>, memref<?xi64>
  tile.moe_gather %x, %order, %xs {top_k = 2 : i64}
      : memref<?x64xf32>, memref<?xi64>, memref<?x64xf32>
  tile.grouped_matmul %xs, %w_up, %offsets, %h {epilogue = #tile.epilogue<relu2>}
      : memref<?x64xf32>, memref<8x32x64xbf16>, memref<9xi64>, memref<?x32xf32>
  tile.moe_combine %y, %order, %w, %out
      : memref<?x64xf32>, memref<?xi64>, memref<?x2xf32>, memref<?x64xf32>
  return
}
