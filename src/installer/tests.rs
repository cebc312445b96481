use super::*;
use crate::cmd::to_shell;

fn uv_with(args: &[&str], env: &[(&str, &str)]) -> Installer {
    Installer::from_translation(
        Translation::Uv(UvSettings {
            args: args.iter().map(|s| s.to_string()).collect(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }),
        Path::new("/p/hub/bin/uv"),
        None,
    )
}

fn env_of(c: &Command, key: &str) -> Option<Option<String>> {
    c.get_envs()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.map(|v| v.to_string_lossy().into_owned()))
}

#[test]
fn uv_install_carries_the_translated_settings_and_compiles_bytecode() {
    let i = uv_with(&["--no-index"], &[("SSL_CERT_FILE", "/etc/ca.pem")]);
    let mut c = i.command(Path::new("/p/user/bin/python3"), "install");
    c.arg("--upgrade");
    assert_eq!(
        to_shell(&c),
        "/p/hub/bin/uv pip install --python /p/user/bin/python3 --no-config --no-index --upgrade"
    );
    assert_eq!(
        env_of(&c, "SSL_CERT_FILE"),
        Some(Some("/etc/ca.pem".into()))
    );
    assert_eq!(
        env_of(&c, "UV_PYTHON_DOWNLOADS"),
        Some(Some("never".into()))
    );
    assert_eq!(i.describe(), "uv");
}

#[test]
fn uv_freeze_gets_no_install_settings() {
    let i = uv_with(&["--no-index"], &[]);
    let c = i.command(Path::new("/p/hub/bin/python3"), "freeze");
    assert_eq!(
        to_shell(&c),
        "/p/hub/bin/uv pip freeze --python /p/hub/bin/python3 --no-config"
    );
}

#[test]
fn uv_variables_of_the_caller_do_not_reach_uv_but_its_cache_dir_does() {
    let names = ["UV_INDEX_URL", "UV_CACHE_DIR", "PATH", "UV_NATIVE_TLS"].map(String::from);
    assert_eq!(
        uv_variables_to_drop(names.into_iter()),
        vec!["UV_INDEX_URL", "UV_NATIVE_TLS"]
    );
}

#[test]
fn pip_gets_the_index_url_on_install_only_in_its_environment_and_lists_everything() {
    let i = Installer::pip(Some("https://ann:pw@mirror/simple"));
    let c = i.command(Path::new("/py"), "install");
    assert_eq!(to_shell(&c), "/py -m pip install --no-input");
    assert_eq!(
        env_of(&c, "PIP_INDEX_URL"),
        Some(Some("https://ann:pw@mirror/simple".into()))
    );
    let c = i.command(Path::new("/py"), "freeze");
    assert_eq!(to_shell(&c), "/py -m pip freeze --no-input");
    assert_eq!(env_of(&c, "PIP_INDEX_URL"), None);
    assert_eq!(i.describe(), "pip");
}

#[test]
fn an_untranslatable_setting_means_pip_with_the_reason() {
    let i = Installer::from_translation(
        Translation::Pip {
            reason: "pip's `use-feature = truststore` has no uv equivalent".into(),
        },
        Path::new("/p/hub/bin/uv"),
        Some("https://mirror/simple"),
    );
    assert_eq!(
        i.describe(),
        "pip (not uv: pip's `use-feature = truststore` has no uv equivalent)"
    );
    let c = i.command(Path::new("/py"), "install");
    assert!(
        to_shell(&c).starts_with("/py -m pip install"),
        "{}",
        to_shell(&c)
    );
    assert_eq!(
        env_of(&c, "PIP_INDEX_URL"),
        Some(Some("https://mirror/simple".into()))
    );
}

#[test]
fn the_uv_range_is_a_bounded_requirement() {
    let req: Vec<&str> = UV_REQUIREMENTS
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .collect();
    assert_eq!(req.len(), 1, "{req:?}");
    assert!(
        req[0].starts_with("uv>=") && req[0].contains(",<"),
        "{}",
        req[0]
    );
}
