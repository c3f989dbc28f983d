//! Bakes libtorch's library folder into the rpath of every binary and test of this package, so
//! that no `LD_LIBRARY_PATH` is needed. LIBTORCH comes from `.cargo/config.toml` (set-up
//! script) or from the user's environment (a CUDA libtorch, see the README).
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-env-changed=LIBTORCH_USE_PYTORCH");
    println!("cargo:rerun-if-changed=build.rs");
    let Ok(libtorch) = std::env::var("LIBTORCH") else {
        return; // LIBTORCH_USE_PYTORCH: torch-sys finds it through Python
    };
    let lib = PathBuf::from(&libtorch).join("lib");
    let lib = lib.canonicalize().unwrap_or_else(|_| {
        panic!(
            "libtorch not found at {} -- run `make setup` (or `python3 scripts/setup_libtorch.py`) \
             first, or set LIBTORCH to a libtorch 2.13.0 folder",
            lib.display()
        )
    });
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
}
