// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// Every rule of #tessera.target and #tessera.lowering_config, one case each.

// target: the kind is one of x86, nvidia, amd.
// expected-error @+1 {{unknown target kind 'tpu': expected x86, nvidia or amd}}
module attributes {tessera.target = #tessera.target<"tpu">} {}

// -----

// target: an NVIDIA chip Tessera knows.
// expected-error @+1 {{unsupported nvidia chip 'sm_70': expected one of sm_80, sm_86, sm_89, sm_90, sm_90a}}
module attributes {tessera.target = #tessera.target<"nvidia", chip = "sm_70">} {}

// -----

// target: NVIDIA needs a chip.
// expected-error @+1 {{nvidia target needs a chip: one of sm_80, sm_86, sm_89, sm_90, sm_90a}}
module attributes {tessera.target = #tessera.target<"nvidia">} {}

// -----

// target: an AMD chip Tessera knows.
// expected-error @+1 {{unsupported amd chip 'gfx1100': expected one of gfx90a, gfx942}}
module attributes {tessera.target = #tessera.target<"amd", chip = "gfx1100">} {}

// -----

// target: GPU targets take no cpu/features.
// expected-error @+1 {{amd target takes chip only, not cpu or features}}
module attributes {tessera.target = #tessera.target<"amd", chip = "gfx942", features = "+avx2">} {}

// -----

// target: x86 takes no chip.
// expected-error @+1 {{x86 target takes cpu and features, not chip}}
module attributes {tessera.target = #tessera.target<"x86", chip = "sm_90a">} {}

// -----

// target: LLVM feature strings are +name/-name lists.
// expected-error @+1 {{x86 feature 'avx2' must start with '+' or '-'}}
module attributes {tessera.target = #tessera.target<"x86", features = "+fma,avx2">} {}

// -----

// target: known fields only.
// expected-error @+1 {{unknown #tessera.target field 'arch': expected cpu, chip or features}}
module attributes {tessera.target = #tessera.target<"x86", arch = "x86-64">} {}

// -----

// lowering_config: known fields only.
// expected-error @+1 {{unknown #tessera.lowering_config field 'tile_m': expected tile_sizes, vector_width, register_block, block_k, num_warps or num_stages}}
module attributes {c = #tessera.lowering_config<tile_m = 64>} {}

// -----

// lowering_config: tile sizes are >= 0 (0: not tiled).
// expected-error @+1 {{tile_sizes must be non-negative, got -1}}
module attributes {c = #tessera.lowering_config<tile_sizes = [64, -1, 0]>} {}

// -----

// lowering_config: register blocks are positive.
// expected-error @+1 {{register_block must be positive, got 0}}
module attributes {c = #tessera.lowering_config<register_block = [3, 0]>} {}

// -----

// lowering_config: scalar fields are positive.
// expected-error @+1 {{vector_width must be positive, got 0}}
module attributes {c = #tessera.lowering_config<vector_width = 0>} {}

// -----

// expected-error @+1 {{block_k must be positive, got -8}}
module attributes {c = #tessera.lowering_config<block_k = -8>} {}

// -----

// expected-error @+1 {{num_warps must be positive, got 0}}
module attributes {c = #tessera.lowering_config<num_warps = 0>} {}

// -----

// expected-error @+1 {{num_stages must be positive, got 0}}
module attributes {c = #tessera.lowering_config<num_stages = 0>} {}
