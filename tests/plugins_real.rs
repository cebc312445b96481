//! TLJH plugins run by the real hook runner (hubcfg_hub.plugins, through
//! `hubcfg::plugins::hooks`) with real pluggy, in a real venv into which
//! pip installed tests/fixtures/plugins/hubcfg-test-plugin from its
//! pyproject, offline (pluggy's and setuptools' wheels from
//! HUBCFG_TEST_PLUGIN_WHEELS, which tests/glue/prepare.sh makes; scripts/test
//! runs it). Ignored by plain `cargo test`; without the variable the
//! ignored test fails rather than passing without checking anything.

use hubcfg::paths::Paths;
use hubcfg::plugins::{config_diff, hooks};
use serde_json::json;
use std::path::Path;
use std::process::Command;

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A prefix whose hub/ is a venv with pluggy and the test plugin.
fn prefix_with_plugin(dir: &Path) -> Paths {
    let wheels = std::env::var_os("HUBCFG_TEST_PLUGIN_WHEELS").expect(
        "HUBCFG_TEST_PLUGIN_WHEELS: pluggy's and setuptools' wheels (tests/glue/prepare.sh)",
    );
    let paths = Paths::new(dir);
    std::fs::create_dir_all(paths.state_dir()).unwrap();
    run(Command::new("/usr/bin/python3")
        .args(["-m", "venv"])
        .arg(paths.hub_env()));
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plugins/hubcfg-test-plugin");
    // A copy: building writes into the source tree.
    let src = dir.join("plugin-src");
    std::fs::create_dir_all(&src).unwrap();
    for f in ["pyproject.toml", "hubcfg_test_plugin.py"] {
        std::fs::copy(fixture.join(f), src.join(f)).unwrap();
    }
    run(Command::new(paths.hub_python())
        .args(["-m", "pip", "install", "-q", "--no-index", "--find-links"])
        .arg(&wheels)
        .arg("pluggy")
        .arg(&src)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1"));
    paths
}

const ALL_HOOKS: [&str; 9] = [
    "tljh_config_post_install",
    "tljh_custom_jupyterhub_config",
    "tljh_extra_apt_packages",
    "tljh_extra_hub_pip_packages",
    "tljh_extra_user_conda_channels",
    "tljh_extra_user_conda_packages",
    "tljh_extra_user_pip_packages",
    "tljh_new_user_create",
    "tljh_post_install",
];

#[test]
#[ignore = "needs HUBCFG_TEST_PLUGIN_WHEELS (tests/glue/prepare.sh); scripts/test runs it"]
fn the_runner_loads_the_plugin_runs_its_hooks_in_state_and_names_it_when_it_raises() {
    let dir = tempfile::tempdir().unwrap();
    let paths = prefix_with_plugin(dir.path());

    let plugins = hooks::describe(&paths).unwrap();
    assert_eq!(plugins.len(), 1, "{plugins:?}");
    assert_eq!(plugins[0]["name"], "hubcfg_test");
    assert_eq!(plugins[0]["dist"], "hubcfg-test-plugin");
    assert_eq!(plugins[0]["version"], "0.1.0");
    assert_eq!(plugins[0]["hooks"], json!(ALL_HOOKS));

    // Lists merged, duplicates dropped.
    let list = |h| hooks::call_list(&paths, h).unwrap();
    assert_eq!(
        list("tljh_extra_user_conda_packages"),
        ["hubcfg-test-conda-package"]
    );
    assert_eq!(
        list("tljh_extra_user_conda_channels"),
        ["hubcfg-test-channel"]
    );
    assert_eq!(list("tljh_extra_apt_packages"), ["hello"]);
    assert_eq!(list("tljh_extra_hub_pip_packages"), ["tabulate"]);
    assert_eq!(list("tljh_extra_user_pip_packages"), ["cowsay"]);

    // tljh_config_post_install's dict, written back with comments kept.
    let config = paths.config_toml();
    std::fs::create_dir_all(paths.config_dir()).unwrap();
    std::fs::write(&config, "# my hub\n[http]\nport = 8080 # ours\n").unwrap();
    let old = hubcfg::config::load::Loaded::read(&config).unwrap().user();
    let reply = hooks::call(&paths, "tljh_config_post_install", json!({ "config": old })).unwrap();
    let edits = config_diff::diff(&old, &reply["config"]);
    assert!(config_diff::apply(&config, &edits).unwrap().changed());
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "# my hub\n[http]\nport = 8080 # ours\n\n[Test]\ntljh_config_set_by_hubcfg_test_plugin = true\n"
    );

    // Every hook ran with cwd = state/.
    let state = paths.state_dir();
    let log = std::fs::read_to_string(state.join("hubcfg-test-plugin.log")).unwrap();
    for line in log.lines() {
        let cwd = line.split(' ').nth(1).unwrap();
        assert_eq!(Path::new(cwd), state, "{line}");
    }
    assert!(log.contains("tljh_config_post_install "), "{log}");

    // tljh.configurer.load_config asks this prefix's hubcfg.
    std::fs::create_dir_all(paths.bin_dir()).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_hubcfg"), paths.hubcfg_bin()).unwrap();
    hooks::call(&paths, "tljh_post_install", json!({})).unwrap();
    let log = std::fs::read_to_string(state.join("hubcfg-test-plugin.log")).unwrap();
    let post = log
        .lines()
        .find(|l| l.starts_with("tljh_post_install "))
        .unwrap();
    let facts: serde_json::Value =
        serde_json::from_str(post.splitn(3, ' ').nth(2).unwrap()).unwrap();
    assert_eq!(facts["config_file"], json!(config.display().to_string()));
    assert_eq!(facts["state_dir"], json!(state.display().to_string()));
    assert_eq!(facts["http.port"], 8080);
    assert_eq!(
        facts["account"],
        hubcfg::username::unix_name("Jane.Doe").unwrap()
    );

    // A raising hook: the error names the plugin and the traceback's end.
    std::fs::write(state.join("hubcfg-test-plugin.fail"), "tljh_post_install").unwrap();
    let e = hooks::call(&paths, "tljh_post_install", json!({})).unwrap_err();
    assert!(
        e.message
            .contains("the plugin hubcfg_test (hubcfg-test-plugin 0.1.0) failed"),
        "{e}"
    );
    assert!(
        e.message
            .contains("RuntimeError: hubcfg-test-plugin was told to fail in tljh_post_install"),
        "{e}"
    );
    assert!(e.hint.unwrap().contains("sudo hubcfg plugins remove"));
}
