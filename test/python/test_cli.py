"""The ``tessera`` CLI, called in-process through tessera.cli.main."""

import json
import subprocess
import sys

import pytest

from conftest import REPO, listing
from tessera import __version__
from tessera.checkpoint import Artifact
from tessera.cli import COMMANDS, main
from tessera.testing import write_hf_checkpoint


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err, fragment):
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert fragment in err
    assert "Traceback" not in err


def test_convert_success(tmp_path, capsys, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt", dtype="bf16")
    code, out, err = run(capsys, "convert", "--hf", str(ckpt), "--out", str(tmp_path / "art"))
    assert code == 0 and err == ""
    assert f"wrote {tmp_path / 'art'}: 41 tensors, dtype bf16, 6 layers (M*M-M-)" in out
    code, out, _ = run(capsys, "convert", "--hf", str(ckpt), "--out", str(tmp_path / "art2"), "--dtype", "fp32")
    assert code == 0 and "dtype fp32" in out


def test_convert_errors_are_one_line_exit_1(tmp_path, capsys, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt")
    (ckpt / "config.json").unlink()
    before = listing(tmp_path)
    code, out, err = run(capsys, "convert", "--hf", str(ckpt), "--out", str(tmp_path / "art"))
    assert code == 1 and out == ""
    assert_one_line_error(err, "missing config.json")
    assert listing(tmp_path) == before


def test_convert_existing_output_and_force(tmp_path, capsys, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt")
    art = tmp_path / "art"
    assert run(capsys, "convert", "--hf", str(ckpt), "--out", str(art))[0] == 0
    code, _, err = run(capsys, "convert", "--hf", str(ckpt), "--out", str(art))
    assert code == 1
    assert_one_line_error(err, "exists and is not empty (pass --force to replace it)")
    assert run(capsys, "convert", "--hf", str(ckpt), "--out", str(art), "--force")[0] == 0


def test_convert_config_error(tmp_path, capsys, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt")
    d = json.loads((ckpt / "config.json").read_text())
    d["num_key_value_heads"] = 3
    (ckpt / "config.json").write_text(json.dumps(d))
    code, _, err = run(capsys, "convert", "--hf", str(ckpt), "--out", str(tmp_path / "art"))
    assert code == 1
    assert_one_line_error(err, "num_attention_heads (4) must be a multiple of num_key_value_heads (3)")


def test_make_random_checkpoint_then_convert(tmp_path, capsys):
    ckpt = tmp_path / "ckpt"
    code, out, err = run(capsys, "make-random-checkpoint", "--config", "nemotron_h_tiny", "--out", str(ckpt),
                         "--dtype", "bf16", "--seed", "7", "--shards", "2")
    assert code == 0 and "seed 7" in out
    assert (ckpt / "model.safetensors.index.json").exists()
    assert run(capsys, "convert", "--hf", str(ckpt), "--out", str(tmp_path / "art"))[0] == 0
    assert Artifact.open(tmp_path / "art", verify_hashes=True).dtype == "bf16"

    code, _, err = run(capsys, "make-random-checkpoint", "--config", str(REPO / "configs" / "nemotron_h_tiny.yaml"),
                       "--out", str(ckpt))
    assert code == 1
    assert_one_line_error(err, "exists and is not an empty directory")

    bad = tmp_path / "bad.yaml"
    bad.write_text((REPO / "configs" / "nemotron_h_tiny.yaml").read_text().replace('"M*M-M-"', '"M*M-M?"'))
    code, _, err = run(capsys, "make-random-checkpoint", "--config", str(bad), "--out", str(tmp_path / "c2"))
    assert code == 1
    assert_one_line_error(err, "unknown block letter '?' at position 5")
    assert not (tmp_path / "c2").exists()


@pytest.mark.parametrize("argv", [
    [],
    ["convert", "--hf", "x"],
    ["convert", "--hf", "x", "--out", "y", "--dtype", "int8"],
    ["no-such-command"],
])
def test_usage_errors_exit_2(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2 and "usage: tessera" in err


def test_version_and_help(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"tessera {__version__}"
    code, out, _ = run(capsys, "--help")
    assert code == 0 and all(name in out for name in COMMANDS)


def test_script_wrapper_and_python_m(tmp_path, tiny_config):
    ckpt = write_hf_checkpoint(tiny_config, tmp_path / "ckpt")
    script = REPO / "scripts" / "convert_hf_checkpoint.py"
    ok = subprocess.run([sys.executable, str(script), "--hf", str(ckpt), "--out", str(tmp_path / "art")],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([sys.executable, "-m", "tessera", "convert", "--hf", str(tmp_path / "nope"),
                          "--out", str(tmp_path / "art2")], capture_output=True, text=True,
                         env={"PYTHONPATH": str(REPO / "python"), "HF_HUB_OFFLINE": "1"})
    assert bad.returncode == 1 and bad.stdout == ""
    assert_one_line_error(bad.stderr, "nope: no such file or directory")


def test_import_tessera_is_lazy():
    code = ("import sys, tessera; assert 'numpy' not in sys.modules and 'yaml' not in sys.modules; "
            "tessera.config; assert 'tessera.config' in sys.modules; print(tessera.__version__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(REPO / "python")})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == __version__
