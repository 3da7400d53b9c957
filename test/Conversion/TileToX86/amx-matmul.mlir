// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx512f,+avx512bf16,+fma,+amx-tile,+amx-bf16" --tessera-tile-to-target | FileCheck %s --check-prefix=AMX
// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx512f,+avx512bf16,+fma,+amx-tile,+amx-bf16" --tessera-tile-to-target --tessera-target-to-llvm | FileCheck %s --check-prefix=LLVM
// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx512f,+avx512bf16,+fma" --tessera-tile-to-target | FileCheck %s --check-prefix=NOAMX

// bf16 weights packed into K-pair panels on a target with AMX (+amx-tile,
// +amx-bf16): with at least 16 rows the matmul runs on the tile registers
// (upstream `amx` dialect: 2 x 2 f32 accumulator tiles, two A and two B
// tiles per 16 K pairs), with fewer (decode) on vdpbf16ps, one kernel
// branching on the row count. A weight whose K pairs do not fill whole
// 16-pair tiles (%odd: K = 40, 20 pairs) keeps vdpbf16ps only; so does a
// target without AMX.

// AMX-LABEL: func.func private @tessera_x86_tile_matmul(
// AMX-SAME:    memref<1x32x64x2xbf16>
// AMX:         %[[MANY:.*]] = arith.cmpi sge, %{{.*}}, %c16 : index
// AMX:         scf.if %[[MANY]] {
// AMX:           scf.parallel
// AMX:             amx.tile_zero : !amx.tile<16x16xf32>
// AMX:             amx.tile_load %{{.*}}[%{{.*}}], %{{.*}} : memref<?xbf16> into !amx.tile<16x32xbf16>
// AMX:             amx.tile_load %{{.*}}[%{{.*}}], %c128 : memref<4096xbf16> into !amx.tile<16x32xbf16>
// AMX-COUNT-4:     amx.tile_mulf
// AMX-COUNT-4:     amx.tile_store %{{.*}}[%{{.*}}], %{{.*}}, %c32 : memref<1024xf32>, !amx.tile<16x16xf32>
// AMX:             vector.maskedstore
// AMX:         } else {
// AMX:           target.x86.bf16_dot
// AMX-LABEL: func.func private @tessera_x86_tile_matmul_{{[0-9]+}}(
// AMX-SAME:    memref<1x20x64x2xbf16>
// AMX-NOT:     amx.
// AMX:         target.x86.bf16_dot
// AMX-NOT:     amx.
// AMX:         return

// LLVM: llvm.call_intrinsic "llvm.x86.tdpbf16ps.internal"

// NOAMX-NOT: amx.

#abi = {inputs = [{name = "x", dtype = "f32", shape = [-1, 64], arg = 0 : i64}],
        states = [], weights = ["w", "odd"], first_weight_arg = 1 : i64,
        results = [{name = "out", dtype = "f32", shape = [-1, 64], arg = 3 : i64}]}
module {
  func.func @prefill(%x: memref<?x64xf32>, %w: memref<64x64xbf16>, %odd: memref<64x40xbf16>,
                     %out: memref<?x64xf32>) attributes {tessera.abi = #abi} {
    %c0 = arith.constant 0 : index
    %m = memref.dim %x, %c0 : memref<?x64xf32>
    %h = memref.alloc(%m) : memref<?x64xf32>
    tile.matmul %x, %w, %h {transpose_b, epilogue = #tile.epilogue<relu2>}
        : memref<?x64xf32>, memref<64x64xbf16>, memref<?x64xf32>
    %v = memref.subview %h[0, 0] [%m, 40] [1, 1] : memref<?x64xf32> to memref<?x40xf32, strided<[64, 1]>>
    %hv = memref.alloc(%m) : memref<?x40xf32>
    memref.copy %v, %hv : memref<?x40xf32, strided<[64, 1]>> to memref<?x40xf32>
    tile.matmul %hv, %odd, %out {transpose_b}
        : memref<?x40xf32>, memref<64x40xbf16>, memref<?x64xf32>
    return
  }
}
