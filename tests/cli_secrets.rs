//! Secrets never shown or echoed, reading without root, and control
//! characters kept away from the terminal: the real binary on a temp prefix.

#[path = "common/hub.rs"]
mod hub;

use hub::Hub;

/// Every secret below holds `S3CRET`; nothing else does.
const SECRETS: &str = r#"
[auth.GitHubOAuthenticator]
client_id = "public-id"
client_secret = "S3CRET-client"
api_token = "S3CRET-token"
ApiKey = "S3CRET-apikey"
client_secrets = ["S3CRET-list-1", "S3CRET-list-2"]

[auth.LTI11Authenticator]
consumers = { consumer-key = "S3CRET-consumer" }

[auth.DummyAuthenticator]
passwd = "S3CRET-passwd"
password = 20250101

[auth.LDAPAuthenticator.credentials]
user = "S3CRET-user"
nested = { deep = ["S3CRET-deep"] }

[custom_service]
url = "http://localhost:9000"
api_key = "S3CRET-outside-auth"
Private_Key = "S3CRET-private"

[traefik_api]
password = "S3CRET-traefik"
"#;

fn assert_no_secret(what: &str, text: &str) {
    assert!(!text.contains("S3CRET"), "{what} shows a secret:\n{text}");
}

#[test]
fn show_effective_masks_every_secret_anywhere() {
    let hub = Hub::with_config(SECRETS);
    let text = hub.ok(&["show", "--effective"]);
    assert_no_secret("show --effective", &text);
    assert!(text.contains("client_id = \"public-id\""), "{text}");
    assert!(text.contains("url = \"http://localhost:9000\""), "{text}");

    let j: serde_json::Value =
        serde_json::from_str(&hub.ok(&["--json", "show", "--effective"])).unwrap();
    assert_no_secret("show --effective --json", &j.to_string());
    let gh = &j["auth"]["GitHubOAuthenticator"];
    assert_eq!(gh["client_id"], "public-id");
    assert_eq!(gh["api_token"], "********");
    assert_eq!(gh["ApiKey"], "********");
    assert_eq!(
        gh["client_secrets"],
        serde_json::json!(["********", "********"])
    );
    assert_eq!(
        j["auth"]["LTI11Authenticator"]["consumers"],
        serde_json::json!({"consumer-key": "********"})
    );
    assert_eq!(j["auth"]["DummyAuthenticator"]["password"], "********");
    assert_eq!(
        j["auth"]["LDAPAuthenticator"]["credentials"],
        serde_json::json!({"user": "********", "nested": {"deep": ["********"]}})
    );
    assert_eq!(j["custom_service"]["api_key"], "********");
    assert_eq!(j["custom_service"]["url"], "http://localhost:9000");
    assert_eq!(j["traefik_api"]["username"], "api_admin");

    for key in [
        "auth.GitHubOAuthenticator.api_token",
        "auth.GitHubOAuthenticator.client_secrets",
        "auth.LTI11Authenticator",
        "auth.LTI11Authenticator.consumers",
        "auth.DummyAuthenticator.passwd",
        "auth.LDAPAuthenticator.credentials",
        "custom_service",
        "traefik_api.password",
    ] {
        let text = hub.ok(&["show", "--effective", key]);
        assert_no_secret(key, &text);
        let json = hub.ok(&["--json", "show", "--effective", key]);
        assert_no_secret(key, &json);
    }
    assert_eq!(
        hub.ok(&["show", "--effective", "auth.GitHubOAuthenticator.client_id"]),
        "public-id\n"
    );
    // The user's own file, as stored (plain show), is not masked.
    assert!(hub.ok(&["show", "traefik_api.password"]).contains("S3CRET"));
}
