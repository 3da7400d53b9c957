// RUN: tessera-opt %s --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-target-to-llvm | FileCheck %s --implicit-check-not='{{^ *(%[^ ]+ = )?"?(tile|target|scf|cf|memref|vector|math|arith|func|affine|builtin)\.}}'
// RUN: tessera-opt %tessera_src/graph_examples/nemotron_2L_graph.mlir --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-graph-to-tile | tessera-opt --tessera-tile-to-target | tessera-opt --tessera-target-to-llvm | FileCheck %s --check-prefix=CHAIN

// tessera-target-to-llvm: the target stage's loops, vectors, math and
// memrefs (what tessera-tile-to-target writes) to the LLVM dialect, checked
// by tessera-verify-llvm-stage. (Failures: invalid.mlir; Target-IR x86 ops:
// target-to-llvm-x86.mlir.)

// CHECK-LABEL: llvm.func @tessera_rt_free(!llvm.ptr)
// CHECK-LABEL: llvm.func @tessera_rt_aligned_alloc(i64, i64) -> !llvm.ptr
// CHECK-LABEL: llvm.func @kernel(
// CHECK-SAME:    %[[A:[a-z0-9]+]]: !llvm.ptr, %[[AA:[a-z0-9]+]]: !llvm.ptr, %{{[a-z0-9]+}}: i64, %[[AN:[a-z0-9]+]]: i64,
// CHECK-SAME:    attributes {llvm.emit_c_interface, tessera.num_inputs = 1 : i64}
// Scratch: from the runtime's caching allocator (lib/Runtime), 64-byte aligned.
// CHECK:         %[[P:.*]] = llvm.call @tessera_rt_aligned_alloc(%{{.*}}, %{{.*}}) : (i64, i64) -> !llvm.ptr
// Loops: branches on the dynamic row count and the constant 16.
// CHECK:         llvm.br ^bb1
// CHECK:       ^bb1(%[[I:.*]]: i64):
// CHECK:         llvm.icmp "slt" %[[I]], %[[AN]] : i64
// CHECK:         llvm.cond_br
// CHECK:         %[[V:.*]] = llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> vector<8xf32>
// CHECK:         %[[F:.*]] = llvm.intr.fma(%[[V]], %[[V]], %[[V]]) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// CHECK:         %[[E:.*]] = llvm.intr.exp(%[[F]]) : (vector<8xf32>) -> vector<8xf32>
// CHECK:         llvm.store %[[E]], %{{.*}} {alignment = 4 : i64} : vector<8xf32>, !llvm.ptr
// CHECK:         "llvm.intr.vector.reduce.fadd"(%{{.*}}, %[[E]])
// CHECK:         llvm.intr.prefetch
// CHECK:         llvm.call @tessera_rt_free(%[[P]]) : (!llvm.ptr) -> ()
// CHECK:         llvm.return
// CHECK-LABEL: llvm.func @_mlir_ciface_kernel(
// CHECK-SAME:    %{{[a-z0-9]+}}: !llvm.ptr, %{{[a-z0-9]+}}: !llvm.ptr)
// CHECK:         llvm.call @kernel(
// The packed entry point the runtime's guarded call runs.
// CHECK-LABEL: llvm.func @_mlir_kernel(%{{[a-z0-9]+}}: !llvm.ptr) {
// CHECK:         llvm.call @_mlir_ciface_kernel(
func.func @kernel(%a: memref<?x16xf32>, %o: memref<?x16xf32>)
    attributes {llvm.emit_c_interface, tessera.num_inputs = 1 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %n = memref.dim %a, %c0 : memref<?x16xf32>
  %t = memref.alloc(%n) {alignment = 64 : i64} : memref<?x16xf32>
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %c16 step %c8 {
      %v = vector.load %a[%i, %j] : memref<?x16xf32>, vector<8xf32>
      %f = math.fma %v, %v, %v : vector<8xf32>
      %e = math.exp %f : vector<8xf32>
      vector.store %e, %t[%i, %j] : memref<?x16xf32>, vector<8xf32>
      %s = vector.reduction <add>, %e : vector<8xf32> into f32
      memref.store %s, %o[%i, %c0] : memref<?x16xf32>
    }
  }
  %tt = memref.transpose %t (d0, d1) -> (d1, d0) : memref<?x16xf32> to memref<16x?xf32, strided<[1, 16]>>
  memref.prefetch %tt[%c0, %c1], read, locality<3>, data : memref<16x?xf32, strided<[1, 16]>>
  %x = memref.load %tt[%c0, %c1] : memref<16x?xf32, strided<[1, 16]>>
  memref.store %x, %o[%c0, %c1] : memref<?x16xf32>
  memref.dealloc %t : memref<?x16xf32>
  return
}

// The stages chained by hand on the demo graph end in the LLVM dialect with
// the C interface.
// CHAIN-LABEL: llvm.func @prefill(
// CHAIN-SAME:    tessera.num_inputs = 5 : i64, tessera.num_results = 1 : i64
// CHAIN-NOT:     {{^ *(%[^ ]+ = )?(tile|target|scf|memref|vector|math|arith|func)\.}}
// CHAIN:         llvm.return
// CHAIN-LABEL: llvm.func @_mlir_ciface_prefill(
