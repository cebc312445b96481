//! The authenticator and who may log in, as `hub.config`: TLJH's
//! `auth.*` and `users.*` keys, secrets replaced by a placeholder unless
//! asked for.

use super::out::Out;
use crate::effective::{Effective, is_secret_key};
use crate::firstuse::is_first_use;
use serde_json::Value as Json;

/// What a secret becomes unless `--include-secrets`.
pub const PLACEHOLDER: &str = "<secret: not exported>";

const FIRST_USE: &str = "FirstUseAuthenticator";

pub fn auth(out: &mut Out, eff: &Effective, include_secrets: bool) {
    let class = eff.auth.class.as_str();
    let first_use = is_first_use(class);
    let at_class = ["hub", "config", "JupyterHub", "authenticator_class"];
    out.set(&at_class, class);
    if first_use {
        out.warn(
            &at_class,
            "FirstUseAuthenticator works in the hub pod, but its password store \
             (state/passwords.dbm) does not move: on the new hub each user name gets the \
             password typed at its first login there, so tell your users to log in soon.",
        );
    } else if is_native(class) {
        out.warn(
            &at_class,
            "NativeAuthenticator keeps its users and passwords in the hub's database \
             (state/jupyterhub.sqlite), which is not exported: users sign up again and an \
             admin authorizes them.",
        );
    } else if is_unix_based(class) {
        out.warn(
            &at_class,
            &format!(
                "{class} logs users in with (or makes) unix accounts on the hub's machine; \
                 the hub pod has none: choose another authenticator."
            ),
        );
    }

    let users = &eff.users;
    for (name, list) in [
        ("admin_users", &users.admin),
        ("allowed_users", &users.allowed),
        ("blocked_users", &users.banned),
    ] {
        if !list.is_empty() {
            out.set(&["hub", "config", "Authenticator", name], list.as_slice());
        }
    }

    // auth.<Class>.<trait>, as TLJH passes them to JupyterHub; FirstUse's
    // table (which always has create_users) only when it is the authenticator.
    for (name, traits) in &eff.auth.classes {
        if name == FIRST_USE && !first_use {
            continue;
        }
        for (trait_name, value) in traits {
            let path = ["hub", "config", name.as_str(), trait_name.as_str()];
            let key = format!("auth.{name}.{trait_name}");
            match secret_free(&key, &value.0) {
                None => out.set(&path, &value.0),
                Some(_) if include_secrets => {
                    out.set(&path, &value.0);
                    out.note(
                        &path,
                        &format!(
                            "SECRET ({key}), written as asked (--include-secrets): keep this \
                             file private, or move the value into a Kubernetes secret."
                        ),
                    );
                }
                Some(placeholder) => {
                    out.set(&path, &placeholder);
                    out.warn(
                        &path,
                        &format!(
                            "{key} is a secret and was not exported: put its value in place \
                             of {PLACEHOLDER:?} (or export with --include-secrets -o FILE)."
                        ),
                    );
                }
            }
            if trait_name == "oauth_callback_url" {
                out.warn(
                    &path,
                    "names this machine's address: change it, and the OAuth app's callback \
                     URL, to the new hub's.",
                );
            }
        }
    }

    // TLJH's rule (as render::hub): the default authenticator with no allow
    // list lets anyone in who sets a password, unless allow_all is set.
    let allow_all_set = eff
        .auth
        .classes
        .get(FIRST_USE)
        .is_some_and(|t| t.contains_key("allow_all"));
    if first_use && users.allowed.is_empty() && !allow_all_set {
        let path = ["hub", "config", FIRST_USE, "allow_all"];
        out.set(&path, true);
        out.note(
            &path,
            "TLJH's behaviour made explicit: with no allowed users, anyone may log in \
             (and pick a password).",
        );
    }
}

/// `None` when `value` holds no secret; otherwise `value` with each
/// secret string replaced by [`PLACEHOLDER`]. The rule is `show
/// --effective`'s ([`is_secret_key`]), for strings only: a number under a
/// secret-looking name (`min_password_length`) is a setting, and a
/// placeholder would change its type.
fn secret_free(key: &str, value: &Json) -> Option<Json> {
    let mut v = value.clone();
    let mut found = false;
    hide(&mut v, key, &mut found);
    found.then_some(v)
}

fn hide(v: &mut Json, path: &str, found: &mut bool) {
    match v {
        Json::String(s) if !s.is_empty() && is_secret_key(path) => {
            *s = PLACEHOLDER.into();
            *found = true;
        }
        Json::Array(a) => a.iter_mut().for_each(|i| hide(i, path, found)),
        Json::Object(o) => {
            for (k, child) in o.iter_mut() {
                hide(child, &format!("{path}.{k}"), found);
            }
        }
        _ => {}
    }
}

fn is_native(class: &str) -> bool {
    class == "native" || class.starts_with("nativeauthenticator")
}

/// PAM (JupyterHub's default) and the Local* OAuthenticators, which make
/// unix accounts.
fn is_unix_based(class: &str) -> bool {
    matches!(
        class,
        "pam" | "default" | "jupyterhub.auth.PAMAuthenticator" | "jupyterhub.auth:PAMAuthenticator"
    ) || class.starts_with("local-")
        || class.contains(".Local")
        || class.contains(":Local")
}
