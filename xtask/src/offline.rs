//! `cargo xtask single-file` (the self-contained coursepulse.html for file:// demos) and
//! `cargo xtask pkg` (the engine as a JS package in pkg/), and their `cargo xtask test` steps.

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use crate::{fetch_crates, trunk_cmd};

/// Where the single-file build goes (the e2e spec opens it from here).
pub(crate) const SINGLE_FILE: &str = "target/single-file/coursepulse.html";
const DIST: &str = "dist";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const PKG_DIR: &str = "pkg";
const PKG_WASM_IN: &str = "target/wasm32-unknown-unknown/release/coursepulse_js.wasm";
/// wasm-bindgen's `--out-name`: pkg/coursepulse.js, coursepulse_bg.wasm, coursepulse.d.ts.
const PKG_NAME: &str = "coursepulse";
/// The hand-written parts of the package, copied into pkg/ beside what wasm-bindgen writes.
const PKG_TEMPLATE: &str = "crates/js/package";
const PKG_TESTS: &str = "tests/pkg";
const CLI_BIN: &str = "target/debug/coursepulse";

/// `cargo xtask single-file [--no-build]`: trunk build --release, then inline it into one file.
pub(crate) fn single_file(sh: &Shell, args: &[String]) -> Result<()> {
    match args {
        [] => {
            fetch_crates(sh)?;
            trunk_cmd(sh, &["build", "--release"])
                .run()
                .context("trunk build --release failed")?;
        }
        [flag] if flag == "--no-build" => {}
        _ => bail!("usage: cargo xtask single-file [--no-build]"),
    }
    single_file_step(sh)
}

/// The test step: inlines the existing dist/ (built by the trunk-build step).
pub(crate) fn single_file_step(sh: &Shell) -> Result<()> {
    if !sh.path_exists(format!("{DIST}/index.html")) {
        bail!("{DIST}/index.html does not exist: run `trunk build --release` first");
    }
    cmd!(sh, "node xtask/single_file.mjs {DIST} {SINGLE_FILE}")
        .run()
        .context("building the single-file coursepulse.html failed")
}

/// `cargo xtask pkg`: builds crates/js for wasm32 and runs wasm-bindgen into pkg/.
pub(crate) fn pkg(sh: &Shell) -> Result<()> {
    cmd!(
        sh,
        "cargo build -p coursepulse-js --target {WASM_TARGET} --release"
    )
    .run()
    .context("building crates/js for wasm32 failed")?;
    // A fresh pkg/ each time: nothing of an older build may linger in the package.
    sh.remove_path(PKG_DIR)?;
    cmd!(
        sh,
        "wasm-bindgen --target web --out-dir {PKG_DIR} --out-name {PKG_NAME} {PKG_WASM_IN}"
    )
    .run()
    .context("wasm-bindgen failed (is wasm-bindgen-cli installed? cargo xtask setup)")?;
    // wasm-bindgen writes its own .gitignore ("*"), which would keep the package out of a
    // tarball made with `npm pack`.
    sh.remove_path(format!("{PKG_DIR}/.gitignore"))?;
    for file in ["package.json", "README.md"] {
        sh.copy_file(
            format!("{PKG_TEMPLATE}/{file}"),
            format!("{PKG_DIR}/{file}"),
        )?;
    }
    cmd!(
        sh,
        "node xtask/sizes.mjs {PKG_DIR}/{PKG_NAME}_bg.wasm {PKG_DIR}/{PKG_NAME}.js"
    )
    .run()
    .context("measuring the package failed")?;
    Ok(())
}

/// The test step: builds pkg/ and runs its Node tests, which compare it with the CLI's JSON.
pub(crate) fn pkg_step(sh: &Shell) -> Result<()> {
    pkg(sh)?;
    cmd!(sh, "cargo build -p coursepulse-cli -p coursepulse-fixtures")
        .run()
        .context("building the CLI and the fixtures generator failed")?;
    if !sh.path_exists(CLI_BIN) {
        bail!("{CLI_BIN} does not exist: cargo built no coursepulse CLI");
    }
    cmd!(sh, "node --test {PKG_TESTS}/")
        .run()
        .context("the pkg/ tests failed")
}
