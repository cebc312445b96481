use super::*;
use crate::install::Step;
use crate::install::testutil::{TestEnv, mode, plan_lines, run, script, try_run};
use crate::report::Recorder;
use crate::users::fake::FakeAccounts;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

// ------------------------------------------------------------ Groups

#[test]
fn groups_are_created_once() {
    let env = TestEnv::new();
    let acc = Arc::new(FakeAccounts::new(&env.sys_dir("home")));
    let step = Groups {
        accounts: Box::new(acc.clone()),
    };
    let ctx = env.ctx();
    assert_eq!(
        plan_lines(&step, &ctx),
        vec![
            "create group jupyterhub-admins",
            "create group jupyterhub-users"
        ]
    );
    run(&step, &ctx);
    assert_eq!(
        acc.calls(),
        vec!["groupadd jupyterhub-admins", "groupadd jupyterhub-users"]
    );
    assert!(step.plan(&ctx).unwrap().is_empty());
}

// ------------------------------------------------------------ Sudoers

fn sudoers_with(env: &TestEnv, visudo_body: &str) -> (Sudoers, PathBuf) {
    let bin = env.sys_dir("bin");
    let log = env.dir.path().join("visudo.log");
    script(
        &bin.join("visudo"),
        &format!("echo \"$@\" >> '{}'\n{visudo_body}", log.display()),
    );
    (
        Sudoers {
            dir: env.sys_dir("sudoers.d"),
            visudo: bin.join("visudo"),
        },
        log,
    )
}

fn dir_names(p: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(p)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn sudoers_is_validated_then_installed_0440_once() {
    let env = TestEnv::new();
    // The fake visudo checks it is given a file holding the rule.
    let (step, log) = sudoers_with(&env, "grep -q '^%jupyterhub-admins ALL' \"$2\" || exit 1");
    let ctx = env.ctx();
    assert_eq!(step.plan(&ctx).unwrap().len(), 1);
    run(&step, &ctx);
    let path = step.path();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), SUDOERS_CONTENT);
    assert_eq!(mode(&path), 0o440);
    assert!(SUDOERS_CONTENT.contains("Defaults exempt_group = jupyterhub-admins"));
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(calls.starts_with("-cf "), "{calls}");
    assert!(step.plan(&ctx).unwrap().is_empty());
    run(&step, &ctx);
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 1);
    assert_eq!(dir_names(&step.dir), vec![SUDOERS_FILE]);
}

