"""``tessera compile --target x86 [--cpu --features]``: the module's
#tessera.target, the vector width chosen from it, and target errors."""

from conftest import REPO  # noqa: F401  (puts the repo's python/ first)
from tessera._tessera import host_cpu, host_features
from tessera.cli import main


def compile_(capsys, *argv):
    code = main(["compile", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err, fragment):
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert fragment in err
    assert "Traceback" not in err


def test_default_target_is_the_host(capsys):
    code, out, _ = compile_(capsys, "nemotron_h_tiny", "--emit", "graph")
    assert code == 0
    head = out.splitlines()[0]
    assert f'#tessera.target<"x86", cpu = "{host_cpu()}", features = "{host_features()}">' in head
    width = 16 if "+avx512f" in host_features().split(",") else 8
    code, out, _ = compile_(capsys, "nemotron_h_tiny", "--emit", "target")
    assert code == 0 and f"vector<{width}xf32>" in out


def test_cpu_and_features_set_the_target_and_the_vector_width(tmp_path, capsys):
    tile = tmp_path / "tile.mlir"
    code, _, _ = compile_(capsys, "nemotron_h_tiny", "--emit", "tile", "--cpu", "haswell",
                          "--features", "+avx2,+fma", "-o", str(tile))
    assert code == 0
    assert '#tessera.target<"x86", cpu = "haswell", features = "+avx2,+fma">' in tile.read_text()
    # Restarting from the tile stage keeps the file's target.
    code, out, _ = compile_(capsys, str(tile), "--emit", "target")
    assert code == 0
    assert 'cpu = "haswell"' in out and "vector<8xf32>" in out and "vector<16xf32>" not in out
    assert "lowering_config" not in out  # consumed by the x86 lowering
    # AVX-512 features: 16 lanes, whatever this machine has.
    code, out, _ = compile_(capsys, "nemotron_h_tiny", "--emit", "target", "--cpu", "skylake-avx512",
                            "--features", "+avx512f,+avx2,+fma")
    assert code == 0 and "vector<16xf32>" in out and "vector<8xf32>" not in out
    # And an object for that CPU (LLVM cross-compiles; nothing runs here).
    obj = tmp_path / "m.o"
    code, _, _ = compile_(capsys, str(tile), "--emit", "obj", "-o", str(obj))
    assert code == 0 and obj.stat().st_size > 0


def test_cpu_alone_takes_its_features(capsys):
    code, out, _ = compile_(capsys, "nemotron_h_tiny", "--emit", "target", "--cpu", "haswell")
    assert code == 0
    head = out.splitlines()[0]
    assert 'cpu = "haswell"' in head and "+avx2" in head and "+fma" in head and "avx512f" not in head
    assert "vector<8xf32>" in out and "vector<16xf32>" not in out
    code, out, _ = compile_(capsys, "nemotron_h_tiny", "--emit", "target", "--cpu", "x86-64")
    assert code == 0 and "vector<4xf32>" in out and "vector<8xf32>" not in out


def test_target_errors_are_one_line(tmp_path, capsys):
    code, _, err = compile_(capsys, "nemotron_h_tiny", "--emit", "tile", "--features", "avx2")
    assert code == 1
    assert_one_line_error(err, "x86 feature 'avx2' must start with '+' or '-'")
    code, _, err = compile_(capsys, "nemotron_h_tiny", "--emit", "tile", "--features", "+avx2 x=1")
    assert code == 1
    assert_one_line_error(err, "invalid target option '+avx2 x=1'")
    code, _, err = compile_(capsys, "nemotron_h_tiny", "--emit", "tile", "--cpu", "pentium9")
    assert code == 1
    assert_one_line_error(err, "unknown CPU 'pentium9'")
    code, _, err = compile_(capsys, "nemotron_h_tiny", "--emit", "tile", "--target", "nvidia")
    assert code == 1
    assert_one_line_error(err, "unknown target 'nvidia': expected x86, cuda or rocm")


def test_module_for_another_target_is_not_lowered_as_x86(tmp_path, capsys):
    tile = tmp_path / "tile.mlir"
    assert compile_(capsys, "nemotron_h_tiny", "--emit", "tile", "-o", str(tile))[0] == 0
    text = tile.read_text()
    start = text.index("#tessera.target<")
    end = text.index(">", start) + 1
    tile.write_text(text[:start] + '#tessera.target<"nvidia", chip = "sm_90a">' + text[end:])
    code, _, err = compile_(capsys, str(tile), "--emit", "target")
    assert code == 1
    assert_one_line_error(err, "the module's target is 'nvidia'")
