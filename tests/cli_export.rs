//! `hubcfg export z2jh` through the real binary: the text people read
//! (values file and warnings) as insta snapshots, the file it writes (0600,
//! atomic, the same text as stdout), and refusals that change nothing.

#[path = "common/hub.rs"]
mod hub;
use hub::Hub;
use std::os::unix::fs::PermissionsExt;

/// A class hub that signs in with GitHub, has Let's Encrypt, limits and a
/// jupyterhub_config.d snippet.
const CONFIG: &str = r#"base_url = "/jhub/"
colour = "blue" # a typo TLJH would ignore

[auth]
type = "oauthenticator.GitHubOAuthenticator"

[auth.GitHubOAuthenticator]
client_id = "abc"
client_secret = "s3cret-value"
allowed_organizations = ["our-class"]

[users]
admin = ["ada"]

[users.extra_user_groups]
course = ["ada", "bob"]

[limits]
memory = "2G"
cpu = 1

[https]
enabled = true

[https.letsencrypt]
email = "ops@example.org"
domains = ["hub.example.org"]
"#;

const SNIPPET: &str =
    "# Shown on the login page.\nc.JupyterHub.template_vars = {\"course\": \"Data 101\"}\n";

fn class_hub() -> Hub {
    let hub = Hub::with_config(CONFIG);
    let dir = hub.prefix().join("config/jupyterhub_config.d");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("10-login.py"), SNIPPET).unwrap();
    hub
}

#[test]
fn export_of_a_class_hub_and_of_the_defaults() {
    let hub = class_hub();
    let text = hub.transcript(&["export", "z2jh"]);
    assert!(!text.contains("s3cret-value"), "{text}");
    insta::assert_snapshot!("class_hub", text);
    insta::assert_snapshot!("defaults", Hub::new().transcript(&["export", "z2jh"]));
}

#[test]
fn help_and_refusals() {
    let hub = class_hub();
    let runs = [
        &["export", "z2jh", "--help"][..],
        &["export", "z2jh", "--include-secrets"],
        &["export", "z2jh", "-o", "/nonexistent-dir/values.yaml"],
    ];
    let text: Vec<String> = runs.iter().map(|a| hub.transcript(a)).collect();
    insta::assert_snapshot!("help_and_refusals", text.join("\n"));
    assert!(!text.join("").contains("s3cret-value"));

    let broken = Hub::with_config("[https]\nenabled = true\n");
    let (ok, stdout, stderr) = broken.run(&["export", "z2jh"]);
    assert!(!ok && stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("https.enabled is true but no certificate"),
        "{stderr}"
    );
}

#[test]
fn output_file_is_private_matches_stdout_and_is_rewritten_whole() {
    let hub = class_hub();
    let stdout = hub.ok(&["export", "z2jh"]);
    let file = hub.prefix().join("values.yaml");
    std::fs::write(
        &file,
        "old content that is longer than nothing ".repeat(200),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let path = file.to_str().unwrap();
    let out = hub.ok_all(&["export", "z2jh", "-o", path]);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("hubcfg export: wrote"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // A second run writes the same bytes.
    hub.ok(&["export", "z2jh", "-o", path]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout);
}

#[test]
fn include_secrets_writes_them_only_to_the_file() {
    let hub = class_hub();
    let file = hub.prefix().join("with-secrets.yaml");
    let out = hub.ok_all(&[
        "export",
        "z2jh",
        "--include-secrets",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(!out.stdout.contains("s3cret") && !out.stderr.contains("s3cret"));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("client_secret: s3cret-value\n"), "{text}");
    assert!(
        text.contains("# SECRET (auth.GitHubOAuthenticator.client_secret)"),
        "{text}"
    );
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
