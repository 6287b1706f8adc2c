#!/usr/bin/env python3
"""Execute the notebooks headless with nbclient, top to bottom; fail on any cell error.

    python notebooks/run.py [--smoke] [--output-dir DIR] [--timeout SECONDS] [NOTEBOOK.ipynb ...]

Without notebook arguments every notebooks/[0-9]*.ipynb runs, in name order. Each notebook runs
in a fresh Python kernel whose working directory is notebooks/, with these environment variables:

    SPECTRALCONV    the CLI binary (taken from the environment, made absolute; default
                    .build/release/spectralconv of this checkout)
    NOTEBOOK_SMOKE  "1" with --smoke: each notebook's parameter cell switches to its smallest settings

The executed notebook (outputs included) is written back in place, or into --output-dir, atomically
and only when every cell succeeded. The last line says how many passed and failed; the exit
status is 1 when any failed.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

NOTEBOOKS = Path(__file__).resolve().parent
REPOSITORY = NOTEBOOKS.parent


def write_atomically(notebook, path: Path) -> None:
    """Writes the notebook to a temporary file beside `path`, then renames it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        mode = path.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            nbformat.write(notebook, file)
        os.chmod(temporary, mode)  # mkstemp creates 0600; keep the permissions an ordinary write would give
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def execute(path: Path, output: Path, timeout: int) -> bool:
    """Runs one notebook; returns whether every cell succeeded (and then writes `output`)."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        record_timing=False,
    )
    started = time.monotonic()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError, RuntimeError) as error:
        # a cell raised or timed out, the kernel died, or it never started
        print(f"FAILED  {path.name} after {time.monotonic() - started:.0f} s:\n{error}", file=sys.stderr, flush=True)
        return False
    write_atomically(notebook, output)
    where = "in place" if output == path else f"to {output}"
    print(f"passed  {path.name} in {time.monotonic() - started:.0f} s (written {where})", flush=True)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: notebooks/[0-9]*.ipynb)")
    parser.add_argument("--smoke", action="store_true", help="smallest settings (NOTEBOOK_SMOKE=1)")
    parser.add_argument("--output-dir", type=Path, help="write executed notebooks here instead of in place")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds one cell may run (default 1800)")
    arguments = parser.parse_args()

    binary = Path(os.environ.get("SPECTRALCONV") or REPOSITORY / ".build/release/spectralconv").resolve()
    if not os.access(binary, os.X_OK):
        print(f"error: the spectralconv CLI is not at {binary}; build it (make build) or set SPECTRALCONV", file=sys.stderr)
        return 2
    os.environ["SPECTRALCONV"] = str(binary)
    if arguments.smoke:
        os.environ["NOTEBOOK_SMOKE"] = "1"
    else:
        os.environ.pop("NOTEBOOK_SMOKE", None)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"

    paths = [p.resolve() for p in arguments.notebooks] or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"error: no notebook at {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    print(f"running {len(paths)} notebook(s) with {binary}{' (smoke settings)' if arguments.smoke else ''}", flush=True)
    passed = failed = 0
    for path in paths:
        output = (arguments.output_dir.resolve() / path.name) if arguments.output_dir else path
        if execute(path, output, arguments.timeout):
            passed += 1
        else:
            failed += 1
    print(f"notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
