// RUN: tessera-opt %s -split-input-file --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-select-lowering-config -convert-tile-to-x86=outline-kernels=0 | FileCheck %s --implicit-check-not="tile."
// RUN: tessera-opt %s -split-input-file --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-select-lowering-config -convert-tile-to-x86 | FileCheck %s --check-prefix=OUTLINE

// convert-tile-to-x86 of the mixture-of-experts ops (MoEKernels.cpp), loops
// in place to read them: routing and sorting are scalar loops, the grouped
// GEMM runs the dense matmul kernel on each expert's row segment and weight
// as subviews, gather and combine are vectorised row copies / FMAs.

// moe_route: per token, sigmoid scores and biased choice scores into stack
// buffers (allocated once, outside the token loop), group scores (sum of the
// top two), the kept groups marked, the other experts masked to -inf, then
// top-k by repeated argmax; weights normalised and scaled.
// CHECK-LABEL: func.func @route(
// CHECK-SAME:    %[[L:[a-z0-9_]+]]: memref<?x8xf32>, %[[B:[a-z0-9_]+]]: memref<8xf32>,
// CHECK-SAME:    %[[IDS:[a-z0-9_]+]]: memref<?x2xi64>, %[[W:[a-z0-9_]+]]: memref<?x2xf32>)
// CHECK:         %[[S:.*]] = memref.alloca() {alignment = 64 : i64} : memref<8xf32>
// CHECK:         %[[CH:.*]] = memref.alloca() {alignment = 64 : i64} : memref<8xf32>
// CHECK:         %[[GS:.*]] = memref.alloca() {alignment = 64 : i64} : memref<2xf32>
// CHECK:         scf.for %[[T:[a-z0-9_]+]] = %c0{{.*}} to %{{.*}} step %c1
// CHECK:           memref.load %[[L]][%[[T]], %{{.*}}] : memref<?x8xf32>
// CHECK:           arith.divf
// CHECK:           memref.store %{{.*}}, %[[S]][
// CHECK:           memref.load %[[B]][
// CHECK:           memref.store %{{.*}}, %[[CH]][
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (f32, f32)
// CHECK:           memref.store %{{.*}}, %[[GS]][
// CHECK:           arith.cmpf one
// CHECK:           arith.cmpf oeq
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (f32)
// CHECK:             scf.for {{.*}} iter_args({{.*}}) -> (f32, index)
// CHECK:             arith.index_cast %{{.*}} : index to i64
// CHECK:             memref.store %{{.*}}, %[[IDS]][%[[T]], %{{.*}}] : memref<?x2xi64>
// CHECK:             memref.store %{{.*}}, %[[W]][%[[T]], %{{.*}}] : memref<?x2xf32>
// CHECK:           arith.constant 9.99999968E-21 : f32
// CHECK:           arith.divf
// CHECK:         return
// OUTLINE-LABEL: func.func @route(
// OUTLINE:         call @tessera_x86_tile_moe_route(
// OUTLINE-LABEL: func.func private @tessera_x86_tile_moe_route(
// OUTLINE-SAME:    passthrough = ["noinline"]
func.func @route(%l: memref<?x8xf32>, %b: memref<8xf32>, %ids: memref<?x2xi64>, %w: memref<?x2xf32>) {
  tile.moe_route %l, %b, %ids, %w {n_group = 2 : i64, topk_group = 1 : i64, routed_scaling_factor = 2.5 : f64}
      : memref<?x8xf32>, memref<8xf32>, memref<?x2xi64>, memref<?x2xf32>
  return
}

// -----

// One group (no group limit): no group scores, straight to the top-k.
// CHECK-LABEL: func.func @route_one_group(
// CHECK-NOT:     arith.cmpf one
// CHECK:         scf.for {{.*}} iter_args({{.*}}) -> (f32, index)
// CHECK:         return
func.func @route_one_group(%l: memref<?x8xf32>, %b: memref<8xbf16>, %ids: memref<?x3xi64>, %w: memref<?x3xf32>) {
  tile.moe_route %l, %b, %ids, %w {norm_topk_prob = false}
      : memref<?x8xf32>, memref<8xbf16>, memref<?x3xi64>, memref<?x3xf32>
  return
}

// -----

