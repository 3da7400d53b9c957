// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx512f,+avx512bf16,+fma" --tessera-select-lowering-config --tessera-x86-pack-weights | FileCheck %s --check-prefix=AVX512
// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx512f,-avx512bf16,+fma" --tessera-select-lowering-config --tessera-x86-pack-weights | FileCheck %s --check-prefix=NOBF16
// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-select-lowering-config --tessera-x86-pack-weights | FileCheck %s --check-prefix=AVX2
// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx512f,+avx512bf16,+fma" --tessera-tile-to-target | FileCheck %s --check-prefix=DOT
// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx512f,+avx512bf16,+fma" --tessera-tile-to-target --convert-target-to-upstream | FileCheck %s --check-prefix=UPSTREAM
// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx512f,-avx512bf16,+fma" --tessera-tile-to-target | FileCheck %s --check-prefix=NODOT

// tessera-x86-pack-weights: the compiler chooses each weight argument's
// layout. %up (f32) and %down (bf16) are only ever the B operand of
// tile.matmul: they become column panels of NR = 4 x 16 = 64 columns with
// AVX-512 (2 x 8 = 16 with AVX2), zero-padded past N = 100 / 40; bf16 on a
// target with +avx512bf16 gets K pairs for vdpbf16ps. %table is also read by
// tile.embedding (a tied embedding / LM head): it keeps its [N, K] layout.
// tessera.abi says which, for the runtime that packs the tensors at load.

// AVX512-LABEL: func.func @prefill(
// AVX512-SAME:    %{{.*}}: memref<?x?xi64>, %{{.*}}: memref<?x64xf32>,
// AVX512-SAME:    %{{.*}}: memref<2x64x64xf32>, %{{.*}}: memref<1x50x64x2xbf16>, %{{.*}}: memref<100x64xf32>,
// AVX512-SAME:    weights = [{k_pack = 1 : i64, layout = "panels", name = "up", packed_shape = [2, 64, 64], panel_cols = 64 : i64, shape = [100, 64]},
// AVX512-SAME:    {k_pack = 2 : i64, layout = "panels", name = "down", packed_shape = [1, 50, 64, 2], panel_cols = 64 : i64, shape = [40, 100]}, "table"]
// AVX512:         tile.matmul {{.*}}packed_b = array<i64: 64, 1>{{.*}} : memref<?x64xf32>, memref<2x64x64xf32>, memref<?x100xf32>
// AVX512:         tile.matmul {{.*}}packed_b = array<i64: 64, 2>{{.*}} : memref<?x100xf32>, memref<1x50x64x2xbf16>, memref<?x40xf32>
// AVX512:         tile.matmul %{{.*}}, %{{.*}}, %{{.*}} {lowering_config = {{.*}}, transpose_b} : memref<?x64xf32>, memref<100x64xf32>
// AVX512-LABEL: func.func @decode(
// AVX512-SAME:    memref<2x64x64xf32>, %{{.*}}: memref<1x50x64x2xbf16>

// NOBF16-LABEL: func.func @prefill(
// NOBF16-SAME:    memref<2x64x64xf32>, %{{.*}}: memref<1x100x64xbf16>, %{{.*}}: memref<100x64xf32>,
// NOBF16:         packed_b = array<i64: 64, 1>{{.*}}memref<1x100x64xbf16>

// AVX2-LABEL: func.func @prefill(
// AVX2-SAME:    memref<7x64x16xf32>, %{{.*}}: memref<3x100x16xbf16>, %{{.*}}: memref<100x64xf32>,
// AVX2-SAME:    {k_pack = 1 : i64, layout = "panels", name = "up", packed_shape = [7, 64, 16], panel_cols = 16 : i64

