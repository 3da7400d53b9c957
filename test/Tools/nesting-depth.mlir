// tessera-opt refuses input nested deeper than 1000 levels (brackets of any
// kind) with a diagnostic at the bracket that crosses the limit, instead of
// overflowing the stack in MLIR's recursive parser (issue 9).

// RUN: %python -c "print('module {' * 4000 + '}' * 4000)" > %t.modules.mlir
// RUN: not tessera-opt %t.modules.mlir 2>&1 | FileCheck %s --check-prefix=MODULES
// MODULES: modules.mlir:1:8008: error: input nests 4000 levels deep (limit 1000)
// MODULES-NOT: Stack dump

// RUN: %python -c "print('func.func @f() {\n' + 'scf.execute_region {\n' * 5000 + 'scf.yield\n}\n' * 5000 + 'return\n}')" > %t.regions.mlir
// RUN: not tessera-opt %t.regions.mlir --canonicalize 2>&1 | FileCheck %s --check-prefix=REGIONS
// REGIONS: regions.mlir:1001:20: error: input nests 5001 levels deep (limit 1000)

// The same through a pipe (stdin).
// RUN: %python -c "print('func.func private @f() -> ' + 'tuple<' * 20000 + '>' * 20000)" > %t.tuples.mlir
// RUN: cat %t.tuples.mlir | not tessera-opt 2>&1 | FileCheck %s --check-prefix=TUPLES
// TUPLES: <stdin>:1:6032: error: input nests 20000 levels deep (limit 1000)

// Strings, comments and `->` arrows do not count; 998 nested regions (1000
// levels with the function's and the module printed around it) parse, run
// through passes, print and parse again, on the large stack tessera-opt
// parses on.
// RUN: %python -c "print('// {{{{{{\nfunc.func @f() -> (i32) attributes {s = \"<<<<((((\"} {\n' + 'scf.execute_region {\n' * 998 + 'scf.yield\n}\n' * 998 + '%%c = arith.constant 1 : i32\nreturn %%c : i32\n}')" > %t.limit.mlir
// RUN: tessera-opt %t.limit.mlir | tessera-opt | FileCheck %s --check-prefix=LIMIT
// RUN: tessera-opt %t.limit.mlir --cse --mlir-print-op-generic | FileCheck %s --check-prefix=LIMIT-CSE
// LIMIT-LABEL: func.func @f()
// LIMIT-COUNT-998: scf.execute_region
// LIMIT-CSE: "func.func"()

// One level more is refused.
// RUN: %python -c "print('func.func @f() {\n' + 'scf.execute_region {\n' * 1000 + 'scf.yield\n}\n' * 1000 + 'return\n}')" > %t.over.mlir
// RUN: not tessera-opt %t.over.mlir 2>&1 | FileCheck %s --check-prefix=OVER
// OVER: error: input nests 1001 levels deep (limit 1000)

// Bytecode is not scanned: its bytes are not brackets.
// RUN: tessera-opt %t.limit.mlir --emit-bytecode -o %t.limit.mlirbc
// RUN: tessera-opt %t.limit.mlirbc | FileCheck %s --check-prefix=LIMIT

// tessera-translate parses on the same large stack: 4000 nested modules (past
// tessera-opt's limit, well within the stack) translate instead of crashing.
// RUN: tessera-translate %t.modules.mlir --mlir-to-llvmir | FileCheck %s --check-prefix=TRANSLATE
// TRANSLATE: ModuleID