// moe_sort: a counting sort in place in the offsets: zero, count at e + 1,
// prefix sums, place each pair at its expert's cursor, shift back by one.
// CHECK-LABEL: func.func @sort(
// CHECK-SAME:    %[[IDS:[a-z0-9_]+]]: memref<?x2xi64>, %[[OFF:[a-z0-9_]+]]: memref<9xi64>,
// CHECK-SAME:    %[[ORD:[a-z0-9_]+]]: memref<?xi64>)
// CHECK:         scf.for
// CHECK:           memref.store %{{.*}}, %[[OFF]][
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             memref.load %[[IDS]][
// CHECK:             memref.store %{{.*}}, %[[OFF]][
// CHECK:         scf.for
// CHECK:           arith.addi
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             memref.load %[[IDS]][
// CHECK:             memref.store %{{.*}}, %[[ORD]][
// CHECK:         scf.for
// CHECK:         memref.store %{{.*}}, %[[OFF]][%c0
// CHECK:         return
func.func @sort(%ids: memref<?x2xi64>, %off: memref<9xi64>, %ord: memref<?xi64>) {
  tile.moe_sort %ids, %off, %ord : memref<?x2xi64>, memref<9xi64>, memref<?xi64>
  return
}

// -----

// moe_gather: row i <- x[order[i] / top_k], 8-lane vector copies.
// CHECK-LABEL: func.func @gather(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x64xf32>, %[[ORD:[a-z0-9_]+]]: memref<?xi64>, %[[O:[a-z0-9_]+]]: memref<?x64xf32>)
// CHECK:         scf.for %[[I:[a-z0-9_]+]] = 
// CHECK:           memref.load %[[ORD]][%[[I]]]
// CHECK:           arith.divui %{{.*}}, %c2
// CHECK:           vector.load %[[X]][{{.*}}] : memref<?x64xf32>, vector<8xf32>
// CHECK:           vector.store %{{.*}}, %[[O]][%[[I]], {{.*}}] : memref<?x64xf32>, vector<8xf32>
func.func @gather(%x: memref<?x64xf32>, %ord: memref<?xi64>, %o: memref<?x64xf32>) {
  tile.moe_gather %x, %ord, %o {top_k = 2 : i64} : memref<?x64xf32>, memref<?xi64>, memref<?x64xf32>
  return
}

// -----

// grouped_matmul: per expert, its segment [offsets[e], offsets[e+1]) of A
// and C and its weight (a rank-reduced [N, K] view of the bf16 stack) go
// through the register-blocked matmul (vector FMAs, ReLU² epilogue).
// CHECK-LABEL: func.func @grouped(
// CHECK-SAME:    %[[A:[a-z0-9_]+]]: memref<?x64xf32>, %[[W:[a-z0-9_]+]]: memref<8x32x64xbf16>,
// CHECK-SAME:    %[[OFF:[a-z0-9_]+]]: memref<9xi64>, %[[C:[a-z0-9_]+]]: memref<?x32xf32>)
// CHECK:         scf.for %[[E:[a-z0-9_]+]] = %c0{{.*}} to %dim{{.*}} step %c1
// CHECK:           %[[LO:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK:           %[[HI:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK:           %[[ROWS:.*]] = arith.subi %[[HI]], %[[LO]]
// CHECK:           %[[AS:.*]] = memref.subview %[[A]][%[[LO]], 0] [%[[ROWS]], 64] [1, 1]
// CHECK:           %[[CS:.*]] = memref.subview %[[C]][%[[LO]], 0] [%[[ROWS]], 32] [1, 1]
// CHECK:           %[[WS:.*]] = memref.subview %[[W]][%[[E]], 0, 0] [1, 32, 64] [1, 1, 1] : memref<8x32x64xbf16> to memref<32x64xbf16, strided<[64, 1], offset: ?>>
// CHECK:           vector.load %[[AS]]
// CHECK:           vector.load %[[WS]]{{.*}} vector<8xbf16>
// CHECK:           target.x86.vector_fma
// CHECK:           arith.maximumf
// CHECK:           memref.store %{{.*}}, %[[CS]][
func.func @grouped(%a: memref<?x64xf32>, %w: memref<8x32x64xbf16>, %off: memref<9xi64>, %c: memref<?x32xf32>) {
  tile.grouped_matmul %a, %w, %off, %c {epilogue = #tile.epilogue<relu2>}
      : memref<?x64xf32>, memref<8x32x64xbf16>, memref<9xi64>, memref<?x32xf32>
  return
}

// -----

// moe_combine: out zeroed, then out[t] += weight * y[i] for each pair, as
// vector FMAs.
// CHECK-LABEL: func.func @combine(
// CHECK-SAME:    %[[Y:[a-z0-9_]+]]: memref<?x64xf32>, %[[ORD:[a-z0-9_]+]]: memref<?xi64>,
// CHECK-SAME:    %[[W:[a-z0-9_]+]]: memref<?x2xf32>, %[[O:[a-z0-9_]+]]: memref<?x64xf32>)
// CHECK:         vector.store %{{.*}}, %[[O]]
// CHECK:           memref.load %[[ORD]][%[[I:[a-z0-9_]+]]]
// CHECK:           arith.divui
// CHECK:           arith.remui
// CHECK:           memref.load %[[W]][
// CHECK:           vector.load %[[O]][
// CHECK:           vector.load %[[Y]][%[[I]],
// CHECK:           vector.broadcast
// CHECK:           target.x86.vector_fma
// CHECK:           vector.store %{{.*}}, %[[O]][
func.func @combine(%y: memref<?x64xf32>, %ord: memref<?xi64>, %w: memref<?x2xf32>, %o: memref<?x64xf32>) {
  tile.moe_combine %y, %ord, %w, %o : memref<?x64xf32>, memref<?xi64>, memref<?x2xf32>, memref<?x64xf32>
  return
}
