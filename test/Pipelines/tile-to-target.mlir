// RUN: tessera-opt %s -split-input-file --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-tile-to-target | FileCheck %s --implicit-check-not="tile."
// RUN: tessera-opt %s -split-input-file --tessera-attach-target="kind=x86 cpu=skylake-avx512 features=+avx512f,+avx2,+fma" --tessera-tile-to-target | FileCheck %s --check-prefix=W16
// RUN: tessera-opt %tessera_src/graph_examples/nemotron_2L_graph.mlir --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-graph-to-tile | tessera-opt --tessera-tile-to-target | FileCheck %s --check-prefix=CHAIN
// RUN: not tessera-opt %s -split-input-file --tessera-tile-to-target 2>&1 | FileCheck %s --check-prefix=NOTARGET

// tessera-tile-to-target: for a module whose #tessera.target is x86,
// tessera-verify-tile-stage, tessera-select-lowering-config,
// convert-tile-to-x86 (one shared noinline function per distinct kernel),
// canonicalize + CSE. The target comes from the module only: without one the
// pipeline stops. (Failures: invalid-tile-to-target.mlir.)
// NOTARGET: error: module has no 'tessera.target' attribute

// Static sizes fold into the loops: 4 rows, 16 columns in steps of 8; the
// scalar tail loop (16 % 8 == 0) folds away; memref.copy becomes loops too.
// CHECK-LABEL: func.func @add_static(
// CHECK-SAME:    %[[A:[a-z0-9_]+]]: memref<4x16xf32>, %[[O:[a-z0-9_]+]]: memref<4x16xf32>, %[[P:[a-z0-9_]+]]: memref<4x16xf32>)
// CHECK-NEXT:    call @tessera_x86_tile_add(%[[A]], %[[A]], %[[O]])
// CHECK-NEXT:    call @tessera_x86_memref_copy(%[[O]], %[[P]])
// CHECK-NEXT:    return
// CHECK-LABEL: func.func private @tessera_x86_tile_add(
// CHECK-SAME:    %[[A:[a-z0-9_]+]]: memref<4x16xf32>, %[[B:[a-z0-9_]+]]: memref<4x16xf32>, %[[O:[a-z0-9_]+]]: memref<4x16xf32>)
// CHECK-SAME:    attributes {passthrough = ["noinline"]}
// CHECK-DAG:     %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK:         scf.for %[[I:.*]] = %[[C0]] to %[[C4]] step %[[C1]] {
// CHECK-NEXT:      scf.for %[[J:.*]] = %[[C0]] to %[[C16]] step %[[C8]] {
// CHECK-DAG:         %[[VA:.*]] = vector.load %[[A]][%[[I]], %[[J]]] : memref<4x16xf32>, vector<8xf32>
// CHECK-DAG:         %[[VB:.*]] = vector.load %[[B]][%[[I]], %[[J]]] : memref<4x16xf32>, vector<8xf32>
// CHECK:             %[[S:.*]] = arith.addf %[[VA]], %[[VB]] : vector<8xf32>
// CHECK-NEXT:        vector.store %[[S]], %[[O]][%[[I]], %[[J]]] : memref<4x16xf32>, vector<8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    return
// CHECK-LABEL: func.func private @tessera_x86_memref_copy(
// CHECK-SAME:    %[[O:[a-z0-9_]+]]: memref<4x16xf32>, %[[P:[a-z0-9_]+]]: memref<4x16xf32>)
// CHECK-NOT:     memref.copy
// CHECK:         vector.load %[[O]]
// CHECK:         vector.store %{{.*}}, %[[P]]
// CHECK:         return
// With 16 lanes the column loop has one iteration and folds away.
// W16-LABEL:     func.func private @tessera_x86_tile_add(
// W16-SAME:      %[[A:[a-z0-9_]+]]: memref<4x16xf32>, %[[B:[a-z0-9_]+]]: memref<4x16xf32>, %[[O:[a-z0-9_]+]]: memref<4x16xf32>
// W16-DAG:       %[[C0:.*]] = arith.constant 0 : index
// W16-DAG:       %[[C4:.*]] = arith.constant 4 : index
// W16:           scf.for %[[I:.*]] = %[[C0]] to %[[C4]]
// W16-DAG:         %[[VA:.*]] = vector.load %[[A]][%[[I]], %[[C0]]] : memref<4x16xf32>, vector<16xf32>
// W16-DAG:         %[[VB:.*]] = vector.load %[[B]][%[[I]], %[[C0]]] : memref<4x16xf32>, vector<16xf32>
// W16:             %[[S:.*]] = arith.addf %[[VA]], %[[VB]] : vector<16xf32>
// W16-NEXT:        vector.store %[[S]], %[[O]][%[[I]], %[[C0]]] : memref<4x16xf32>, vector<16xf32>
// W16-NEXT:      }
// W16-NOT:       vector<8xf32>
// W16:           return
func.func @add_static(%a: memref<4x16xf32>, %o: memref<4x16xf32>, %p: memref<4x16xf32>) {
  tile.add %a, %a, %o : memref<4x16xf32>, memref<4x16xf32>, memref<4x16xf32>
  memref.copy %o, %p : memref<4x16xf32> to memref<4x16xf32>
  return
}

