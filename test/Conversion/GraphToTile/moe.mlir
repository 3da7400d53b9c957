// RUN: tessera-opt %s -convert-graph-to-tile -split-input-file | FileCheck %s

// convert-graph-to-tile of graph.moe: the router's logits (tile.matmul),
// tile.moe_route, tile.moe_sort, the gather of the (latent) tokens in expert
// order, two grouped GEMMs (up with the ReLU² epilogue, down), the weighted
// scatter-add, then the shared expert computed into the result and the
// routed sum added (an accumulating matmul through latent_fc2, or tile.add).
// Ids, offsets and the pair order are i64 scratch; pairs = tokens * top_k.

// CHECK-LABEL: func.func @moe(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x64xf32>, %[[WR:[a-z0-9_]+]]: memref<8x64xf32>,
// CHECK-SAME:    %[[WB:[a-z0-9_]+]]: memref<8xf32>, %[[UP:[a-z0-9_]+]]: memref<8x32x64xbf16>,
// CHECK-SAME:    %[[DOWN:[a-z0-9_]+]]: memref<8x64x32xbf16>, %[[SU:[a-z0-9_]+]]: memref<96x64xf32>,
// CHECK-SAME:    %[[SD:[a-z0-9_]+]]: memref<64x96xf32>, %[[OUT:[a-z0-9_]+]]: memref<?x?x64xf32>)
// CHECK:         %[[X2:.*]] = memref.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : memref<?x?x64xf32> into memref<?x64xf32>
// CHECK:         %[[T:.*]] = memref.dim %[[X2]], %c0
// CHECK:         %[[LOGITS:.*]] = memref.alloc(%[[T]]) {alignment = 64 : i64} : memref<?x8xf32>
// CHECK:         tile.matmul %[[X2]], %[[WR]], %[[LOGITS]] {transpose_b}
// CHECK:         %[[IDS:.*]] = memref.alloc(%[[T]]) {alignment = 64 : i64} : memref<?x2xi64>
// CHECK:         %[[W:.*]] = memref.alloc(%[[T]]) {alignment = 64 : i64} : memref<?x2xf32>
// CHECK:         tile.moe_route %[[LOGITS]], %[[WB]], %[[IDS]], %[[W]] {n_group = 2 : i64, routed_scaling_factor = 2.500000e+00 : f64}
// CHECK:         %[[P:.*]] = arith.muli %[[T]], %c2
// CHECK:         %[[OFF:.*]] = memref.alloc() {alignment = 64 : i64} : memref<9xi64>
// CHECK:         %[[ORDER:.*]] = memref.alloc(%[[P]]) {alignment = 64 : i64} : memref<?xi64>
// CHECK:         tile.moe_sort %[[IDS]], %[[OFF]], %[[ORDER]] : memref<?x2xi64>, memref<9xi64>, memref<?xi64>
// CHECK:         %[[XS:.*]] = memref.alloc(%[[P]]) {alignment = 64 : i64} : memref<?x64xf32>
// CHECK:         tile.moe_gather %[[X2]], %[[ORDER]], %[[XS]] {top_k = 2 : i64}
// CHECK:         %[[HS:.*]] = memref.alloc(%[[P]]) {alignment = 64 : i64} : memref<?x32xf32>
// CHECK:         tile.grouped_matmul %[[XS]], %[[UP]], %[[OFF]], %[[HS]] {epilogue = #tile.epilogue<relu2>} : memref<?x64xf32>, memref<8x32x64xbf16>, memref<9xi64>, memref<?x32xf32>
// CHECK:         %[[YS:.*]] = memref.alloc(%[[P]]) {alignment = 64 : i64} : memref<?x64xf32>
// CHECK:         tile.grouped_matmul %[[HS]], %[[DOWN]], %[[OFF]], %[[YS]] : memref<?x32xf32>, memref<8x64x32xbf16>, memref<9xi64>, memref<?x64xf32>
// CHECK:         %[[ROUTED:.*]] = memref.alloc(%[[T]]) {alignment = 64 : i64} : memref<?x64xf32>
// CHECK:         tile.moe_combine %[[YS]], %[[ORDER]], %[[W]], %[[ROUTED]]
// CHECK:         %[[SH:.*]] = memref.alloc(%[[T]]) {alignment = 64 : i64} : memref<?x96xf32>
// CHECK:         tile.matmul %[[X2]], %[[SU]], %[[SH]] {epilogue = #tile.epilogue<relu2>, transpose_b}
// CHECK:         %[[O2:.*]] = memref.collapse_shape %[[OUT]]
// CHECK:         tile.matmul %[[SH]], %[[SD]], %[[O2]] {transpose_b}
// CHECK:         tile.add %[[O2]], %[[ROUTED]], %[[O2]]
// CHECK:         memref.dealloc %[[LOGITS]]
// CHECK:         return
func.func @moe(%x: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %wr = graph.weight "r" : tensor<8x64xf32>
  %wb = graph.weight "rb" : tensor<8xf32>
  %up = graph.weight "up" : tensor<8x32x64xbf16>
  %down = graph.weight "down" : tensor<8x64x32xbf16>
  %su = graph.weight "su" : tensor<96x64xf32>
  %sd = graph.weight "sd" : tensor<64x96xf32>
  %y = graph.moe %x router(%wr, %wb) experts(%up, %down) shared(%su, %sd)
      {top_k = 2 : i64, n_group = 2 : i64, topk_group = 1 : i64, routed_scaling_factor = 2.5 : f64}
      : (tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x64xbf16>,
         tensor<8x64x32xbf16>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// With the latent projection (and biases): the experts see latent_fc1's
// output; the routed sum goes through latent_fc2 into the result with an
// accumulating matmul (its bias included). A decode step (seq 1) is the
// same algorithm on one token per sequence.
// CHECK-LABEL: func.func @moe_latent_decode(
// CHECK:         tile.moe_route
// CHECK:         tile.moe_sort
// CHECK:         %[[U:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x16xf32>
// CHECK:         tile.matmul %{{.*}}, %{{.*}}, %[[U]] bias(%{{.*}}) {transpose_b} : memref<?x64xf32>, memref<16x64xf32>, memref<?x16xf32>, memref<16xf32>
// CHECK:         tile.moe_gather %[[U]], %{{.*}}, %{{.*}} {top_k = 3 : i64} : memref<?x16xf32>, memref<?xi64>, memref<?x16xf32>
// CHECK:         tile.grouped_matmul {{.*}} {epilogue = #tile.epilogue<relu2>} : memref<?x16xf32>, memref<8x32x16xf32>, memref<9xi64>, memref<?x32xf32>
// CHECK:         tile.grouped_matmul {{.*}} : memref<?x32xf32>, memref<8x16x32xf32>, memref<9xi64>, memref<?x16xf32>
// CHECK:         %[[R:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x16xf32>
// CHECK:         tile.moe_combine {{.*}}, %[[R]]
// CHECK:         tile.matmul {{.*}} bias(%{{.*}}) {epilogue = #tile.epilogue<relu2>, transpose_b}
// CHECK:         tile.matmul {{.*}} bias(%{{.*}}) {transpose_b}
// CHECK:         tile.matmul %[[R]], %{{.*}}, %{{.*}} bias(%{{.*}}) {accumulate, transpose_b} : memref<?x16xf32>, memref<64x16xf32>, memref<?x64xf32>, memref<64xf32>
// CHECK-NOT:     tile.add
// CHECK:         return
func.func @moe_latent_decode(%x: tensor<?x1x64xf32>) -> tensor<?x1x64xf32> {
  %wr = graph.weight "r" : tensor<8x64xf32>
  %wb = graph.weight "rb" : tensor<8xf32>
  %up = graph.weight "up" : tensor<8x32x16xf32>
  %down = graph.weight "down" : tensor<8x16x32xf32>
  %su = graph.weight "su" : tensor<96x64xf32>
  %sd = graph.weight "sd" : tensor<64x96xf32>
  %bs = graph.weight "bs" : tensor<96xf32>
  %bh = graph.weight "bh" : tensor<64xf32>
  %f1 = graph.weight "f1" : tensor<16x64xf32>
  %b1 = graph.weight "b1" : tensor<16xf32>
  %f2 = graph.weight "f2" : tensor<64x16xf32>
  %y = graph.moe %x router(%wr, %wb) experts(%up, %down) shared(%su, %sd) shared_up_bias(%bs)
      shared_down_bias(%bh) latent_fc1(%f1) latent_fc1_bias(%b1) latent_fc2(%f2) latent_fc2_bias(%bh)
      {top_k = 3 : i64}
      : (tensor<?x1x64xf32>, tensor<8x64xf32>, tensor<8xf32>, tensor<8x32x16xf32>, tensor<8x16x32xf32>,
         tensor<96x64xf32>, tensor<64x96xf32>, tensor<96xf32>, tensor<64xf32>, tensor<16x64xf32>,
         tensor<16xf32>, tensor<64x16xf32>, tensor<64xf32>) -> tensor<?x1x64xf32>
  return %y : tensor<?x1x64xf32>
}
