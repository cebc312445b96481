use super::*;
use crate::install::testutil::{TestEnv, assert_idempotent, plan_lines, run};

#[test]
fn config_dirs_are_created_private_and_config_kept() {
    let t = TestEnv::new();
    let ctx = t.ctx();
    let plan = plan_lines(&ConfigDirs, &ctx);
    assert_eq!(plan.len(), 6);
    assert_eq!(
        plan[0],
        format!("create {}/ (mode 755)", t.paths.prefix.display())
    );
    assert_eq!(plan[1], "create config/ (mode 700)");
    assert_idempotent(&ConfigDirs, &ctx);
    for d in [
        "config",
        "config/jupyterhub_config.d",
        "config/traefik_config.d",
        "state",
    ] {
        assert_eq!(mode_of(&t.paths.prefix.join(d)), Some(0o700), "{d}");
    }
    assert_eq!(mode_of(&t.paths.config_toml()), Some(0o600));
    // The user's own config survives a re-run byte for byte.
    std::fs::write(t.paths.config_toml(), "[users]\nadmin = [\"me\"] # mine\n").unwrap();
    std::fs::set_permissions(t.paths.state_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(
        plan_lines(&ConfigDirs, &ctx),
        vec!["set mode of state/ from 755 to 700"]
    );
    assert_idempotent(&ConfigDirs, &ctx);
    assert_eq!(
        std::fs::read_to_string(t.paths.config_toml()).unwrap(),
        "[users]\nadmin = [\"me\"] # mine\n"
    );
}

#[test]
fn default_config_is_valid_toml_with_no_settings() {
    let t: toml::Table = DEFAULT_CONFIG_TOML.parse().unwrap();
    assert!(t.is_empty(), "the default config only has comments");
}

#[test]
fn self_install_copies_when_bytes_differ() {
    let t = TestEnv::new();
    let ctx = t.ctx();
    let src = t.dir.path().join("hubcfg-new");
    std::fs::write(&src, b"binary v1").unwrap();
    let step = SelfInstall {
        source: Some(src.clone()),
    };
    let first = assert_idempotent(&step, &ctx);
    assert_eq!(first.restart, None, "a new binary needs no restart");
    assert_eq!(std::fs::read(t.paths.hubcfg_bin()).unwrap(), b"binary v1");
    assert_eq!(mode_of(&t.paths.hubcfg_bin()), Some(0o755));
    std::fs::write(&src, b"binary v2").unwrap();
    assert!(plan_lines(&step, &ctx)[0].starts_with("update bin/hubcfg"));
    assert_eq!(assert_idempotent(&step, &ctx).restart, None);
    // Running the installed copy itself: nothing to copy.
    let step = SelfInstall {
        source: Some(t.paths.hubcfg_bin()),
    };
    assert!(step.plan(&ctx).unwrap().is_empty());
    // A wrong mode on the installed copy is fixed, nothing else.
    std::fs::set_permissions(t.paths.hubcfg_bin(), std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(
        plan_lines(&step, &ctx),
        vec!["set mode of bin/hubcfg from 700 to 755"]
    );
    assert_idempotent(&step, &ctx);
    assert_eq!(mode_of(&t.paths.hubcfg_bin()), Some(0o755));
}

#[test]
fn glue_copy_sets_restart_only_when_changed() {
    let t = TestEnv::new();
    let ctx = t.ctx();
    let first = assert_idempotent(&HubGlue, &ctx);
    assert_eq!(
        first.restart,
        Restart::because("hub/etc/jupyterhub_config.py changed")
    );
    assert_eq!(mode_of(&t.paths.jupyterhub_config_py()), Some(0o644));
    // Re-run: nothing planned, so the runner executes nothing.
    assert!(HubGlue.plan(&ctx).unwrap().is_empty());
    std::fs::write(t.paths.jupyterhub_config_py(), "edited").unwrap();
    assert_eq!(
        plan_lines(&HubGlue, &ctx),
        vec!["update hub/etc/jupyterhub_config.py"]
    );
    assert!(run(&HubGlue, &ctx).restart.is_some());
    // Only the mode wrong: fixed.
    std::fs::set_permissions(
        t.paths.jupyterhub_config_py(),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    assert_eq!(
        plan_lines(&HubGlue, &ctx),
        vec!["set mode of hub/etc/jupyterhub_config.py to 644"]
    );
    assert_idempotent(&HubGlue, &ctx);
}
