// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90a" --tessera-tile-to-nvvm | tessera-translate --tessera-to-cuda-plan | FileCheck %s
// RUN: tessera-opt %s --tessera-attach-target="kind=nvidia chip=sm_90a" --tessera-tile-to-nvvm --tessera-nvvm-to-binary=format=isa | tessera-translate --tessera-to-cuda-plan | FileCheck %s --check-prefix=AFTER

// The launch plan (plan.json) of a host function after tessera-tile-to-nvvm:
// the kernel table from the launch sites (block sizes, memref params with
// rank and dtype), the function's tessera.* attributes as "abi", its
// arguments, and its body one instruction per line in SSA order: views as
// extract_strided_metadata + reinterpret_cast, a memref.cast as the
// source's metadata reinterpreted, launches with grid and args.

// CHECK:      "format": "tessera-cuda-plan",
// CHECK-NEXT: "version": 1,
// CHECK-NEXT: "chip": "sm_90a",
// CHECK-NEXT: "kernels": {
// CHECK-NEXT:  "embedding_0": {"block":[128,1,1],"params":[{"dtype":"bf16","kind":"memref","rank":2},{"dtype":"i64","kind":"memref","rank":2},{"dtype":"f32","kind":"memref","rank":3}],"shared_bytes":0},
// CHECK-NEXT:  "matmul_0": {"block":[128,1,1],"params":[{"dtype":"f32","kind":"memref","rank":2},{"dtype":"bf16","kind":"memref","rank":2},{"dtype":"f32","kind":"memref","rank":2}],"shared_bytes":0},
// CHECK-NEXT:  "rmsnorm_0": {"block":[256,1,1],"params":[{"dtype":"f32","kind":"memref","rank":2},{"dtype":"bf16","kind":"memref","rank":1},{"dtype":"f32","kind":"memref","rank":2}],"shared_bytes":0},
// CHECK-NEXT:  "rmsnorm_1": {"block":[256,1,1],"params":[{"dtype":"f32","kind":"memref","rank":2},{"dtype":"f32","kind":"memref","rank":1},{"dtype":"f32","kind":"memref","rank":2}],"shared_bytes":0}
// CHECK-NEXT: },
// CHECK-NEXT: "functions": {
// CHECK-NEXT:  "prefill": {
// CHECK-NEXT:   "abi": {"num_inputs":1,"num_results":1,"weights":["embed","norm","head"]},
// CHECK-NEXT:   "args": [
// CHECK-NEXT:    {"dtype":"i64","kind":"memref","name":"%arg0","shape":[-1,-1]},
// CHECK-NEXT:    {"dtype":"bf16","kind":"memref","name":"%arg1","shape":[256,64]},
// CHECK-NEXT:    {"dtype":"bf16","kind":"memref","name":"%arg2","shape":[64]},
// CHECK-NEXT:    {"dtype":"bf16","kind":"memref","name":"%arg3","shape":[256,64]},
// CHECK-NEXT:    {"dtype":"f32","kind":"memref","name":"%arg4","shape":[-1,-1,256]}
// CHECK-NEXT:   ],
// CHECK-NEXT:   "body": [
// CHECK:         {"index":"%c0","op":"dim","result":"%[[B:[^"]*]]","source":"%arg0"},
// CHECK-NEXT:    {"index":"%c1","op":"dim","result":"%[[S:[^"]*]]","source":"%arg0"},
// CHECK-NEXT:    {"alignment":64,"dtype":"f32","op":"alloc","result":"%alloc","shape":["%[[B]]","%[[S]]",64]},
// CHECK-NEXT:    {"args":["%arg1","%arg0","%alloc"],"grid":["%[[S]]","%[[B]]","%c1"],"kernel":"embedding_0","op":"launch"},
// CHECK-NEXT:    {"lhs":"%[[B]]","op":"muli","result":"%[[M:[^"]*]]","rhs":"%[[S]]"},
// CHECK-NEXT:    {"offset":0,"op":"reinterpret_cast","result":"%[[H:[^"]*]]","sizes":["%[[M]]",64],"source":"%alloc","strides":[64,1]},
// CHECK:         {"args":["%[[H]]","%arg2","%[[H]]"],"grid":["%{{.*}}","%c1","%c1"],"kernel":"rmsnorm_0","op":"launch"},
// CHECK:         {"base":"%[[CB:[^"]*]]","offset":"%[[CO:[^"]*]]","op":"extract_strided_metadata","sizes":["%[[CS0:[^"]*]]","%[[CS1:[^"]*]]"],"source":"%[[H]]","strides":["%[[CT0:[^"]*]]","%[[CT1:[^"]*]]"]},
// CHECK-NEXT:    {"offset":"%[[CO]]","op":"reinterpret_cast","result":"%[[CAST:[^"]*]]","sizes":["%[[CS0]]","%[[CS1]]"],"source":"%[[H]]","strides":["%[[CT0]]","%[[CT1]]"]},
// CHECK:         {"lhs":"%{{.*}}","op":"ceildivui","result":"%[[GY:[^"]*]]","rhs":"%c64"},
// CHECK-NEXT:    {"args":["%[[CAST]]","%arg3","%{{.*}}"],"grid":["%c4","%[[GY]]","%c1"],"kernel":"matmul_0","op":"launch"},
// CHECK:         {"op":"dealloc","source":"%alloc"},
// CHECK-NEXT:    {"op":"return"}
// CHECK-NEXT:   ]

