#!/usr/bin/env python3
"""Fetch the CPU part of libtorch from PyPI into a cache folder outside the checkout.

What it does, in order:
  1. If the cache already holds a complete copy (marker file present), reuse it.
  2. `pip download --no-deps` the torch wheel that tch expects, plus the CUDA runtime and CUPTI
     wheels of the same CUDA line (libtorch_cpu.so links libcudart and libcupti even on CPU).
     The exact files are pinned by platform tags and verified against their SHA-256.
  3. Unpack only torch/lib (the CPU libraries) and torch/include, plus libcudart/libcupti,
     into the cache. libtorch_cuda and friends are left out on purpose.
  4. Point `<checkout>/.libtorch` (ignored by git) at the cache; `.cargo/config.toml` reads it.

Environment: CRUCIBLE_LIBTORCH_CACHE overrides the cache folder
(default: $XDG_CACHE_HOME/crucible or ~/.cache/crucible).
"""
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

TORCH_VERSION = "2.13.0"  # what tch 0.26 expects
CUDA_LINE = "cu13"
PLATFORMS = ["manylinux_2_28_x86_64", "manylinux_2_25_x86_64", "manylinux_2_17_x86_64",
             "manylinux2014_x86_64"]
# (requirement, wheel file name, sha256) -- pinned so every machine gets the same bytes.
WHEELS = [
    ("torch==2.13.0", "torch-2.13.0-cp311-cp311-manylinux_2_28_x86_64.whl",
     "60fcdcb2f3876e21146cb4524ef06397d727ca9ad5f020818547e25075fe3cb7"),
    ("nvidia-cuda-runtime==13.0.96",
     "nvidia_cuda_runtime-13.0.96-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
     "7f82250d7782aa23b6cfe765ecc7db554bd3c2870c43f3d1821f1d18aebf0548"),
    ("nvidia-cuda-cupti==13.0.85", "nvidia_cuda_cupti-13.0.85-py3-none-manylinux_2_25_x86_64.whl",
     "4eb01c08e859bf924d222250d2e8f8b8ff6d3db4721288cf35d14252a4d933c8"),
]
# CPU libraries of torch/lib that we keep; everything CUDA-specific stays out.
TORCH_LIBS = {"libtorch_cpu.so", "libc10.so", "libgomp.so.1", "libtorch.so", "libshm.so",
              "libtorch_global_deps.so"}
CUDA_LIBS = {"libcudart.so.13", "libcupti.so.13"}
MARKER = ".crucible-complete"


def die(msg: str) -> None:
    print(f"setup_libtorch: error: {msg}", file=sys.stderr)
    sys.exit(1)


def cache_dir() -> Path:
    if os.environ.get("CRUCIBLE_LIBTORCH_CACHE"):
        base = Path(os.environ["CRUCIBLE_LIBTORCH_CACHE"]).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        base = Path(xdg) / "crucible"
    return base / f"libtorch-{TORCH_VERSION}-cpu"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def download(dest: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311", "--abi", "none",
           "--dest", str(dest)]
    for p in PLATFORMS:
        cmd += ["--platform", p]
    cmd += [req for req, _, _ in WHEELS]
    print("setup_libtorch: downloading libtorch wheels from PyPI (about 540 MB) ...", flush=True)
    try:
        res = subprocess.run(cmd)
    except FileNotFoundError:
        die("python3 is missing")
    if res.returncode != 0:
        die("`pip download` failed (is pip installed: `python3 -m pip --version`? "
            "is PyPI reachable?). Command: " + " ".join(cmd))
    for _, name, digest in WHEELS:
        path = dest / name
        if not path.exists():
            die(f"pip did not produce {name}; files present: {sorted(os.listdir(dest))}")
        got = sha256(path)
        if got != digest:
            die(f"{name}: SHA-256 mismatch (expected {digest}, got {got}); refusing to use it")
    print("setup_libtorch: downloads verified (SHA-256)", flush=True)


def unpack(wheels: Path, staging: Path) -> None:
    lib = staging / "lib"
    lib.mkdir(parents=True)
    with zipfile.ZipFile(wheels / WHEELS[0][1]) as z:
        for info in z.infolist():
            n = info.filename
            if n.startswith("torch/include/") and not info.is_dir():
                z.extract(info, staging / "_x")
            elif n.startswith("torch/lib/") and Path(n).name in TORCH_LIBS:
                with z.open(info) as src, open(lib / Path(n).name, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    shutil.move(str(staging / "_x" / "torch" / "include"), str(staging / "include"))
    shutil.rmtree(staging / "_x")
    for _, name, _ in WHEELS[1:]:
        with zipfile.ZipFile(wheels / name) as z:
            for info in z.infolist():
                if Path(info.filename).name in CUDA_LIBS:
                    with z.open(info) as src, open(lib / Path(info.filename).name, "wb") as dst:
                        shutil.copyfileobj(src, dst)
    missing = (TORCH_LIBS | CUDA_LIBS) - set(os.listdir(lib))
    if missing:
        die(f"the wheels lacked {sorted(missing)}")
    # torch-sys checks this file against the version it expects.
    (staging / "build-version").write_text(f"{TORCH_VERSION}+cpu\n")
    (staging / MARKER).write_text("\n".join(f"{n} {d}" for _, n, d in WHEELS) + "\n")


def link_checkout(target: Path) -> None:
    link = Path(__file__).resolve().parent.parent / ".libtorch"
    if link.is_symlink() or link.exists():
        if link.is_symlink() and Path(os.readlink(link)) == target:
            return
        if link.is_dir() and not link.is_symlink():
            die(f"{link} is a real folder; remove it so it can point at the cache")
        link.unlink()
    link.symlink_to(target)


def main() -> None:
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        die(f"automatic set-up supports Linux x86_64 only (this is {platform.system()} "
            f"{platform.machine()}); set LIBTORCH to a libtorch {TORCH_VERSION} folder instead")
    target = cache_dir()
    if (target / MARKER).exists():
        print(f"setup_libtorch: using cached libtorch {TORCH_VERSION} in {target}")
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".dl-") as tmp:
            tmp = Path(tmp)
            download(tmp / "wheels")
            staging = tmp / "libtorch"
            unpack(tmp / "wheels", staging)
            if target.exists():
                shutil.rmtree(target)  # an incomplete earlier attempt
            staging.rename(target)  # atomic on one file system: the cache is whole or absent
        print(f"setup_libtorch: libtorch {TORCH_VERSION} (CPU) ready in {target}")
    link_checkout(target)


if __name__ == "__main__":
    main()
