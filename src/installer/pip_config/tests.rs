use super::*;

fn file(section: &str) -> Source {
    Source::File {
        section: section.into(),
    }
}

fn env(var: &str) -> Source {
    Source::Env { var: var.into() }
}

fn setting(key: &str, value: &str, source: Source) -> PipSetting {
    PipSetting {
        key: key.into(),
        value: value.into(),
        source,
    }
}

fn value_of(listing: &str) -> String {
    let settings = parse_config_list(listing).unwrap();
    assert_eq!(settings.len(), 1, "{settings:?}");
    settings[0].value.clone()
}

#[test]
fn values_are_python_reprs_with_either_quote_and_escapes() {
    assert_eq!(value_of("global.cert='/etc/ssl/x.pem'"), "/etc/ssl/x.pem");
    assert_eq!(value_of(r#"global.proxy="it's""#), "it's");
    assert_eq!(
        value_of(r#"global.proxy='both \' and "'"#),
        r#"both ' and ""#
    );
    assert_eq!(
        value_of(r"global.extra-index-url='\nhttp://a\nhttp://b'"),
        "\nhttp://a\nhttp://b",
        "a continued value in pip.conf lists as one line with \\n"
    );
    assert_eq!(value_of(r"global.log='C:\\pip\tlog'"), "C:\\pip\tlog");
    assert_eq!(value_of(r"global.log='\x07\u00e9\U0001f600'"), "\x07é😀");
    assert_eq!(value_of("global.log='/tmp/é'"), "/tmp/é");
    assert_eq!(value_of("global.log='a=b'"), "a=b");
}

#[test]
fn env_beats_install_beats_global() {
    // As pip lists it: sorted, so `:env:` comes first.
    let listing = "\
:env:.index-url='https://env/simple'
global.cert='/global.pem'
global.index-url='https://global/simple'
global.trusted-host='global.example'
install.index-url='https://install/simple'
install.trusted-host='install.example'
";
    assert_eq!(
        parse_config_list(listing).unwrap(),
        vec![
            setting("cert", "/global.pem", file("global")),
            setting("index-url", "https://env/simple", env("PIP_INDEX_URL")),
            setting("trusted-host", "install.example", file("install")),
        ]
    );
}

#[test]
fn aliases_become_pips_long_option_name() {
    let listing = "\
:env:.default-timeout='60'
global.pypi-url='https://mirror/simple'
global.timeout='5'
install.local-log='/var/log/pip.log'
install.require-venv='yes'
install.source-dir='/src'
install.no-dependencies='1'
";
    assert_eq!(
        parse_config_list(listing).unwrap(),
        vec![
            setting("index-url", "https://mirror/simple", file("global")),
            setting("log", "/var/log/pip.log", file("install")),
            setting("no-deps", "1", file("install")),
            setting("require-virtualenv", "yes", file("install")),
            setting("src", "/src", file("install")),
            setting("timeout", "60", env("PIP_DEFAULT_TIMEOUT")),
        ]
    );
}

#[test]
fn what_pip_install_does_not_read_is_dropped() {
    let listing = "\
:env:.i='https://short/simple'
download.dest='/tmp'
freeze.all='true'
global.f='/wheels'
global.index-url=''
x=y.k='a section name may hold ='
";
    assert_eq!(parse_config_list(listing).unwrap(), vec![]);
}

#[test]
fn an_empty_value_does_not_hide_a_weaker_one() {
    let listing = ":env:.index-url=''\nglobal.index-url='https://global/simple'\n";
    assert_eq!(
        parse_config_list(listing).unwrap(),
        vec![setting(
            "index-url",
            "https://global/simple",
            file("global")
        )]
    );
}

#[test]
fn empty_output_is_no_settings() {
    assert_eq!(parse_config_list("").unwrap(), vec![]);
    assert_eq!(parse_config_list("\n  \n").unwrap(), vec![]);
}

#[test]
fn a_garbage_line_is_an_error_naming_it() {
    let err = parse_config_list("global.cert='/x'\nWARNING: something\n").unwrap_err();
    assert_eq!(err.kind, Kind::Invalid);
    assert!(
        err.message.starts_with("line 2 of `pip config list`"),
        "{}",
        err.message
    );
    assert!(
        err.message.ends_with(": WARNING: something"),
        "{}",
        err.message
    );
    for garbage in [
        "hello",
        "global.index-url=unquoted",
        "global.index-url=",
        "global.index-url='",
        "global.index-url='unterminated",
        "global.index-url='a'b'",
        r"global.index-url='bad \q escape'",
        r"global.index-url='ends in \'",
        r"global.index-url='\x4'",
        r"global.index-url='\ud800'",
        "global.index-url='é",
    ] {
        let err = parse_config_list(garbage).unwrap_err();
        assert!(err.message.contains(garbage), "{garbage}: {}", err.message);
    }
}

#[test]
fn sources_read_well_in_messages() {
    assert_eq!(file("install").to_string(), "[install] in pip's config");
    assert_eq!(env("PIP_INDEX_URL").to_string(), "PIP_INDEX_URL");
}

#[test]
#[ignore = "needs python3 with pip; scripts/test runs it"]
fn reads_real_pips_files_and_variables() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("pip.conf");
    std::fs::write(
        &conf,
        "[global]\ntrusted-host = global.example\ntimeout = 5\n\
         [install]\ntrusted-host = install.example\n\
         [freeze]\nall = true\n",
    )
    .unwrap();
    let settings = read_with(
        Path::new("/usr/bin/python3"),
        &[
            ("PIP_CONFIG_FILE", conf.to_str().unwrap()),
            ("PIP_DEFAULT_TIMEOUT", "42"),
            ("PIP_EXTRA_INDEX_URL", "https://env.example/simple"),
            // Empty: pip skips them, so this machine's own cannot interfere.
            ("PIP_TIMEOUT", ""),
            ("PIP_TRUSTED_HOST", ""),
            // Would hide the listing, or mix log lines into it.
            ("PIP_QUIET", "1"),
            ("PIP_VERBOSE", "2"),
        ],
    )
    .unwrap();
    let find = |key: &str| settings.iter().find(|s| s.key == key).cloned();
    assert_eq!(
        find("trusted-host"),
        Some(setting("trusted-host", "install.example", file("install")))
    );
    assert_eq!(
        find("timeout"),
        Some(setting("timeout", "42", env("PIP_DEFAULT_TIMEOUT")))
    );
    assert_eq!(
        find("extra-index-url"),
        Some(setting(
            "extra-index-url",
            "https://env.example/simple",
            env("PIP_EXTRA_INDEX_URL")
        ))
    );
    assert_eq!(find("all"), None, "[freeze] is not for pip install");
}

/// A stand-in for python that runs `body` (sh) whatever its arguments.
fn fake_python(dir: &Path, body: &str) -> std::path::PathBuf {
    let path = dir.join("python3");
    crate::install::testutil::script(&path, body);
    path
}

#[test]
fn a_missing_or_failing_pip_is_an_error_naming_the_command() {
    let err = read(Path::new("/nonexistent/python3")).unwrap_err();
    assert!(
        err.message
            .contains("`/nonexistent/python3 -m pip config list`"),
        "{}",
        err.message
    );
    assert_eq!(err.kind, Kind::Command);

    let dir = tempfile::tempdir().unwrap();
    let python = fake_python(dir.path(), "echo 'No module named pip' >&2; exit 1");
    let err = read(&python).unwrap_err();
    let shown = format!("{} -m pip config list", python.display());
    assert!(
        err.message.starts_with(&format!(
            "reading pip's settings: `{shown}` failed with exit code 1"
        )),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("No module named pip"),
        "{}",
        err.message
    );
    assert!(err.hint.is_some());
}

#[test]
fn garbage_from_pip_is_an_error_naming_the_command_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let python = fake_python(dir.path(), "echo \"global.cert='/x'\"; echo oops");
    let err = read(&python).unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "reading the output of `{} -m pip config list`: line 2 of `pip config list` \
             is not `section.key='value'` (no `=`): oops",
            python.display()
        )
    );
}

#[test]
fn read_with_sets_variables_for_the_pip_run_only() {
    let dir = tempfile::tempdir().unwrap();
    let python = fake_python(
        dir.path(),
        "echo \":env:.index-url='$PIP_INDEX_URL'\"; echo \":env:.quiet='$PIP_QUIET'\"",
    );
    assert_eq!(
        read_with(
            &python,
            &[
                ("PIP_INDEX_URL", "https://child/simple"),
                ("PIP_QUIET", "1")
            ]
        )
        .unwrap(),
        vec![
            setting("index-url", "https://child/simple", env("PIP_INDEX_URL")),
            setting("quiet", "0", env("PIP_QUIET")),
        ]
    );
    assert_ne!(
        std::env::var("PIP_INDEX_URL").ok().as_deref(),
        Some("https://child/simple")
    );
}
