// RUN: tessera-opt %s -split-input-file --tessera-attach-target="kind=x86 features=+avx2,+fma" --tessera-select-lowering-config -convert-tile-to-x86=outline-kernels=0 | FileCheck %s --implicit-check-not="tile." --implicit-check-not="memref.copy"
// RUN: tessera-opt %s -split-input-file --tessera-attach-target="kind=x86 cpu=sandybridge features=+avx" --tessera-select-lowering-config -convert-tile-to-x86=outline-kernels=0 | FileCheck %s --implicit-check-not="tile." --implicit-check-not="memref.copy"
// RUN: tessera-opt %s -split-input-file --tessera-attach-target="kind=x86 cpu=skylake-avx512 features=+avx512f,+avx2,+fma" --tessera-select-lowering-config -convert-tile-to-x86=outline-kernels=0 | FileCheck %s --check-prefix=W16

// convert-tile-to-x86 (loops emitted in place, outline-kernels=0, to read
// them here; outlining: outline-kernels.mlir): every Tile-IR op (and
// memref.copy) becomes the x86 emitter's scf loop nest with vector bodies of
// the lowering config's vector_width f32 lanes (8 for an AVX/AVX2 target),
// sizes from memref.dim; no Tile-IR op and no memref.copy is left
// (--implicit-check-not). Vector FMAs are Target-IR's target.x86.vector_fma.
// For an AVX-512 target (+avx512f) tessera-select-lowering-config chooses 16
// lanes: the same kernels use vector<16xf32> and no 8-lane vector.

