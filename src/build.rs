//! Version string for `hubcfg --version` and the installer log:
//! `VERSION (commit SHORT, TARGET)`. VERSION is $HUBCFG_VERSION when set
//! (scripts/release --version), else the crate's version; SHORT is the
//! checkout's HEAD, or "unknown" outside a git checkout.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=HUBCFG_VERSION");
    let version = std::env::var("HUBCFG_VERSION")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| std::env::var("CARGO_PKG_VERSION").unwrap());
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    // A new commit or checkout changes HEAD or the branch's ref.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &name])
            && std::path::Path::new(&path).exists()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let target = std::env::var("TARGET").unwrap();
    println!("cargo:rustc-env=HUBCFG_VERSION={version}");
    println!("cargo:rustc-env=HUBCFG_LONG_VERSION={version} (commit {commit}, {target})");
}
