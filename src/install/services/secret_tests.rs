//! ApiSecret and HubToken: generated once, kept, mode repaired.

use super::*;
use crate::install::testutil::{TestEnv, assert_idempotent, mode, plan_lines, run};
use crate::install::{Restart, Step};
use std::os::unix::fs::PermissionsExt;

// ------------------------------------------------------------ ApiSecret

#[test]
fn api_secret_is_generated_once() {
    let env = TestEnv::new();
    let ctx = env.ctx();
    let path = env.paths.traefik_api_secret();
    assert_eq!(ApiSecret.plan(&ctx).unwrap().len(), 1);
    let outcome = assert_idempotent(&ApiSecret, &ctx);
    let secret = std::fs::read_to_string(&path).unwrap();
    assert_eq!(secret.len(), 64);
    assert!(secret.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&env.paths.state_dir()), 0o700);
    assert!(outcome.restart.is_some());
    assert!(ApiSecret.plan(&ctx).unwrap().is_empty());
    run(&ApiSecret, &ctx);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), secret);
}

#[test]
fn api_secret_empty_is_regenerated_and_mode_repaired() {
    let env = TestEnv::new();
    let ctx = env.ctx();
    let path = env.paths.traefik_api_secret();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "\n").unwrap();
    assert!(run(&ApiSecret, &ctx).restart.is_some());
    assert_eq!(std::fs::read_to_string(&path).unwrap().len(), 64);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let kept = std::fs::read_to_string(&path).unwrap();
    let plan = plan_lines(&ApiSecret, &ctx);
    assert!(plan[0].contains("mode"), "{plan:?}");
    let outcome = assert_idempotent(&ApiSecret, &ctx);
    assert_eq!(outcome.restart, None, "the secret itself is unchanged");
    assert_eq!(mode(&path), 0o600);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), kept);
}

// ------------------------------------------------------------ HubToken

#[test]
fn hub_token_is_generated_once_then_kept_and_restarts_only_when_new() {
    let env = TestEnv::new();
    let ctx = env.ctx();
    let path = env.paths.hub_token();
    assert_eq!(
        plan_lines(&HubToken, &ctx),
        vec![format!("generate {}", path.display())],
        "the plan (logged) names the file, never the token"
    );
    let outcome = assert_idempotent(&HubToken, &ctx);
    assert_eq!(
        outcome.restart,
        Restart::because("the hubcfg hub API token was generated")
    );
    let token = std::fs::read_to_string(&path).unwrap();
    assert_eq!(token.len(), 64);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&env.paths.state_dir()), 0o700);
    assert!(
        HubToken.plan(&ctx).unwrap().is_empty(),
        "a re-run changes nothing"
    );
    assert_ne!(
        token,
        std::fs::read_to_string(env.paths.traefik_api_secret()).unwrap_or_default(),
        "its own secret"
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let outcome = assert_idempotent(&HubToken, &ctx);
    assert_eq!(outcome.restart, None, "a repaired mode keeps the token");
    assert_eq!(mode(&path), 0o600);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), token);
    std::fs::write(&path, "").unwrap();
    assert!(
        run(&HubToken, &ctx).restart.is_some(),
        "an empty file is a new token"
    );
    assert_ne!(std::fs::read_to_string(&path).unwrap(), token);
}
