//! The checks every new user goes through, whether named on the command line
//! or read from a CSV file. Pure.

use crate::config::validate::user_names;

/// One user to add. Debug never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    pub name: String,
    pub admin: bool,
    pub password: Option<String>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pw = if self.password.is_some() {
            "Some(<hidden>)"
        } else {
            "None"
        };
        write!(
            f,
            "NewUser {{ name: {:?}, admin: {}, password: {pw} }}",
            self.name, self.admin
        )
    }
}

/// What the configured authenticator needs of names and passwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// FirstUseAuthenticator is configured: it refuses names with a space
    /// or a comma, and passwords shorter than `min_password_len`.
    pub first_use: bool,
    pub min_password_len: usize,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            first_use: true,
            min_password_len: FIRST_USE_MIN_PASSWORD,
        }
    }
}

/// FirstUseAuthenticator's own default `min_password_length`.
pub const FIRST_USE_MIN_PASSWORD: usize = 7;

/// Why `name` cannot be a hub user here, if it cannot.
pub fn name_problem(name: &str, rules: &Rules) -> Option<String> {
    if let Some(why) = user_names::why_not_a_name(name) {
        return Some(format!("{name:?} is not a user name: {why}"));
    }
    if rules.first_use && name.contains([' ', ',']) {
        return Some(format!(
            "{name:?} holds a space or a comma, which FirstUseAuthenticator refuses at login"
        ));
    }
    None
}

/// Why `password` cannot be set, if it cannot.
pub fn password_problem(password: &str, rules: &Rules) -> Option<String> {
    if let Some(why) = crate::firstuse::password_problem(password) {
        return Some(why);
    }
    let n = password.chars().count();
    if n < rules.min_password_len {
        return Some(format!(
            "the password has {n} characters; FirstUseAuthenticator wants at least {} \
             (auth.FirstUseAuthenticator.min_password_length)",
            rules.min_password_len
        ));
    }
    None
}

/// `admin` column values: true/false, yes/no, 1/0, or empty (= false).
pub fn parse_admin(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" | "" => Some(false),
        _ => None,
    }
}

/// The key two names share when the hub sees them as one user: JupyterHub
/// lower-cases names by default.
pub fn same_user_key(name: &str) -> String {
    name.to_lowercase()
}

/// Notes for names that run as a hashed (or shortened) unix account, or
/// that the hub lower-cases: informational, never a refusal.
pub fn account_note(name: &str) -> Option<String> {
    user_names::account_note(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_refused_with_a_reason() {
        let r = Rules::default();
        assert_eq!(name_problem("ann", &r), None);
        assert_eq!(name_problem("ann@uni.edu", &r), None);
        assert!(name_problem("", &r).unwrap().contains("empty"));
        assert!(name_problem("a\tb", &r).unwrap().contains("control"));
        assert!(name_problem("ann smith", &r).unwrap().contains("space"));
        assert!(name_problem("smith,ann", &r).unwrap().contains("comma"));
        let other = Rules {
            first_use: false,
            ..r
        };
        assert_eq!(name_problem("ann smith", &other), None);
    }

    #[test]
    fn passwords_are_checked_against_the_authenticator() {
        let r = Rules::default();
        assert_eq!(password_problem("seven77", &r), None);
        assert!(
            password_problem("six666", &r)
                .unwrap()
                .contains("at least 7")
        );
        assert!(password_problem(&"x".repeat(73), &r).is_some());
        let lax = Rules {
            min_password_len: 0,
            ..r
        };
        assert_eq!(password_problem("a", &lax), None);
        assert!(password_problem("", &lax).unwrap().contains("empty"));
    }

    #[test]
    fn admin_values() {
        for t in ["true", "TRUE", " yes ", "1", "Yes"] {
            assert_eq!(parse_admin(t), Some(true), "{t}");
        }
        for f in ["false", "no", "0", "", "  "] {
            assert_eq!(parse_admin(f), Some(false), "{f}");
        }
        for bad in ["y", "admin", "2", "ja", "truee"] {
            assert_eq!(parse_admin(bad), None, "{bad}");
        }
    }

    #[test]
    fn debug_hides_the_password() {
        let u = NewUser {
            name: "ann".into(),
            admin: false,
            password: Some("top-secret".into()),
        };
        let shown = format!("{u:?}");
        assert!(!shown.contains("top-secret"), "{shown}");
        assert!(shown.contains("<hidden>"), "{shown}");
    }
}