#[test]
fn sudoers_mode_drift_is_repaired() {
    let env = TestEnv::new();
    let (step, _) = sudoers_with(&env, "exit 0");
    let ctx = env.ctx();
    run(&step, &ctx);
    std::fs::set_permissions(step.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(step.plan(&ctx).unwrap().len(), 1);
    run(&step, &ctx);
    assert_eq!(mode(&step.path()), 0o440);
}

#[test]
fn rejected_sudoers_leaves_old_file_and_shows_visudo_output() {
    let env = TestEnv::new();
    let (step, _) = sudoers_with(&env, "echo 'syntax error near line 2' >&2; exit 1");
    std::fs::write(step.path(), "# old\n").unwrap();
    let err = try_run(&step, &env.ctx()).unwrap_err();
    assert!(err.message.contains("visudo rejected"), "{}", err.message);
    assert!(
        err.message.contains("syntax error near line 2"),
        "{}",
        err.message
    );
    assert_eq!(std::fs::read_to_string(step.path()).unwrap(), "# old\n");
    assert_eq!(dir_names(&step.dir), vec![SUDOERS_FILE]);
}

#[test]
fn missing_visudo_names_the_sudo_package() {
    let env = TestEnv::new();
    let step = Sudoers {
        dir: env.sys_dir("sudoers.d"),
        visudo: env.dir.path().join("nope/visudo"),
    };
    let err = try_run(&step, &env.ctx()).unwrap_err();
    assert!(err.hint.unwrap().contains("apt-get install sudo"));
    assert!(!step.path().exists());
}

// ------------------------------------------------------------ Admins

#[test]
fn admin_specs_are_checked() {
    let s = |v: &[&str]| parse_admins(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
    assert_eq!(
        s(&["a:p:q", "b"]).unwrap(),
        vec![
            AdminSpec {
                name: "a".into(),
                password: Some("p:q".into())
            },
            AdminSpec {
                name: "b".into(),
                password: None
            }
        ]
    );
    assert!(s(&[":pw"]).is_err());
    assert!(s(&[""]).is_err());
    assert!(s(&["a:"]).unwrap_err().hint.unwrap().contains("--admin a"));
    assert!(s(&[&format!("a:{}", "x".repeat(73))]).is_err());
    assert_eq!(
        s(&["a", "a:pw"]).unwrap()[0].password.as_deref(),
        Some("pw")
    );
}

fn admins_env(admins: &[&str]) -> TestEnv {
    let mut env = TestEnv::new();
    env.args.admins = admins.iter().map(|s| s.to_string()).collect();
    env
}

#[test]
fn admins_are_appended_keeping_existing_ones_and_comments() {
    let env = admins_env(&["alice", "carol"]);
    let cfg = env.paths.config_toml();
    std::fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    let before = "# my hub\n[users]\n# teachers\nadmin = [\"bob\", \"alice\"]\n";
    std::fs::write(&cfg, before).unwrap();
    let step = Admins::default();
    let ctx = env.ctx();
    assert_eq!(
        plan_lines(&step, &ctx),
        vec![format!("add carol to users.admin in {}", cfg.display())]
    );
    let outcome = run(&step, &ctx);
    let after = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        after.starts_with("# my hub\n[users]\n# teachers\n"),
        "{after}"
    );
    let doc: toml_edit::DocumentMut = after.parse().unwrap();
    assert_eq!(
        configured_admins(&doc, &cfg).unwrap(),
        vec!["bob", "alice", "carol"]
    );
    assert_eq!(
        outcome.restart.map(|r| r.why),
        Some("users.admin changed in config.toml".to_string())
    );
    assert!(step.plan(&ctx).unwrap().is_empty());
}

#[test]
fn admins_land_where_add_item_puts_them_in_a_commented_list() {
    let before = "[users]\n# Teaching staff\nadmin = [\n    \"ada\",   # lecturer\n    \"grace\", # assistant\n    # \"linus\", (left in June)\n]\n";
    let env = admins_env(&["me"]);
    let cfg = env.paths.config_toml();
    std::fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    std::fs::write(&cfg, before).unwrap();
    run(&Admins::default(), &env.ctx());
    let mut by_add_item: toml_edit::DocumentMut = before.parse().unwrap();
    crate::config::edit::add_item(&mut by_add_item, "users.admin", "me".into()).unwrap();
    let after = std::fs::read_to_string(&cfg).unwrap();
    assert_eq!(after, by_add_item.to_string());
    assert!(
        after.contains("    \"me\",\n    # \"linus\", (left in June)\n]")
            || after.contains("    # \"linus\", (left in June)\n    \"me\",\n]"),
        "{after}"
    );
}

#[test]
fn admins_into_a_missing_config() {
    let env = admins_env(&["alice"]);
    let step = Admins::default();
    let ctx = env.ctx();
    run(&step, &ctx);
    let text = std::fs::read_to_string(env.paths.config_toml()).unwrap();
    assert_eq!(text.trim(), "[users]\nadmin = [\"alice\"]");
    assert!(step.plan(&ctx).unwrap().is_empty());
}

#[test]
fn admin_not_a_list_is_an_error_and_changes_nothing() {
    let env = admins_env(&["alice"]);
    let cfg = env.paths.config_toml();
    std::fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    std::fs::write(&cfg, "[users]\nadmin = \"bob\"\n").unwrap();
    let step = Admins::default();
    let err = step.plan(&env.ctx()).unwrap_err();
    assert!(err.message.contains("users.admin"), "{}", err.message);
    let add = [AdminAction::AddToConfig {
        name: "alice".into(),
        config: cfg.clone(),
    }];
    assert!(
        step.execute(&env.ctx(), &add, &Recorder::default())
            .is_err()
    );
    assert_eq!(
        std::fs::read_to_string(&cfg).unwrap(),
        "[users]\nadmin = \"bob\"\n"
    );
}

#[test]
fn passwords_are_to_do_while_the_hub_env_is_missing() {
    let env = admins_env(&["alice:s3cret:x"]);
    let plan = plan_lines(&Admins::default(), &env.ctx());
    assert!(
        plan.contains(&"set the FirstUseAuthenticator password of alice".to_string()),
        "{plan:?}"
    );
}

/// Needs a python3 with `bcrypt` (the hub env has it; this host may not).
/// Run: HUBCFG_TEST_PYTHON=/path/to/python3 cargo test --lib system -- --ignored
#[test]
#[ignore = "needs HUBCFG_TEST_PYTHON pointing at a python3 with bcrypt"]
fn passwords_are_set_once_and_readable_by_firstuse() {
    let python = PathBuf::from(
        std::env::var_os("HUBCFG_TEST_PYTHON")
            .expect("set HUBCFG_TEST_PYTHON to a python3 with bcrypt"),
    );
    let env = admins_env(&["alice:pa:ss word", "bob"]);
    let step = Admins {
        python: Some(python.clone()),
        ..Default::default()
    };
    let ctx = env.ctx();
    let plan = plan_lines(&step, &ctx);
    assert!(plan.contains(&"set the FirstUseAuthenticator password of alice".to_string()));
    run(&step, &ctx);
    assert!(step.plan(&ctx).unwrap().is_empty(), "second plan not empty");
    // Read it back the way FirstUseAuthenticator does.
    let check = format!(
        "import dbm,bcrypt; db=dbm.open({:?}); print(bcrypt.hashpw(b'pa:ss word', db.get('alice'.encode())) == db.get('alice'.encode()), 'bob'.encode() in db)",
        env.paths.passwords_dbm().to_str().unwrap()
    );
    let out = crate::cmd::run_checked(Command::new(&python).args(["-c", &check])).unwrap();
    assert_eq!(out.stdout.trim(), "True False");
    for e in std::fs::read_dir(env.paths.state_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
    }
    assert_eq!(mode(&env.paths.state_dir()), 0o700);
    // A changed password is planned and set again.
    let mut env2 = admins_env(&["alice:other"]);
    env2.paths = env.paths.clone();
    let ctx2 = env2.ctx();
    assert_eq!(step.plan(&ctx2).unwrap().len(), 1);
}

/// The real visudo accepts what we write (sudo is not on every dev host).
/// Run: HUBCFG_TEST_VISUDO=/usr/sbin/visudo cargo test --lib system -- --ignored
#[test]
#[ignore = "needs HUBCFG_TEST_VISUDO pointing at a real visudo"]
fn real_visudo_accepts_the_sudoers_file() {
    let visudo = PathBuf::from(
        std::env::var_os("HUBCFG_TEST_VISUDO").expect("set HUBCFG_TEST_VISUDO to a visudo"),
    );
    let env = TestEnv::new();
    let step = Sudoers {
        dir: env.sys_dir("sudoers.d"),
        visudo,
    };
    run(&step, &env.ctx());
    assert_eq!(
        std::fs::read_to_string(step.path()).unwrap(),
        SUDOERS_CONTENT
    );
    assert!(step.plan(&env.ctx()).unwrap().is_empty());
}