// The packed kernels: f32 panels by broadcast FMAs; bf16 K pairs by
// target.x86.bf16_dot (x86vector.avx512.dot upstream) on A rounded to bf16;
// without +avx512bf16 the bf16 panels are extended to f32 and FMA'd. A (or
// its bf16 pairs) is first copied into the micro-kernel's row-block order,
// [M * K] flat (on threads when M >= 64); single-row blocks (decode) hint
// the weight stream ahead, through a flat view of the whole packed weight.
// DOT-LABEL:   func.func private @tessera_x86_tile_matmul(
// DOT-SAME:      memref<2x64x64xf32>
// DOT:           %[[AP:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?xf32>
// DOT:           scf.parallel
// DOT:           memref.store %{{.*}}, %[[AP]][%{{.*}}] : memref<?xf32>
// DOT:           memref.collapse_shape %{{.*}} {{\[}}[0, 1, 2]] : memref<2x64x64xf32> into memref<8192xf32>
// DOT-NOT:       target.x86.bf16_dot
// DOT:           memref.prefetch %{{.*}}[%{{.*}}], read, locality<3>, data : memref<8192xf32>
// DOT:           target.x86.vector_fma
// DOT:           memref.dealloc %[[AP]] : memref<?xf32>
// DOT-LABEL:   func.func private @tessera_x86_tile_matmul_{{[0-9]+}}(
// DOT-SAME:      memref<1x50x64x2xbf16>
// DOT:           memref.view {{.*}} to memref<?x100xbf16>
// DOT:           memref.view {{.*}} to memref<?x50xi32>
// DOT:           memref.collapse_shape {{.*}} into memref<1x50x128xbf16>
// DOT:           %[[PAIRS:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?xi32>
// DOT:           target.x86.bf16_dot {{.*}} : vector<32xbf16> -> vector<16xf32>
// DOT:           vector.maskedstore
// UPSTREAM:      x86vector.avx512.dot {{.*}} : vector<32xbf16> -> vector<16xf32>
// NODOT-NOT:     target.x86.bf16_dot
// NODOT-LABEL: func.func private @tessera_x86_tile_matmul_{{[0-9]+}}(
// NODOT-SAME:    memref<1x100x64xbf16>
// NODOT:         arith.extf {{.*}} : vector<16xbf16> to vector<16xf32>
// NODOT:         target.x86.vector_fma

#abi = {inputs = [{name = "ids", dtype = "i64", shape = [-1, -1], arg = 0 : i64}],
        states = [], weights = ["up", "down", "table"], first_weight_arg = 2 : i64,
        results = [{name = "out", dtype = "f32", shape = [-1, 40], arg = 5 : i64}]}
module {
  func.func @prefill(%ids: memref<?x?xi64>, %x: memref<?x64xf32>, %up: memref<100x64xf32>,
                     %down: memref<40x100xbf16>, %table: memref<100x64xf32>, %out: memref<?x40xf32>)
      attributes {tessera.abi = #abi} {
    %c0 = arith.constant 0 : index
    %m = memref.dim %x, %c0 : memref<?x64xf32>
    %h = memref.alloc(%m) : memref<?x100xf32>
    tile.matmul %x, %up, %h {transpose_b, epilogue = #tile.epilogue<relu2>}
        : memref<?x64xf32>, memref<100x64xf32>, memref<?x100xf32>
    tile.matmul %h, %down, %out {transpose_b}
        : memref<?x100xf32>, memref<40x100xbf16>, memref<?x40xf32>
    %logits = memref.alloc(%m) : memref<?x100xf32>
    tile.matmul %x, %table, %logits {transpose_b}
        : memref<?x64xf32>, memref<100x64xf32>, memref<?x100xf32>
    %e = memref.alloc(%m) : memref<1x?x64xf32>
    %c1 = arith.constant 1 : index
    %idv = memref.alloc(%m) : memref<1x?xi64>
    tile.embedding %table, %idv, %e : memref<100x64xf32>, memref<1x?xi64>, memref<1x?x64xf32>
    return
  }
  func.func @decode(%ids: memref<?x?xi64>, %x: memref<?x64xf32>, %up: memref<100x64xf32>,
                    %down: memref<40x100xbf16>, %table: memref<100x64xf32>, %out: memref<?x40xf32>)
      attributes {tessera.abi = #abi} {
    %c0 = arith.constant 0 : index
    %m = memref.dim %x, %c0 : memref<?x64xf32>
    %h = memref.alloc(%m) : memref<?x100xf32>
    tile.matmul %x, %up, %h {transpose_b}
        : memref<?x64xf32>, memref<100x64xf32>, memref<?x100xf32>
    tile.matmul %h, %down, %out {transpose_b}
        : memref<?x100xf32>, memref<40x100xbf16>, memref<?x40xf32>
    return
  }
}
