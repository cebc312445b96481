//! What the repository must never carry: compiled Python bytecode (and the
//! caches it lives in), which is machine-specific and goes stale.

#[test]
fn no_compiled_python_is_tracked() {
    let out = std::process::Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("git is needed to list the tracked files");
    assert!(
        out.status.success(),
        "git ls-files failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tracked = String::from_utf8_lossy(&out.stdout);
    let compiled: Vec<&str> = tracked
        .split('\0')
        .filter(|p| p.contains("__pycache__/") || p.ends_with(".pyc"))
        .collect();
    assert!(compiled.is_empty(), "tracked bytecode: {compiled:?}");
}