// memref.transpose survives expand-strided-metadata; in the plan it is the
// source's metadata with sizes and strides permuted.
// CHECK-LABEL:  "transposed": {
// CHECK:         {"base":"%transpose.base","offset":"%transpose.offset","op":"extract_strided_metadata","sizes":["%transpose.size0","%transpose.size1"],"source":"%arg0","strides":["%transpose.stride0","%transpose.stride1"]},
// CHECK-NEXT:    {"offset":"%transpose.offset","op":"reinterpret_cast","result":"%transpose","sizes":["%transpose.size1","%transpose.size0"],"source":"%arg0","strides":["%transpose.stride1","%transpose.stride0"]},
// CHECK:         {"args":["%transpose","%arg1","%arg2"],"grid":["%{{[^"]*}}","%c1","%c1"],"kernel":"rmsnorm_1","op":"launch"},

// The plan is the same after the binary step (the kernel table comes from
// the launch sites).
// AFTER: "chip": "sm_90a",
// AFTER: "matmul_0": {"block":[128,1,1],
// AFTER: "transposed": {
module {
  func.func private @opaque(memref<?x64xf32>) -> memref<?x64xf32>
  func.func @prefill(%ids: memref<?x?xi64>, %table: memref<256x64xbf16>, %nw: memref<64xbf16>,
                     %head: memref<256x64xbf16>, %logits: memref<?x?x256xf32>)
      attributes {tessera.num_inputs = 1 : i64, tessera.num_results = 1 : i64,
                  tessera.weights = ["embed", "norm", "head"]} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %b = memref.dim %ids, %c0 : memref<?x?xi64>
    %s = memref.dim %ids, %c1 : memref<?x?xi64>
    %h = memref.alloc(%b, %s) {alignment = 64 : i64} : memref<?x?x64xf32>
    tile.embedding %table, %ids, %h : memref<256x64xbf16>, memref<?x?xi64>, memref<?x?x64xf32>
    %h2 = memref.collapse_shape %h [[0, 1], [2]] : memref<?x?x64xf32> into memref<?x64xf32>
    tile.rmsnorm %h2, %nw, %h2 {epsilon = 1.0e-05 : f64} : memref<?x64xf32>, memref<64xbf16>, memref<?x64xf32>
    %cast = memref.cast %h2 : memref<?x64xf32> to memref<?x?xf32>
    %back = memref.cast %cast : memref<?x?xf32> to memref<?x64xf32, strided<[?, 1], offset: ?>>
    %l2 = memref.collapse_shape %logits [[0, 1], [2]] : memref<?x?x256xf32> into memref<?x256xf32>
    tile.matmul %back, %head, %l2 {transpose_b}
        : memref<?x64xf32, strided<[?, 1], offset: ?>>, memref<256x64xbf16>, memref<?x256xf32>
    memref.dealloc %h : memref<?x?x64xf32>
    return
  }
  func.func @transposed(%x: memref<64x?xf32>, %w: memref<64xf32>, %o: memref<?x64xf32>) {
    %t = memref.transpose %x (d0, d1) -> (d1, d0) : memref<64x?xf32> to memref<?x64xf32, strided<[1, ?]>>
    tile.rmsnorm %t, %w, %o {epsilon = 1.0e-05 : f64} : memref<?x64xf32, strided<[1, ?]>>, memref<64xf32>, memref<?x64xf32>
    return
  }
}
