//! Both environments through `PythonEnvs` with a real uv, offline: uv and
//! pip come from their wheels (`HUBCFG_TEST_UV_WHEELS`, a directory
//! tests/glue/prepare.sh fills from the package index), the packages from
//! wheels built here.

use super::tests::{make_wheel, me, offline_args, system_python, tree};
use super::*;
use crate::install::BootstrapArgs;
use crate::install::args::UserEnvKind;
use crate::install::testutil::{TestEnv, plan_lines, run};
use std::os::unix::fs::PermissionsExt;

const GIB: u64 = 1 << 30;

fn uv_wheels() -> PathBuf {
    let dir = std::env::var_os("HUBCFG_TEST_UV_WHEELS")
        .map(PathBuf::from)
        .expect("HUBCFG_TEST_UV_WHEELS: a directory with uv's wheel (scripts/test sets it)");
    let has_uv = std::fs::read_dir(&dir)
        .unwrap()
        .any(|e| e.unwrap().file_name().to_string_lossy().starts_with("uv-"));
    assert!(has_uv, "no uv wheel in {}", dir.display());
    dir
}

fn version_in(env: &Path) -> String {
    let o = Command::new(env.join("bin/python3"))
        .args(["-c", "import hubcfg_demo; print(hubcfg_demo.VERSION)"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// ENV/lib/pythonX.Y/site-packages/hubcfg_demo/__pycache__
fn pycache_of_demo(env: &Path) -> PathBuf {
    let lib = std::fs::read_dir(env.join("lib"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    lib.path().join("site-packages/hubcfg_demo/__pycache__")
}

#[test]
#[ignore = "needs /usr/bin/python3 with venv and uv's wheel in HUBCFG_TEST_UV_WHEELS; scripts/test runs it"]
fn both_envs_install_with_uv_side_by_side_then_a_rerun_changes_nothing() {
    let python = system_python();
    let t = TestEnv::with_args(BootstrapArgs {
        user_env: Some(UserEnvKind::Venv),
        ..Default::default()
    });
    let wheels = t.dir.path().join("wheels");
    std::fs::create_dir(&wheels).unwrap();
    make_wheel(&python, &wheels, "hubcfg-demo", "1.0");
    make_wheel(&python, &wheels, "hubcfg-demo", "2.0");
    let mut extra = offline_args(&wheels);
    extra.extend(["--find-links".into(), uv_wheels().display().to_string()]);
    let reqs = "hubcfg-demo>=1,<2\n";
    let mut user = UserEnv::new(python.clone(), reqs, extra.clone());
    user.owner = me();
    let mut step = PythonEnvs {
        hub: HubEnv::new(python, reqs, extra),
        user,
        memory: Some(4 * GIB),
    };
    let ctx = t.ctx();

    let plan = plan_lines(&step, &ctx);
    assert!(
        plan.contains(&"hub: install uv into hub/ with pip".to_string()),
        "{plan:?}"
    );
    let first = run(&step, &ctx);
    assert!(first.changed && first.restart.is_some(), "{first:?}");
    assert_eq!(first.summary.as_deref(), Some("with uv, side by side"));
    assert!(
        first.lines[0].starts_with("hub: created hub/ and installed"),
        "{:?}",
        first.lines
    );
    assert!(
        first.lines[1].starts_with("user: created user/ and installed"),
        "{:?}",
        first.lines
    );
    assert!(installer::uv_exe(&t.paths.hub_env()).exists());
    assert_eq!(
        version_in(&t.paths.hub_env()),
        "1.0",
        "2.0 is outside the range"
    );
    assert_eq!(version_in(&t.paths.user_env()), "1.0");
    assert!(
        t.paths.user_env().join("bin/pip").exists(),
        "pip came with the packages"
    );
    // The hub, run by root, compiles its own .pyc files at first import.
    let hub_site = pycache_of_demo(&t.paths.hub_env());
    assert!(
        !hub_site.exists(),
        "{} compiled at install",
        hub_site.display()
    );
    // Bytecode compiled at install time: users cannot write it later.
    let site = pycache_of_demo(&t.paths.user_env());
    assert!(
        site.is_dir(),
        "no {}: users cannot write .pyc files",
        site.display()
    );
    assert_eq!(permission_fixes(&t.paths.user_env(), me()).unwrap(), 0);
    for env in [t.paths.hub_env(), t.paths.user_env()] {
        let lock = std::fs::metadata(installer::uv_lock(&env)).unwrap();
        assert_eq!(
            lock.permissions().mode() & 0o777,
            0o600,
            "uv's lock in {}",
            env.display()
        );
    }

    // A re-run (here one environment after the other, as on a small
    // machine) checks for upgrades and changes nothing.
    step.memory = Some(GIB);
    assert_eq!(
        plan_lines(&step, &ctx),
        vec![
            "hub: check for upgrades within the pinned ranges",
            "user: check for upgrades within the pinned ranges"
        ]
    );
    let before = tree(&t.paths.prefix);
    let again = run(&step, &ctx);
    assert!(!again.changed, "{again:?}");
    assert_eq!(again.restart, None);
    assert_eq!(
        again.summary.as_deref(),
        Some("no upgrades within the pinned ranges; checked with uv")
    );
    assert!(
        tree(&t.paths.prefix) == before,
        "a re-run wrote into the prefix"
    );
}
