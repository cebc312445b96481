use super::*;
use crate::installer::pip_config::{Source, parse_config_list};

fn from_env(key: &str, value: &str) -> PipSetting {
    let var = format!("PIP_{}", key.to_uppercase().replace('-', "_"));
    PipSetting {
        key: key.into(),
        value: value.into(),
        source: Source::Env { var },
    }
}

fn uv(settings: &[PipSetting]) -> UvSettings {
    match translate(settings, None) {
        Translation::Uv(uv) => uv,
        Translation::Pip { reason } => panic!("fell back to pip: {reason}"),
    }
}

fn args(settings: &[PipSetting]) -> Vec<String> {
    uv(settings).args
}

fn env(settings: &[PipSetting]) -> Vec<(String, String)> {
    uv(settings).env
}

fn reason(settings: &[PipSetting]) -> String {
    match translate(settings, None) {
        Translation::Pip { reason } => reason,
        Translation::Uv(uv) => panic!("translated: {uv:?}"),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_pip_config_with_every_translated_setting_gives_uvs() {
    let listing = "\
:env:.cert='/etc/ssl/corp.pem'
:env:.default-timeout='60'
:env:.disable-pip-version-check='1'
global.cache-dir='/var/cache/pip'
global.client-cert='/etc/ssl/me.pem'
global.extra-index-url='https://extra1/simple\\nhttps://extra2/simple https://extra1/simple'
global.find-links='/opt/wheels /srv/wheels'
global.index-url='https://mirror/simple'
global.no-cache-dir='true'
global.proxy='http://proxy:3128'
global.retries='3'
global.trusted-host='mirror extra1:8443'
install.no-index='yes'
install.progress-bar='off'
";
    let settings = parse_config_list(listing).unwrap();
    let expected = UvSettings {
        args: strings(&[
            "--index-strategy",
            "unsafe-best-match",
            "--find-links",
            "/opt/wheels",
            "--find-links",
            "/srv/wheels",
            "--allow-insecure-host",
            "mirror",
            "--allow-insecure-host",
            "extra1:8443",
            "--no-index",
            "--no-cache",
        ]),
        env: pairs(&[
            ("ALL_PROXY", "http://proxy:3128"),
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("HTTP_PROXY", "http://proxy:3128"),
            ("SSL_CERT_FILE", "/etc/ssl/corp.pem"),
            ("SSL_CLIENT_CERT", "/etc/ssl/me.pem"),
            ("UV_HTTP_RETRIES", "3"),
            ("UV_HTTP_TIMEOUT", "60"),
            ("UV_INDEX_URL", "https://mirror/simple"),
            (
                "UV_EXTRA_INDEX_URL",
                "https://extra1/simple https://extra2/simple",
            ),
        ]),
    };
    assert_eq!(translate(&settings, None), Translation::Uv(expected));
}

#[test]
fn an_untranslatable_pip_config_falls_back_to_pip_with_its_reason() {
    let listing = ":env:.use-feature='truststore'\nglobal.index-url='https://mirror/simple'\n";
    let settings = parse_config_list(listing).unwrap();
    assert_eq!(
        translate(&settings, None),
        Translation::Pip {
            reason: "pip's `use-feature = truststore` (PIP_USE_FEATURE) has no uv equivalent"
                .into()
        }
    );
}

#[test]
fn no_settings_is_uv_as_it_is() {
    assert_eq!(translate(&[], None), Translation::Uv(UvSettings::default()));
}

#[test]
fn the_index_url_flag_wins_over_pips_and_no_index_url_is_in_argv() {
    let index = |t: Translation| match t {
        Translation::Uv(uv) => {
            assert!(!uv.args.iter().any(|a| a.contains("index-url")), "{uv:?}");
            uv.env
        }
        Translation::Pip { reason } => panic!("{reason}"),
    };
    let pips = [from_env("index-url", "https://pips/simple")];
    let url = |u: &str| pairs(&[("UV_INDEX_URL", u)]);
    assert_eq!(index(translate(&pips, None)), url("https://pips/simple"));
    let flag = Some("https://flag/simple");
    assert_eq!(index(translate(&pips, flag)), url("https://flag/simple"));
    assert_eq!(index(translate(&[], flag)), url("https://flag/simple"));
}

#[test]
fn extra_index_urls_in_one_variable_with_pips_best_match_strategy() {
    let extra = [from_env(
        "extra-index-url",
        " https://a/simple\thttps://b/simple https://a/simple ",
    )];
    assert_eq!(
        args(&extra),
        strings(&["--index-strategy", "unsafe-best-match"])
    );
    assert_eq!(
        env(&extra),
        pairs(&[("UV_EXTRA_INDEX_URL", "https://a/simple https://b/simple")])
    );
    assert_eq!(args(&[from_env("extra-index-url", "  ")]), strings(&[]));
    assert_eq!(env(&[from_env("extra-index-url", "  ")]), pairs(&[]));
}

#[test]
fn find_links_and_trusted_hosts_each() {
    assert_eq!(
        args(&[from_env("find-links", "/a /b /a")]),
        strings(&["--find-links", "/a", "--find-links", "/b"])
    );
    assert_eq!(
        args(&[from_env("trusted-host", "h1 h2:8080")]),
        strings(&[
            "--allow-insecure-host",
            "h1",
            "--allow-insecure-host",
            "h2:8080"
        ])
    );
}

#[test]
fn no_index_follows_pips_booleans() {
    for yes in ["true", "yes", "on", "1", "TRUE", "y", "t"] {
        assert_eq!(args(&[from_env("no-index", yes)]), strings(&["--no-index"]));
    }
    for no in ["false", "no", "off", "0", "Off"] {
        assert_eq!(args(&[from_env("no-index", no)]), strings(&[]), "{no}");
    }
    assert_eq!(
        reason(&[from_env("no-index", "maybe")]),
        "pip's `no-index = maybe` (PIP_NO_INDEX) is not a boolean (yes/no, true/false, on/off, 1/0)"
    );
}

#[test]
fn no_cache_dir_drops_the_cache_for_any_boolean_as_pip_does() {
    for value in ["true", "false", "0"] {
        assert_eq!(
            args(&[from_env("no-cache-dir", value)]),
            strings(&["--no-cache"])
        );
    }
    assert!(reason(&[from_env("no-cache-dir", "sometimes")]).contains("not a boolean"));
}

#[test]
fn certificates_and_proxy_become_environment() {
    assert_eq!(
        env(&[from_env("cert", "/ca.pem")]),
        pairs(&[("SSL_CERT_FILE", "/ca.pem")])
    );
    assert_eq!(
        env(&[from_env("client-cert", "/me.pem")]),
        pairs(&[("SSL_CLIENT_CERT", "/me.pem")])
    );
    assert_eq!(
        env(&[from_env("proxy", "http://u:p@proxy:3128")]),
        pairs(&[
            ("ALL_PROXY", "http://u:p@proxy:3128"),
            ("HTTPS_PROXY", "http://u:p@proxy:3128"),
            ("HTTP_PROXY", "http://u:p@proxy:3128"),
        ])
    );
}

#[test]
fn timeout_becomes_whole_seconds_or_pip() {
    let timeout = |v: &str| env(&[from_env("timeout", v)]);
    assert_eq!(timeout("60"), pairs(&[("UV_HTTP_TIMEOUT", "60")]));
    assert_eq!(timeout(" 30.0 "), pairs(&[("UV_HTTP_TIMEOUT", "30")]));
    assert_eq!(timeout("1.5"), pairs(&[("UV_HTTP_TIMEOUT", "2")]));
    for bad in ["abc", "0", "-1", "inf", "nan", "1e30"] {
        assert_eq!(
            reason(&[from_env("timeout", bad)]),
            format!("pip's `timeout = {bad}` (PIP_TIMEOUT) is not a number of seconds uv can take")
        );
    }
}

#[test]
fn retries_become_uvs_http_retries_or_pip() {
    assert_eq!(
        env(&[from_env("retries", "0")]),
        pairs(&[("UV_HTTP_RETRIES", "0")])
    );
    assert_eq!(
        env(&[from_env("retries", "10")]),
        pairs(&[("UV_HTTP_RETRIES", "10")])
    );
    for bad in ["x", "-1", "1.5"] {
        assert!(
            reason(&[from_env("retries", bad)]).contains("is not a count uv can take"),
            "{bad}"
        );
    }
}

#[test]
fn settings_that_do_not_change_what_is_installed_are_ignored() {
    for (key, _why) in IGNORED {
        assert_eq!(uv(&[from_env(key, "1")]), UvSettings::default(), "{key}");
    }
}

#[test]
fn settings_uv_cannot_match_fall_back_to_pip_naming_key_value_and_source() {
    for key in [
        "use-feature",
        "use-deprecated",
        "user",
        "prefix",
        "target",
        "root",
        "pre",
        "constraint",
        "no-binary",
        "only-binary",
        "require-hashes",
        "keyring-provider",
        "src",
        "no-such-option",
    ] {
        let setting = PipSetting {
            key: key.into(),
            value: "v".into(),
            source: Source::File {
                section: "install".into(),
            },
        };
        assert_eq!(
            reason(&[from_env("cert", "/ca.pem"), setting]),
            format!("pip's `{key} = v` ([install] in pip's config) has no uv equivalent")
        );
    }
}

#[test]
fn a_later_setting_of_a_key_replaces_the_earlier_one() {
    let settings = [
        from_env("find-links", "/old"),
        from_env("cert", "/old.pem"),
        from_env("find-links", "/new"),
        from_env("cert", "/new.pem"),
    ];
    let uv = uv(&settings);
    assert_eq!(uv.args, strings(&["--find-links", "/new"]));
    assert_eq!(uv.env, pairs(&[("SSL_CERT_FILE", "/new.pem")]));
}