// -----

// A matmul keeps its vector FMAs and reductions through canonicalization.
// Two matmuls of the same types and config share one kernel.
// CHECK-LABEL: func.func @matmul(
// CHECK-SAME:    %[[A:[a-z0-9_]+]]: memref<?x64xf32>, %[[W:[a-z0-9_]+]]: memref<128x64xf32>, %[[C:[a-z0-9_]+]]: memref<?x128xf32>, %[[D:[a-z0-9_]+]]: memref<?x128xf32>)
// CHECK-NEXT:    call @tessera_x86_tile_matmul(%[[A]], %[[W]], %[[C]])
// CHECK-NEXT:    call @tessera_x86_tile_matmul(%[[A]], %[[W]], %[[D]])
// CHECK-NEXT:    return
// CHECK-LABEL: func.func private @tessera_x86_tile_matmul(
// CHECK:         scf.for
// CHECK:         {{target.x86.vector_fma|math.fma}} {{.*}} : vector<8xf32>
// CHECK:         vector.reduction <add>
// CHECK:         return
// W16-LABEL:     func.func private @tessera_x86_tile_matmul(
// W16:           {{target.x86.vector_fma|math.fma}} {{.*}} : vector<16xf32>
func.func @matmul(%a: memref<?x64xf32>, %w: memref<128x64xf32>, %c: memref<?x128xf32>,
                  %d: memref<?x128xf32>) {
  tile.matmul %a, %w, %c {transpose_b}
      : memref<?x64xf32>, memref<128x64xf32>, memref<?x128xf32>
  tile.matmul %a, %w, %d {transpose_b}
      : memref<?x64xf32>, memref<128x64xf32>, memref<?x128xf32>
  return
}

// The demo graph's Tile-IR stage output goes through unchanged in ABI: the
// same signature and attributes, kernel calls instead of tile ops, no
// copies; the kernels hold the loop nests.
// CHAIN-LABEL: func.func @prefill(
// CHAIN-SAME:    %{{.*}}: memref<?x?xi64>
// CHAIN-SAME:    llvm.emit_c_interface, tessera.abi = {{.*}}, tessera.num_inputs = 5 : i64, tessera.num_results = 1 : i64
// CHAIN-NOT:     tile.
// CHAIN-NOT:     memref.copy
// CHAIN:         call @tessera_x86_tile_embedding(
// CHAIN:         call @tessera_x86_tile_flash_attention
// CHAIN-NOT:     tile.
// CHAIN-NOT:     memref.copy
// CHAIN:         return
// CHAIN-LABEL: func.func private @tessera_x86_tile_embedding(
// CHAIN:         scf.for
// CHAIN:         vector.load
// CHAIN-LABEL: func.func private @tessera_x86_tile_flash_attention
// CHAIN:         memref.transpose
