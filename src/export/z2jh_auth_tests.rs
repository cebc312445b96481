//! The authenticator's part of the export (export::auth), through z2jh().

use super::tests::{export, export_with, warned};
use crate::export::PLACEHOLDER;
use serde_json::json;

#[test]
fn oauth_secrets_are_placeholders_unless_asked_for() {
    let user = json!({"auth": {"type": "oauthenticator.GitHubOAuthenticator",
        "GitHubOAuthenticator": {"client_id": "abc", "client_secret": "s3cret",
            "oauth_callback_url": "https://old.example.org/hub/oauth_callback",
            "extra": {"api_token": "t0k", "name": "n"}}}});
    let run = export(user.clone());
    assert_eq!(
        run.values["hub"]["config"],
        json!({"JupyterHub": {"authenticator_class": "oauthenticator.GitHubOAuthenticator"},
            "GitHubOAuthenticator": {"client_id": "abc", "client_secret": PLACEHOLDER,
                "oauth_callback_url": "https://old.example.org/hub/oauth_callback",
                "extra": {"api_token": PLACEHOLDER, "name": "n"}}})
    );
    assert!(
        !run.text.contains("s3cret") && !run.text.contains("t0k"),
        "{}",
        run.text
    );
    assert!(
        warned(&run, "auth.GitHubOAuthenticator.client_secret is a secret"),
        "{:?}",
        run.warnings
    );
    assert!(
        warned(&run, "auth.GitHubOAuthenticator.extra is a secret"),
        "{:?}",
        run.warnings
    );
    assert!(warned(&run, "OAuth app's callback"), "{:?}", run.warnings);
    // Not FirstUse: no FirstUse table, no password-store warning.
    assert!(!warned(&run, "password store"), "{:?}", run.warnings);

    let run = export_with(user, vec![], true);
    let gh = &run.values["hub"]["config"]["GitHubOAuthenticator"];
    assert_eq!(
        (
            gh["client_secret"].as_str(),
            gh["extra"]["api_token"].as_str()
        ),
        (Some("s3cret"), Some("t0k"))
    );
    assert!(
        run.text
            .contains("# SECRET (auth.GitHubOAuthenticator.client_secret)"),
        "{}",
        run.text
    );
    assert!(!warned(&run, "is a secret"), "{:?}", run.warnings);
}

#[test]
fn authenticators_without_unix_accounts_or_with_their_own_store_are_warned_about() {
    for class in [
        "jupyterhub.auth.PAMAuthenticator",
        "pam",
        "local-github",
        "oauthenticator.LocalGitHubOAuthenticator",
    ] {
        let run = export(json!({"auth": {"type": class}}));
        assert!(
            warned(&run, "the hub pod has none"),
            "{class}: {:?}",
            run.warnings
        );
    }
    let run = export(json!({"auth": {"type": "nativeauthenticator.NativeAuthenticator"}}));
    assert!(warned(&run, "users sign up again"), "{:?}", run.warnings);
    let run = export(json!({"auth": {"type": "dummy"}}));
    assert_eq!(
        run.warnings.len(),
        2,
        "only the image and the homes: {:?}",
        run.warnings
    );
}

#[test]
fn allow_all_follows_tljh_rule() {
    let run = export(json!({"users": {"allowed": ["ann"]}}));
    assert!(
        run.values["hub"]["config"]["FirstUseAuthenticator"]
            .get("allow_all")
            .is_none()
    );
    let run = export(json!({"auth": {"FirstUseAuthenticator": {"allow_all": false}}}));
    assert_eq!(
        run.values["hub"]["config"]["FirstUseAuthenticator"]["allow_all"],
        false
    );
}
