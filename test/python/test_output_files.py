"""Compiled output written to a device or a pipe (`tessera compile -o /dev/null`)
is written in place, never replaced by a renamed temporary file."""

import os
import threading
from pathlib import Path

from tessera.compiler import write_atomically


def test_compile_output_to_a_pipe_stays_a_pipe(tmp_path):
    # `-o /dev/null` used to rename a temporary file over the device (as
    # root: /dev/null became a regular file for the whole machine). A FIFO
    # stands in for the device here.
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(Path(fifo).read_bytes()))
    reader.start()
    write_atomically(fifo, b"object bytes")
    reader.join()
    assert got == [b"object bytes"]
    assert not fifo.is_file() and fifo.exists()  # still a FIFO
    assert list(tmp_path.iterdir()) == [fifo]     # no temporary left beside it
