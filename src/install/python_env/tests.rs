//! Real venvs and a real pip, offline: packages come from wheels built in a
//! temp dir (`--no-index --find-links`), so these tests need python3 with
//! venv but no network.

use super::*;
use crate::install::BootstrapArgs;
use crate::install::Step;
use crate::install::args::UserEnvKind;
use crate::install::testutil::{TestEnv, plan_lines, run, try_run};
use std::os::unix::fs::{MetadataExt, PermissionsExt};

pub(super) const MAKE_WHEEL: &str = r#"
import sys, zipfile, hashlib, base64
out, name, version = sys.argv[1:4]
mod = name.replace("-", "_")
dist = f"{mod}-{version}"
files = {
    f"{mod}/__init__.py": f"VERSION = {version!r}\n",
    f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: hubcfg-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
with zipfile.ZipFile(f"{out}/{dist}-py3-none-any.whl", "w") as z:
    for path, text in files.items():
        data = text.encode()
        z.writestr(path, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist}.dist-info/RECORD,,")
    z.writestr(f"{dist}.dist-info/RECORD", "\n".join(record) + "\n")
"#;

/// The python that creates the venvs: the system one, which the tests that
/// use it need (they are ignored by plain `cargo test`).
pub(super) fn system_python() -> PathBuf {
    let p = PathBuf::from(crate::install::apt::SYSTEM_PYTHON);
    let ok = Command::new(&p)
        .args(["-c", "import venv, ensurepip"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(ok, "{} with venv and ensurepip is needed", p.display());
    p
}

pub(super) fn make_wheel(python: &Path, dir: &Path, name: &str, version: &str) {
    let st = Command::new(python)
        .args(["-c", MAKE_WHEEL])
        .arg(dir)
        .args([name, version])
        .status()
        .unwrap();
    assert!(st.success());
}

pub(super) fn offline_args(wheels: &Path) -> Vec<String> {
    vec![
        "--no-index".into(),
        "--find-links".into(),
        wheels.display().to_string(),
    ]
}

/// Every path under `root` with its size, mode and mtime: equal snapshots
/// mean no file was written.
pub(super) fn tree(root: &Path) -> Vec<(PathBuf, u64, u32, std::time::SystemTime)> {
    let mut out = vec![];
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let m = std::fs::symlink_metadata(&p).unwrap();
        out.push((p.clone(), m.len(), m.mode(), m.modified().unwrap()));
        if m.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        }
    }
    out.sort();
    out
}

pub(super) fn freeze(python: &Path) -> Result<BTreeSet<String>> {
    Installer::pip(None).freeze(python)
}

/// Args for the offline tests: pip (uv has its own tests below).
pub(super) fn pip_args() -> BootstrapArgs {
    BootstrapArgs {
        installer: crate::installer::Choice::Pip,
        ..Default::default()
    }
}

pub(super) fn me() -> (u32, u32) {
    (
        nix::unistd::geteuid().as_raw(),
        nix::unistd::getegid().as_raw(),
    )
}

#[test]
#[ignore = "needs /usr/bin/python3 with venv and ensurepip; scripts/test runs it"]
fn hub_env_installs_then_rerun_changes_nothing_then_upgrades_within_range() {
    let python = system_python();
    let t = TestEnv::with_args(pip_args());
    let wheels = t.dir.path().join("wheels");
    std::fs::create_dir(&wheels).unwrap();
    make_wheel(&python, &wheels, "hubcfg-demo", "1.0");
    make_wheel(&python, &wheels, "hubcfg-demo", "2.0");
    let step = HubEnv::new(python.clone(), "hubcfg-demo>=1,<2\n", offline_args(&wheels));
    let ctx = t.ctx();

    let plan = plan_lines(&step, &ctx);
    assert_eq!(plan.len(), 3, "{plan:?}");
    assert!(plan[0].starts_with("create a venv in hub/"));
    assert!(plan[2].starts_with("install hubcfg's Python package (hubcfg-hub "));
    let first = run(&step, &ctx);
    assert!(first.restart.is_some());
    assert!(first.changed);
    let hub_py = t.paths.hub_python();
    // hubcfg's own package: importable, and pip knows it with its version.
    let show = Command::new(&hub_py)
        .args(["-I", "-m", "pip", "show", "hubcfg-hub"])
        .output()
        .unwrap();
    let show = String::from_utf8_lossy(&show.stdout);
    assert!(
        show.contains(&format!("Version: {}", env!("CARGO_PKG_VERSION"))),
        "{show}"
    );
    let imported = Command::new(&hub_py)
        .args(["-I", "-c", "import hubcfg_hub.config_yaml"])
        .status()
        .unwrap();
    assert!(imported.success());
    let version = |py: &Path| {
        let o = Command::new(py)
            .args(["-c", "import hubcfg_demo; print(hubcfg_demo.VERSION)"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    assert_eq!(version(&hub_py), "1.0", "2.0 is outside the range");

    // Second run: only the upgrade check; nothing changes, no restart.
    assert_eq!(
        plan_lines(&step, &ctx),
        vec!["check for upgrades within the pinned ranges"]
    );
    let freeze_before = freeze(&hub_py).unwrap();
    let before = tree(&t.paths.hub_env());
    let again = run(&step, &ctx);
    assert_eq!(again.restart, None, "nothing changed: no restart");
    assert!(!again.changed);
    assert_eq!(freeze(&hub_py).unwrap(), freeze_before);
    assert!(
        tree(&t.paths.hub_env()) == before,
        "a re-run wrote into hub/"
    );

    // A new release within the range is picked up on re-run.
    make_wheel(&python, &wheels, "hubcfg-demo", "1.1");
    let upgraded = run(&step, &ctx);
    assert!(upgraded.restart.is_some());
    assert_eq!(
        upgraded.summary.as_deref(),
        Some("installed or upgraded 1 packages")
    );
    assert_eq!(version(&hub_py), "1.1");

    // Changed requirements are planned as an install, not just a check.
    let changed = HubEnv::new(
        python.clone(),
        "hubcfg-demo>=1.1,<2\n",
        offline_args(&wheels),
    );
    assert_eq!(
        plan_lines(&changed, &ctx),
        vec!["install hub packages from the pinned requirement ranges"]
    );

    // A pip failure names the command and shows pip's output; the stamp of
    // the last good install stays, so the next plan still says "install".
    let broken = HubEnv::new(python, "hubcfg-missing-pkg\n", offline_args(&wheels));
    let e = try_run(&broken, &ctx).unwrap_err();
    assert!(e.message.contains("installing the hub packages"), "{e}");
    assert!(
        e.message.contains("-m pip install --no-input --upgrade -r"),
        "{e}"
    );
    assert!(e.message.contains("hubcfg-missing-pkg"), "output tail: {e}");
    assert_eq!(
        plan_lines(&broken, &ctx),
        vec!["install hub packages from the pinned requirement ranges"]
    );
}

#[test]
#[ignore = "needs /usr/bin/python3 with venv and ensurepip; scripts/test runs it"]
fn user_env_venv_mode_requirements_url_and_permissions() {
    let python = system_python();
    let mut t = TestEnv::with_args(BootstrapArgs {
        installer: crate::installer::Choice::Pip,
        user_env: Some(UserEnvKind::Venv),
        ..Default::default()
    });
    let wheels = t.dir.path().join("wheels");
    std::fs::create_dir(&wheels).unwrap();
    make_wheel(&python, &wheels, "hubcfg-demo", "1.0");
    make_wheel(&python, &wheels, "hubcfg-extra", "1.0");
    let mut step = UserEnv::new(python, "hubcfg-demo>=1,<2\n", offline_args(&wheels));
    step.owner = me();
    {
        let ctx = t.ctx();
        let plan = plan_lines(&step, &ctx);
        assert!(plan[0].starts_with("create a venv in user/"), "{plan:?}");
        let first = run(&step, &ctx);
        assert_eq!(first.restart, None, "user packages need no hub restart");
        assert_eq!(
            plan_lines(&step, &ctx),
            vec!["check for upgrades within the pinned ranges"]
        );
        assert_eq!(permission_fixes(&t.paths.user_env(), me()).unwrap(), 0);
        let before = tree(&t.paths.user_env());
        assert!(!run(&step, &ctx).changed);
        assert!(
            tree(&t.paths.user_env()) == before,
            "a re-run wrote into user/"
        );

        // A group-writable file is found and fixed, and only it.
        let f = t.paths.user_env().join("pyvenv.cfg");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o664)).unwrap();
        let plan = plan_lines(&step, &ctx);
        assert!(
            plan[1].starts_with("fix owner/permissions of 1 paths"),
            "{plan:?}"
        );
        let fixed = run(&step, &ctx);
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o644
        );
        assert!(
            fixed
                .summary
                .unwrap()
                .contains("fixed permissions of 1 paths")
        );
    }

    // --user-requirements-txt-url: a working file installs.
    let reqs = t.dir.path().join("extra.txt");
    std::fs::write(&reqs, "hubcfg-extra\n").unwrap();
    t.args.user_requirements_txt_url = Some(reqs.display().to_string());
    assert_eq!(
        run(&step, &t.ctx()).summary.as_deref(),
        Some("installed or upgraded 1 packages")
    );
    let ok = Command::new(t.paths.user_env().join("bin/python3"))
        .args(["-c", "import hubcfg_extra"])
        .status()
        .unwrap();
    assert!(ok.success());

    // A broken one is an error naming it, or a warning when allowed.
    let bad = t
        .dir
        .path()
        .join("no-such-requirements.txt")
        .display()
        .to_string();
    t.args.user_requirements_txt_url = Some(bad.clone());
    let e = try_run(&step, &t.ctx()).unwrap_err();
    assert!(e.message.contains(&bad), "{e}");
    assert!(e.hint.unwrap().contains("--allow-requirements-failure"));
    t.args.allow_requirements_failure = true;
    let report = run(&step, &t.ctx());
    assert_eq!(report.warnings.len(), 1);
    assert!(report.warnings[0].contains(&bad));
}

#[test]
fn user_env_refuses_to_mix_kinds_or_clobber() {
    let t = TestEnv::new(); // --user-env conda (the default)
    let user = t.paths.user_env();
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(user.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    let step = UserEnv::default();
    let e = step.plan(&t.ctx()).unwrap_err();
    assert!(
        e.message.contains("is a venv") && e.message.contains("--user-env conda"),
        "{e}"
    );
    assert!(e.hint.unwrap().contains("--user-env venv"));

    std::fs::remove_file(user.join("pyvenv.cfg")).unwrap();
    std::fs::write(user.join("precious.txt"), "data").unwrap();
    let e = try_run(&step, &t.ctx()).unwrap_err();
    assert!(e.message.contains("refusing to overwrite"), "{e}");
    assert_eq!(
        std::fs::read_to_string(user.join("precious.txt")).unwrap(),
        "data"
    );
}

#[test]
fn stamp_and_freeze_diff() {
    assert_ne!(
        stamp_for("a", None, &[]),
        stamp_for("a", Some("https://x"), &[])
    );
    assert_eq!(stamp_for("a", None, &[]), stamp_for("a", None, &[]));
    let before: BTreeSet<String> = ["a==1".into(), "b==1".into()].into();
    let after: BTreeSet<String> = ["a==2".into(), "b==1".into(), "c==1".into()].into();
    assert_eq!(changed_packages(&before, &after), 2);
    assert_eq!(changed_packages(&after, &after), 0);
}

/// The real hub and user requirement lists from PyPI (or the machine's pip
/// config), twice: the second run must change nothing. Needs network and a
/// few minutes, so it only runs on request:
/// `cargo test --lib real_pypi -- --ignored`.
#[test]
#[ignore = "downloads ~180 packages from the package index; run with --ignored"]
fn real_pypi_hub_and_user_envs_install_then_rerun_changes_nothing() {
    let python = system_python();
    let t = TestEnv::with_args(BootstrapArgs {
        user_env: Some(UserEnvKind::Venv),
        ..Default::default()
    });
    let ctx = t.ctx();
    let hub = HubEnv::new(python.clone(), HUB_REQUIREMENTS, vec![]);
    run(&hub, &ctx);
    let ok = Command::new(t.paths.hub_python())
        .args([
            "-c",
            "import jupyterhub, systemdspawner, firstuseauthenticator, nativeauthenticator, \
             ldapauthenticator, tmpauthenticator, oauthenticator, jupyterhub_idle_culler, \
             jupyterhub_traefik_proxy, bcrypt; print(jupyterhub.__version__)",
        ])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("5."));
    let again = run(&hub, &ctx);
    assert_eq!(again.restart, None);
    assert!(!again.changed);

    let mut user = UserEnv::new(python, USER_REQUIREMENTS, vec![]);
    user.owner = me();
    run(&user, &ctx);
    let jl = t.paths.user_env().join("bin/jupyter-lab");
    assert!(jl.exists(), "jupyter-lab installed");
    assert!(!run(&user, &ctx).changed);
    assert_eq!(permission_fixes(&t.paths.user_env(), me()).unwrap(), 0);
}

/// Conda mode through the real `install::miniforge` with a fake Miniforge
/// installer (a script that makes a venv plus conda-meta/ and bin/conda),
/// given by --miniforge-url (a local path) and --miniforge-sha256.
#[test]
#[ignore = "needs /usr/bin/python3 with venv and ensurepip; scripts/test runs it"]
fn user_env_conda_mode_with_a_fake_miniforge() {
    let python = system_python();
    let tmp = tempfile::tempdir().unwrap();
    let installer = tmp.path().join("Miniforge3-fake.sh");
    std::fs::write(
        &installer,
        format!(
            "#!/bin/bash\nset -e\nwhile [ $# -gt 0 ]; do case \"$1\" in -p) DEST=\"$2\"; shift;; esac; shift; done\n\
             {} -m venv \"$DEST\"\nmkdir -p \"$DEST/conda-meta\"\n\
             printf '#!/bin/sh\\necho conda 24.7.1\\n' > \"$DEST/bin/conda\"\nchmod 755 \"$DEST/bin/conda\"\n",
            python.display()
        ),
    )
    .unwrap();
    let sha = hex::encode(Sha256::digest(std::fs::read(&installer).unwrap()));
    let t = TestEnv::with_args(BootstrapArgs {
        installer: crate::installer::Choice::Pip,
        user_env: Some(UserEnvKind::Conda),
        miniforge_url: Some(installer.display().to_string()),
        miniforge_sha256: Some(sha),
        ..Default::default()
    });
    let wheels = t.dir.path().join("wheels");
    std::fs::create_dir(&wheels).unwrap();
    make_wheel(&python, &wheels, "hubcfg-demo", "1.0");
    let mut step = UserEnv::new(python, "hubcfg-demo>=1,<2\n", offline_args(&wheels));
    step.owner = me();
    let ctx = t.ctx();
    let plan = plan_lines(&step, &ctx);
    assert!(plan[0].contains("Miniforge"), "{plan:?}");
    assert!(run(&step, &ctx).changed);
    assert!(t.paths.user_env().join("conda-meta").is_dir());
    let plan = plan_lines(&step, &ctx);
    assert_eq!(plan, vec!["check for upgrades within the pinned ranges"]);
    assert!(!run(&step, &ctx).changed);
}
