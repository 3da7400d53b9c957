// RUN: not tessera-translate %s --tessera-to-x86-object -o /dev/null 2>&1 | FileCheck %s

// Only LLVM-dialect modules translate: a func.func left over from an earlier
// stage is reported (run `tessera-opt --tessera-lower-to-llvm` first).
// CHECK: error: Dialect `func' not found for custom op 'func.func'
func.func @not_lowered() {
  return
}