// Matmul (transpose_b, bias, ReLU² epilogue): register-blocked K loop of
// vector loads of A rows and B rows with vector FMAs into vector
// accumulators, horizontal reductions, then per element bias + relu², stored
// into C.
// CHECK-LABEL: func.func @matmul_relu2_bias(
// CHECK-SAME:    %[[A:[a-z0-9_]+]]: memref<?x64xf32>, %[[W:[a-z0-9_]+]]: memref<128x64xf32>,
// CHECK-SAME:    %[[C:[a-z0-9_]+]]: memref<?x128xf32>, %[[BIAS:[a-z0-9_]+]]: memref<128xf32>)
// CHECK:         memref.dim %[[A]]
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             scf.for {{.*}} iter_args({{.*}}) -> (vector<8xf32>,
// CHECK:               vector.load %[[A]][{{.*}}] : memref<?x64xf32>, vector<8xf32>
// CHECK:               vector.load %[[W]][{{.*}}] : memref<128x64xf32>, vector<8xf32>
// CHECK:               {{target.x86.vector_fma|math.fma}} {{.*}} : vector<8xf32>
// CHECK:               scf.yield {{.*}} : vector<8xf32>,
// CHECK:             vector.reduction <add>, {{.*}} : vector<8xf32> into f32
// CHECK:             memref.load %[[BIAS]][
// CHECK:             arith.addf
// CHECK:             %[[M:[0-9a-z_]+]] = arith.maximumf {{.*}} : f32
// CHECK:             %[[SQ:[0-9a-z_]+]] = arith.mulf %[[M]], %[[M]] : f32
// CHECK:             memref.store %[[SQ]], %[[C]][
// CHECK:         return
// W16-LABEL:     func.func @matmul_relu2_bias(
// W16-NOT:       vector<8xf32>
// W16:           vector.load {{.*}} : memref<?x64xf32>, vector<16xf32>
// W16:           {{target.x86.vector_fma|math.fma}} {{.*}} : vector<16xf32>
// W16:           vector.reduction <add>, {{.*}} : vector<16xf32> into f32
// W16-NOT:       vector<8xf32>
// W16:           return
func.func @matmul_relu2_bias(%a: memref<?x64xf32>, %w: memref<128x64xf32>, %c: memref<?x128xf32>,
                             %bias: memref<128xf32>) {
  tile.matmul %a, %w, %c bias(%bias) {transpose_b, epilogue = #tile.epilogue<relu2>}
      : memref<?x64xf32>, memref<128x64xf32>, memref<?x128xf32>, memref<128xf32>
  return
}

// -----

// bf16 weights are loaded as bf16 vectors and extended; SiLU epilogue
// x / (1 + exp(-x)).
// CHECK-LABEL: func.func @matmul_silu_bf16(
// CHECK-SAME:    %[[A:[a-z0-9_]+]]: memref<?x64xf32>, %[[W:[a-z0-9_]+]]: memref<128x64xbf16>,
// CHECK-SAME:    %[[C:[a-z0-9_]+]]: memref<?x128xf32>)
// CHECK:         %[[WV:.*]] = vector.load %[[W]][{{.*}}] : memref<128x64xbf16>, vector<8xbf16>
// CHECK:         %[[WF:.*]] = arith.extf %[[WV]] : vector<8xbf16> to vector<8xf32>
// CHECK:         {{target.x86.vector_fma|math.fma}} %{{.*}}, %[[WF]], %{{.*}} : vector<8xf32>
// CHECK:         vector.reduction <add>
// CHECK:         %[[NEG:.*]] = arith.negf %[[S:[0-9a-z_#]+]] : f32
// SiLU's exp is the polynomial one (no libm call): x / (1 + exp(-x)).
// CHECK-NOT:     math.exp
// CHECK:         %[[SILU:.*]] = arith.divf %[[S]], %{{.*}} : f32
// CHECK:         memref.store %[[SILU]], %[[C]][
// CHECK:         return
func.func @matmul_silu_bf16(%a: memref<?x64xf32>, %w: memref<128x64xbf16>, %c: memref<?x128xf32>) {
  tile.matmul %a, %w, %c {transpose_b,
                          epilogue = #tile.epilogue<silu>}
      : memref<?x64xf32>, memref<128x64xbf16>, memref<?x128xf32>
  return
}

// -----

// accumulate: C is read back and added to the product before the store.
// CHECK-LABEL: func.func @matmul_accumulate(
// CHECK-SAME:    %[[A:[a-z0-9_]+]]: memref<?x64xf32>, %[[W:[a-z0-9_]+]]: memref<128x64xf32>,
// CHECK-SAME:    %[[C:[a-z0-9_]+]]: memref<?x128xf32>)
// CHECK:         vector.reduction <add>
// CHECK:         %[[OLD:.*]] = memref.load %[[C]][%[[I:.*]], %[[J:.*]]] : memref<?x128xf32>
// CHECK:         %[[NEW:.*]] = arith.addf {{.*}}%[[OLD]]{{,| :}}
// CHECK:         memref.store %[[NEW]], %[[C]][%[[I]], %[[J]]] : memref<?x128xf32>
func.func @matmul_accumulate(%a: memref<?x64xf32>, %w: memref<128x64xf32>, %c: memref<?x128xf32>) {
  tile.matmul %a, %w, %c {transpose_b,
                          accumulate}
      : memref<?x64xf32>, memref<128x64xf32>, memref<?x128xf32>
  return
}

// -----

// rmsnorm: per row, a vector sum of squares, reduction, rsqrt, then a vector
// scale-by-weight loop and a scalar tail loop.
// CHECK-LABEL: func.func @rmsnorm(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x64xf32>, %[[W:[a-z0-9_]+]]: memref<64xf32>,
// CHECK-SAME:    %[[O:[a-z0-9_]+]]: memref<?x64xf32>)
// CHECK:         scf.for
// CHECK:           %[[XV:.*]] = vector.load %[[X]][{{.*}}] : memref<?x64xf32>, vector<8xf32>
// CHECK:           {{target.x86.vector_fma|math.fma}} %[[XV]], %[[XV]], %{{.*}} : vector<8xf32>
// CHECK:           vector.reduction <add>, {{.*}} : vector<8xf32> into f32
// CHECK:           %[[R:.*]] = math.rsqrt %{{.*}} : f32
// CHECK:           %[[RB:.*]] = vector.broadcast %[[R]] : f32 to vector<8xf32>
// CHECK:           vector.load %[[W]][{{.*}}] : memref<64xf32>, vector<8xf32>
// CHECK:           vector.store %{{.*}}, %[[O]][{{.*}}] : memref<?x64xf32>, vector<8xf32>
// CHECK:           memref.store %{{.*}}, %[[O]][{{.*}}] : memref<?x64xf32>
// W16-LABEL:     func.func @rmsnorm(
// W16-NOT:       vector<8xf32>
// W16:           vector.reduction <add>, {{.*}} : vector<16xf32> into f32
// W16-NOT:       vector<8xf32>
// W16:           return
func.func @rmsnorm(%x: memref<?x64xf32>, %w: memref<64xf32>, %o: memref<?x64xf32>) {
  tile.rmsnorm %x, %w, %o {epsilon = 1.0e-05 : f64}
      : memref<?x64xf32>, memref<64xf32>, memref<?x64xf32>
  return
}

// -----

// gated_rmsnorm: SiLU gate (polynomial exp), per-group rsqrt, vector weight scaling.
// CHECK-LABEL: func.func @gated_rmsnorm(
// CHECK-SAME:    %[[Y:[a-z0-9_]+]]: memref<?x128xf32>, %[[Z:[a-z0-9_]+]]: memref<?x128xf32>,
// CHECK-SAME:    %[[W:[a-z0-9_]+]]: memref<128xf32>, %[[O:[a-z0-9_]+]]: memref<?x128xf32>)
// CHECK:         scf.for
// CHECK:           memref.load %[[Z]]
// CHECK:           arith.divf
// CHECK:           math.rsqrt
// CHECK:           vector.load %[[W]][{{.*}}] : memref<128xf32>, vector<8xf32>
// CHECK:           vector.store %{{.*}}, %[[O]][{{.*}}] : memref<?x128xf32>, vector<8xf32>
// CHECK:         return
func.func @gated_rmsnorm(%y: memref<?x128xf32>, %z: memref<?x128xf32>, %w: memref<128xf32>,
                         %o: memref<?x128xf32>) {
  tile.gated_rmsnorm %y, %z, %w, %o {epsilon = 1.0e-05 : f64, group_size = 64 : i64}
      : memref<?x128xf32>, memref<?x128xf32>, memref<128xf32>, memref<?x128xf32>
  return
}

// -----

// add: rows x (vector loop + scalar tail).
// CHECK-LABEL: func.func @add(
// CHECK-SAME:    %[[A:[a-z0-9_]+]]: memref<?x64xf32>, %[[B:[a-z0-9_]+]]: memref<?x64xf32>,
// CHECK-SAME:    %[[O:[a-z0-9_]+]]: memref<?x64xf32>)
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:           scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-DAG:         %[[VB:.*]] = vector.load %[[B]][%[[I]], %[[J]]] : memref<?x64xf32>, vector<8xf32>
// CHECK-DAG:         %[[VA:.*]] = vector.load %[[A]][%[[I]], %[[J]]] : memref<?x64xf32>, vector<8xf32>
// CHECK:             %[[S:.*]] = arith.addf %[[VA]], %[[VB]] : vector<8xf32>
// CHECK:             vector.store %[[S]], %[[O]][%[[I]], %[[J]]] : memref<?x64xf32>, vector<8xf32>
// CHECK:           scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:             arith.addf %{{.*}}, %{{.*}} : f32
// CHECK:             memref.store %{{.*}}, %[[O]][%[[I]], %[[K]]] : memref<?x64xf32>
// CHECK:         return
// W16-LABEL:     func.func @add(
// W16:           arith.addf %{{.*}}, %{{.*}} : vector<16xf32>
func.func @add(%a: memref<?x64xf32>, %b: memref<?x64xf32>, %o: memref<?x64xf32>) {
  tile.add %a, %b, %o : memref<?x64xf32>, memref<?x64xf32>, memref<?x64xf32>
  return
}

// -----

// embedding: an id load, index_cast, then a vector row copy from the table.
// CHECK-LABEL: func.func @embedding(
// CHECK-SAME:    %[[T:[a-z0-9_]+]]: memref<256x64xf32>, %[[IDS:[a-z0-9_]+]]: memref<?x?xi64>,
// CHECK-SAME:    %[[O:[a-z0-9_]+]]: memref<?x?x64xf32>)
// CHECK:         scf.for %[[B:.*]] = %{{.*}} to
// CHECK:           scf.for %[[S:.*]] = %{{.*}} to
// CHECK:             %[[ID:.*]] = memref.load %[[IDS]][%[[B]], %[[S]]] : memref<?x?xi64>
// CHECK:             %[[ROW:.*]] = arith.index_cast %[[ID]] : i64 to index
// CHECK:             scf.for %[[H:.*]] = %{{.*}} to
// CHECK:               %[[V:.*]] = vector.load %[[T]][%[[ROW]], %[[H]]] : memref<256x64xf32>, vector<8xf32>
// CHECK:               vector.store %[[V]], %[[O]][%[[B]], %[[S]], %[[H]]] : memref<?x?x64xf32>, vector<8xf32>
func.func @embedding(%t: memref<256x64xf32>, %ids: memref<?x?xi64>, %o: memref<?x?x64xf32>) {
  tile.embedding %t, %ids, %o : memref<256x64xf32>, memref<?x?xi64>, memref<?x?x64xf32>
  return
}

// -----

// causal_conv1d with bias, state and SiLU: a padded window scratch (freed at
// the end), vector FMAs over the kernel taps, state out written.
// CHECK-LABEL: func.func @causal_conv1d(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x160xf32>, %[[W:[a-z0-9_]+]]: memref<160x4xf32>,
// CHECK-SAME:    %[[B:[a-z0-9_]+]]: memref<160xf32>, %[[S0:[a-z0-9_]+]]: memref<?x160x3xf32>,
// CHECK-SAME:    %[[Y:[a-z0-9_]+]]: memref<?x?x160xf32>, %[[S1:[a-z0-9_]+]]: memref<?x160x3xf32>)
// CHECK:         memref.alloc
// CHECK:         scf.for
// CHECK-DAG:     memref.load %[[S0]]
// CHECK-DAG:     memref.store %{{.*}}, %[[S1]]
// CHECK-DAG:     {{target.x86.vector_fma|math.fma}} {{.*}} : vector<8xf32>
// CHECK-DAG:     vector.store %{{.*}}, %[[Y]]
// CHECK:         memref.dealloc
// CHECK:         return
func.func @causal_conv1d(%x: memref<?x?x160xf32>, %w: memref<160x4xf32>, %b: memref<160xf32>,
                         %s0: memref<?x160x3xf32>, %y: memref<?x?x160xf32>,
                         %s1: memref<?x160x3xf32>) {
  tile.causal_conv1d %x, %w bias(%b) state_in(%s0) -> %y, %s1 {silu}
      : memref<?x?x160xf32>, memref<160x4xf32>, memref<160xf32>, memref<?x160x3xf32>,
        memref<?x?x160xf32>, memref<?x160x3xf32>
  return
}

// -----

// SSD stage 1: softplus (exp/log) and clamp of dt + dt_bias, A = -exp(A_log),
// per-chunk cumulative sums stored into dA_cumsum.
// CHECK-LABEL: func.func @ssd_chunk_cumsum(
// CHECK-SAME:    %[[DT:[a-z0-9_]+]]: memref<?x?x8xf32>, %[[DTB:[a-z0-9_]+]]: memref<8xf32>,
// CHECK-SAME:    %[[ALOG:[a-z0-9_]+]]: memref<8xf32>, %[[DT2:[a-z0-9_]+]]: memref<?x?x8xf32>,
// CHECK-SAME:    %[[DA:[a-z0-9_]+]]: memref<?x8x?x16xf32>)
// CHECK:         scf.for
// CHECK-DAG:     math.log
// CHECK-DAG:     math.exp
// CHECK-DAG:     vector.store %{{.*}}, %[[DT2]]
// CHECK-DAG:     memref.store %{{.*}}, %[[DA]]
// CHECK:         return
func.func @ssd_chunk_cumsum(%dt: memref<?x?x8xf32>, %dtb: memref<8xf32>, %alog: memref<8xf32>,
                            %dt2: memref<?x?x8xf32>, %dacs: memref<?x8x?x16xf32>) {
  tile.ssd_chunk_cumsum %dt, %dtb, %alog -> %dt2, %dacs
      {chunk_size = 16 : i64, dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : memref<?x?x8xf32>, memref<8xf32>, memref<8xf32>, memref<?x?x8xf32>, memref<?x8x?x16xf32>
  return
}

// -----

// SSD stage 2: packed scratch rows, broadcast-FMA register blocks into the
// chunk states.
// CHECK-LABEL: func.func @ssd_chunk_state(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x8x16xf32>, %[[B:[a-z0-9_]+]]: memref<?x?x2x16xf32>,
// CHECK-SAME:    %[[DT:[a-z0-9_]+]]: memref<?x?x8xf32>, %[[DA:[a-z0-9_]+]]: memref<?x8x?x16xf32>,
// CHECK-SAME:    %[[ST:[a-z0-9_]+]]: memref<?x?x8x16x16xf32>)
// CHECK:         memref.alloc
// CHECK:         scf.for
// CHECK-DAG:     vector.broadcast %{{.*}} : f32 to vector<8xf32>
// CHECK-DAG:     {{target.x86.vector_fma|math.fma}} {{.*}} : vector<8xf32>
// CHECK-DAG:     vector.store %{{.*}}, %[[ST]][{{.*}}] : memref<?x?x8x16x16xf32>, vector<8xf32>
// CHECK:         memref.dealloc
// CHECK:         return
func.func @ssd_chunk_state(%x: memref<?x?x8x16xf32>, %B: memref<?x?x2x16xf32>,
                           %dt2: memref<?x?x8xf32>, %dacs: memref<?x8x?x16xf32>,
                           %st: memref<?x?x8x16x16xf32>) {
  tile.ssd_chunk_state %x, %B, %dt2, %dacs -> %st {chunk_size = 16 : i64}
      : memref<?x?x8x16xf32>, memref<?x?x2x16xf32>, memref<?x?x8xf32>, memref<?x8x?x16xf32>,
        memref<?x?x8x16x16xf32>
  return
}

// -----

// SSD stage 3: the sequential scan over chunks, from the initial state.
// CHECK-LABEL: func.func @ssd_state_passing(
// CHECK-SAME:    %[[ST:[a-z0-9_]+]]: memref<?x?x8x16x16xf32>, %[[DA:[a-z0-9_]+]]: memref<?x8x?x16xf32>,
// CHECK-SAME:    %[[S0:[a-z0-9_]+]]: memref<?x8x16x16xf32>, %[[STIN:[a-z0-9_]+]]: memref<?x?x8x16x16xf32>,
// CHECK-SAME:    %[[S1:[a-z0-9_]+]]: memref<?x8x16x16xf32>)
// CHECK:         scf.for
// CHECK-DAG:     memref.load %[[S0]]
// CHECK-DAG:     math.exp
// CHECK-DAG:     {{target.x86.vector_fma|math.fma}} {{.*}} : vector<8xf32>
// CHECK-DAG:     vector.store %{{.*}}, %[[STIN]]
// CHECK-DAG:     memref.store %{{.*}}, %[[S1]]
// CHECK:         return
func.func @ssd_state_passing(%st: memref<?x?x8x16x16xf32>, %dacs: memref<?x8x?x16xf32>,
                             %s0: memref<?x8x16x16xf32>, %st_in: memref<?x?x8x16x16xf32>,
                             %s1: memref<?x8x16x16xf32>) {
  tile.ssd_state_passing %st, %dacs init(%s0) -> %st_in, %s1 {chunk_size = 16 : i64}
      : memref<?x?x8x16x16xf32>, memref<?x8x?x16xf32>, memref<?x8x16x16xf32>,
        memref<?x?x8x16x16xf32>, memref<?x8x16x16xf32>
  return
}

// -----

// SSD stage 4: in-register transposes (vector.shuffle) of the states, the
// intra-chunk quadratic form, y stored.
// CHECK-LABEL: func.func @ssd_chunk_scan(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x?x8x16xf32>, %[[C:[a-z0-9_]+]]: memref<?x?x2x16xf32>,
// CHECK-SAME:    %[[B:[a-z0-9_]+]]: memref<?x?x2x16xf32>, %[[DT:[a-z0-9_]+]]: memref<?x?x8xf32>,
// CHECK-SAME:    %[[DA:[a-z0-9_]+]]: memref<?x8x?x16xf32>, %[[STIN:[a-z0-9_]+]]: memref<?x?x8x16x16xf32>,
// CHECK-SAME:    %[[D:[a-z0-9_]+]]: memref<8xf32>, %[[Y:[a-z0-9_]+]]: memref<?x?x8x16xf32>)
// CHECK:         memref.alloc
// CHECK-DAG:     vector.shuffle
// CHECK-DAG:     {{target.x86.vector_fma|math.fma}} {{.*}} : vector<8xf32>
// CHECK-DAG:     memref.load %[[D]]
// CHECK-DAG:     vector.store %{{.*}}, %[[Y]][{{.*}}] : memref<?x?x8x16xf32>, vector<8xf32>
// CHECK:         memref.dealloc
// CHECK:         return
func.func @ssd_chunk_scan(%x: memref<?x?x8x16xf32>, %C: memref<?x?x2x16xf32>,
                          %B: memref<?x?x2x16xf32>, %dt2: memref<?x?x8xf32>,
                          %dacs: memref<?x8x?x16xf32>, %st_in: memref<?x?x8x16x16xf32>,
                          %D: memref<8xf32>, %y: memref<?x?x8x16xf32>) {
  tile.ssd_chunk_scan %x, %C, %B, %dt2, %dacs, %st_in, %D -> %y {chunk_size = 16 : i64}
      : memref<?x?x8x16xf32>, memref<?x?x2x16xf32>, memref<?x?x2x16xf32>, memref<?x?x8xf32>,
        memref<?x8x?x16xf32>, memref<?x?x8x16x16xf32>, memref<8xf32>, memref<?x?x8x16xf32>
  return
}

// -----

// The recurrent decode step: state updated in place (loaded and stored
// through the same buffer), y from a reduction against C.
// CHECK-LABEL: func.func @ssd_state_update(
// CHECK-SAME:    %[[X:[a-z0-9_]+]]: memref<?x8x16xf32>, %[[DT:[a-z0-9_]+]]: memref<?x8xf32>,
// CHECK-SAME:    %[[DTB:[a-z0-9_]+]]: memref<8xf32>, %[[ALOG:[a-z0-9_]+]]: memref<8xf32>,
// CHECK-SAME:    %[[B:[a-z0-9_]+]]: memref<?x2x16xf32>, %[[C:[a-z0-9_]+]]: memref<?x2x16xf32>,
// CHECK-SAME:    %[[D:[a-z0-9_]+]]: memref<8xf32>, %[[S:[a-z0-9_]+]]: memref<?x8x16x16xf32>,
// CHECK-SAME:    %[[Y:[a-z0-9_]+]]: memref<?x8x16xf32>)
// CHECK:         scf.parallel
// CHECK-DAG:     math.log
// CHECK-DAG:     vector.load %[[S]][{{.*}}] : memref<?x8x16x16xf32>, vector<8xf32>
// CHECK-DAG:     vector.store %{{.*}}, %[[S]][{{.*}}] : memref<?x8x16x16xf32>, vector<8xf32>
// CHECK-DAG:     vector.reduction <add>
// CHECK-DAG:     memref.store %{{.*}}, %[[Y]]
// CHECK:         return
func.func @ssd_state_update(%x: memref<?x8x16xf32>, %dt: memref<?x8xf32>, %dtb: memref<8xf32>,
                            %alog: memref<8xf32>, %B: memref<?x2x16xf32>, %C: memref<?x2x16xf32>,
                            %D: memref<8xf32>, %s: memref<?x8x16x16xf32>, %y: memref<?x8x16xf32>) {
  tile.ssd_state_update %x, %dt, %dtb, %alog, %B, %C, %D inout(%s) -> %y
      {dt_min = 0.0 : f64, dt_max = 0x7FF0000000000000 : f64}
      : memref<?x8x16xf32>, memref<?x8xf32>, memref<8xf32>, memref<8xf32>, memref<?x2x16xf32>,
        memref<?x2x16xf32>, memref<8xf32>, memref<?x8x16x16xf32>, memref<?x8x16xf32>
  return
}

// -----

// flash attention: K/V ([B, T, Hkv, D]) are read through [B, Hkv, T, D]
// transposed views (no copy); scratch per (batch, K/V head) iteration of
// the parallel loop, online softmax (running max), output stored into out.
// CHECK-LABEL: func.func @flash_attention(
// CHECK-SAME:    %[[Q:[a-z0-9_]+]]: memref<?x?x4x16xf32>, %[[K:[a-z0-9_]+]]: memref<?x?x2x16xf32>,
// CHECK-SAME:    %[[V:[a-z0-9_]+]]: memref<?x?x2x16xf32>, %[[O:[a-z0-9_]+]]: memref<?x?x4x16xf32>)
// CHECK-DAG:     %[[KT:.*]] = memref.transpose %[[K]] (d0, d1, d2, d3) -> (d0, d2, d1, d3) : memref<?x?x2x16xf32> to memref<?x2x?x16xf32, strided<[?, 16, 32, 1]>>
// CHECK-DAG:     %[[VT:.*]] = memref.transpose %[[V]] (d0, d1, d2, d3) -> (d0, d2, d1, d3) : memref<?x?x2x16xf32> to memref<?x2x?x16xf32, strided<[?, 16, 32, 1]>>
// CHECK:         scf.parallel
// CHECK:         memref.alloc() {alignment = 64 : i64}
// CHECK-DAG:     vector.load %[[Q]]
// CHECK-DAG:     vector.load %[[KT]][{{.*}}] : memref<?x2x?x16xf32, strided<[?, 16, 32, 1]>>, vector<8xf32>
// CHECK-DAG:     vector.load %[[VT]]
// CHECK-DAG:     arith.maxnumf
// CHECK-DAG:     {{target.x86.vector_fma|math.fma}} {{.*}} : vector<8xf32>
// CHECK-DAG:     vector.store %{{.*}}, %[[O]]
// CHECK:         return
func.func @flash_attention(%q: memref<?x?x4x16xf32>, %k: memref<?x?x2x16xf32>,
                           %v: memref<?x?x2x16xf32>, %o: memref<?x?x4x16xf32>) {
  tile.flash_attention %q, %k, %v, %o {causal, scale = 0.25 : f64}
      : memref<?x?x4x16xf32>, memref<?x?x2x16xf32>, memref<?x?x2x16xf32>, memref<?x?x4x16xf32>
  return
}

// -----

// kv_cache_append: the run-time position is loaded from its memref<1xi64>;
// a subview of the [B, capacity, Hkv, D] cache at [0, position, 0, 0] sized
// by the update's sequence length (only those rows are written), filled by
// vector row copies from the [B, S, Hkv, D] update.
// CHECK-LABEL: func.func @kv_cache_append(
// CHECK-SAME:    %[[U:[a-z0-9_]+]]: memref<?x1x2x16xf32>, %[[CACHE:[a-z0-9_]+]]: memref<?x4096x2x16xf32>,
// CHECK-SAME:    %[[POS:[a-z0-9_]+]]: memref<1xi64>)
// CHECK:         %[[P64:.*]] = memref.load %[[POS]][%{{.*}}] : memref<1xi64>
// CHECK:         %[[P:.*]] = arith.index_cast %[[P64]] : i64 to index
// CHECK:         %[[WIN:.*]] = memref.subview %[[CACHE]][0, %[[P]], 0, 0] [%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] [1, 1, 1, 1] : memref<?x4096x2x16xf32> to memref<?x?x?x?xf32, strided<[131072, 32, 16, 1], offset: ?>>
// CHECK:         %[[WT:.*]] = memref.transpose %[[WIN]]
// CHECK:         scf.for %[[B:.*]] = %{{.*}} to
// CHECK:           scf.for %[[H:.*]] = %{{.*}} to
// CHECK:             scf.for %[[S:.*]] = %{{.*}} to
// CHECK:               scf.for %[[D:.*]] = %{{.*}} to
// CHECK:                 %[[V:.*]] = vector.load %[[U]][%[[B]], %[[S]], %[[H]], %[[D]]] : memref<?x1x2x16xf32>, vector<8xf32>
// CHECK:                 vector.store %[[V]], %[[WT]][%[[B]], %[[H]], %{{.*}}, %[[D]]]
func.func @kv_cache_append(%k_new: memref<?x1x2x16xf32>, %cache: memref<?x4096x2x16xf32>,
                           %pos: memref<1xi64>) {
  tile.kv_cache_append %k_new -> %cache[%pos] : memref<?x1x2x16xf32> -> memref<?x4096x2x16xf32>, memref<1xi64>
  return
}

// -----

// flash attention at a run-time position: the number of keys is position +
// seq (loaded from the memref), never the cache's capacity; the causal bound
// of each query row is computed from it.
// CHECK-LABEL: func.func @flash_attention_at_position(
// CHECK-SAME:    %[[Q:[a-z0-9_]+]]: memref<?x1x4x16xf32>, %[[K:[a-z0-9_]+]]: memref<?x?x2x16xf32>,
// CHECK-SAME:    %[[V:[a-z0-9_]+]]: memref<?x?x2x16xf32>, %[[O:[a-z0-9_]+]]: memref<?x1x4x16xf32>, %[[POS:[a-z0-9_]+]]: memref<1xi64>)
// CHECK:         %[[P64:.*]] = memref.load %[[POS]][%{{.*}}] : memref<1xi64>
// CHECK:         %[[P:.*]] = arith.index_cast %[[P64]] : i64 to index
// CHECK:         %[[LEN:.*]] = arith.addi %[[P]], %{{.*}} : index
// CHECK:         scf.parallel
// CHECK:         arith.subi %[[LEN]], %{{.*}} : index
func.func @flash_attention_at_position(%q: memref<?x1x4x16xf32>, %k: memref<?x?x2x16xf32>,
                           %v: memref<?x?x2x16xf32>, %o: memref<?x1x4x16xf32>, %pos: memref<1xi64>) {
  tile.flash_attention %q, %k, %v, %o at %pos {causal, scale = 0.25 : f64}
      : memref<?x1x4x16xf32>, memref<?x?x2x16xf32>, memref<?x?x2x16xf32>, memref<?x1x4x16xf32>, memref<1xi64>
  return
}

// -----

// tile.barrier lowers to nothing (one thread per core); memref.copy (any
// strided layout) becomes a vector copy loop nest, so that compiled modules
// need no runtime library; ops that are neither are left alone.
// CHECK-LABEL: func.func @copy_and_barrier(
// CHECK-SAME:    %[[A:[a-z0-9_]+]]: memref<?x2x?x16xf32>, %[[B:[a-z0-9_]+]]: memref<?x2x?x16xf32, strided<[?, ?, 16, 1], offset: ?>>,
// CHECK-SAME:    %[[S:[a-z0-9_]+]]: memref<4x3xf32>, %[[T:[a-z0-9_]+]]: memref<4x3xf32>, %{{.*}}: f32) -> f32
// CHECK:         scf.for %[[I0:.*]] = %{{.*}} to
// CHECK:           scf.for %[[I1:.*]] = %{{.*}} to
// CHECK:             scf.for %[[I2:.*]] = %{{.*}} to
// CHECK:               scf.for %[[I3:.*]] = %{{.*}} to
// CHECK:                 %[[V:.*]] = vector.load %[[A]][%[[I0]], %[[I1]], %[[I2]], %[[I3]]] : memref<?x2x?x16xf32>, vector<8xf32>
// CHECK:                 vector.store %[[V]], %[[B]][%[[I0]], %[[I1]], %[[I2]], %[[I3]]] : memref<?x2x?x16xf32, strided<[?, ?, 16, 1], offset: ?>>, vector<8xf32>
// CHECK:               scf.for
// CHECK:                 %[[E:.*]] = memref.load %[[A]]
// CHECK:                 memref.store %[[E]], %[[B]]
// CHECK:         memref.load %[[S]]
// CHECK:         memref.store %{{.*}}, %[[T]]
// CHECK:         %[[F:.*]] = arith.addf
// CHECK-NEXT:    return %[[F]]
func.func @copy_and_barrier(%a: memref<?x2x?x16xf32>,
                            %b: memref<?x2x?x16xf32, strided<[?, ?, 16, 1], offset: ?>>,
                            %s: memref<4x3xf32>, %t: memref<4x3xf32>, %f: f32) -> f32 {
  tile.barrier
  memref.copy %a, %b : memref<?x2x?x16xf32> to memref<?x2x?x16xf32, strided<[?, ?, 16, 1], offset: ?>>
  memref.copy %s, %t : memref<4x3xf32> to memref<4x3xf32>
  %0 = arith.addf %f, %f : f32
  return %0 : f32
}
