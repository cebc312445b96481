//! Every config key hubcfg knows, in one table: type, default, meaning.
//! Validation, defaults (`show --effective`), "did you mean" suggestions and
//! the docs all read this table. Key names are TLJH's.

/// What values a key accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    String,
    Bool,
    /// Integer within an inclusive range.
    Int {
        min: i64,
        max: i64,
    },
    /// Integer or float, at least `min`.
    Number {
        min: f64,
    },
    StringList,
    /// Bytes, or a number with a K/M/G/T suffix (`512M`, `2G`).
    Memory,
    /// IPv4/IPv6 address to listen on; empty means all interfaces.
    ListenAddress,
    Email,
    HostnameList,
    OneOf(&'static [&'static str]),
    /// A URL path prefix starting with `/`.
    UrlPath,
    /// An http(s) URL with a host, or empty.
    Url,
    /// Absolute path of a file, or empty.
    FilePath,
    /// Table of unix group name → list of hub user names.
    GroupMap,
}

impl Kind {
    /// Is a value of this kind a single string (so a command-line value
    /// or a YAML number is taken as its text)?
    pub fn is_text(&self) -> bool {
        match self {
            Kind::String
            | Kind::Memory
            | Kind::ListenAddress
            | Kind::Email
            | Kind::OneOf(_)
            | Kind::UrlPath
            | Kind::Url
            | Kind::FilePath => true,
            Kind::Bool
            | Kind::Int { .. }
            | Kind::Number { .. }
            | Kind::StringList
            | Kind::HostnameList
            | Kind::GroupMap => false,
        }
    }
}

/// A key's default. `None` means "not set" (null in the effective config).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Default {
    None,
    Bool(bool),
    Int(i64),
    Str(&'static str),
    EmptyList,
    EmptyTable,
}

impl Default {
    pub fn to_json(self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Default::None => Value::Null,
            Default::Bool(b) => Value::Bool(b),
            Default::Int(i) => Value::from(i),
            Default::Str(s) => Value::from(s),
            Default::EmptyList => Value::Array(vec![]),
            Default::EmptyTable => Value::Object(Default::empty_map()),
        }
    }

    fn empty_map() -> serde_json::Map<String, serde_json::Value> {
        serde_json::Map::new()
    }
}

#[derive(Debug)]
pub struct Key {
    /// Dotted path, as typed on the command line.
    pub path: &'static str,
    pub kind: Kind,
    pub default: Default,
    /// Masked by `show --effective`.
    pub secret: bool,
    pub help: &'static str,
}

const PORT: Kind = Kind::Int { min: 1, max: 65535 };
const NON_NEGATIVE: Kind = Kind::Int {
    min: 0,
    max: i64::MAX,
};
const POSITIVE: Kind = Kind::Int {
    min: 1,
    max: i64::MAX,
};

const fn key(path: &'static str, kind: Kind, default: Default, help: &'static str) -> Key {
    Key {
        path,
        kind,
        default,
        secret: false,
        help,
    }
}

pub static KEYS: &[Key] = &[
    key(
        "base_url",
        Kind::UrlPath,
        Default::Str("/"),
        "URL prefix the hub is served under",
    ),
    key(
        "auth.type",
        Kind::String,
        Default::Str("firstuseauthenticator.FirstUseAuthenticator"),
        "Authenticator class, or an entry-point name such as `dummy` or `github`",
    ),
    key(
        "auth.FirstUseAuthenticator.create_users",
        Kind::Bool,
        Default::Bool(false),
        "Let unknown users create an account by logging in",
    ),
    key(
        "users.allowed",
        Kind::StringList,
        Default::EmptyList,
        "Hub users allowed to log in (empty: anyone the authenticator accepts)",
    ),
    key(
        "users.banned",
        Kind::StringList,
        Default::EmptyList,
        "Hub users refused at login",
    ),
    key(
        "users.admin",
        Kind::StringList,
        Default::EmptyList,
        "Hub users with admin rights (and passwordless sudo)",
    ),
    key(
        "users.extra_user_groups",
        Kind::GroupMap,
        Default::EmptyTable,
        "Unix groups to add hub users to: group = [\"user\", …]",
    ),
    key(
        "limits.memory",
        Kind::Memory,
        Default::None,
        "Memory limit per user server, e.g. 1G",
    ),
    key(
        "limits.cpu",
        Kind::Number { min: 0.0 },
        Default::None,
        "CPU cores per user server, e.g. 0.5",
    ),
    key(
        "http.address",
        Kind::ListenAddress,
        Default::Str(""),
        "Address Traefik listens on for http (empty: all)",
    ),
    key("http.port", PORT, Default::Int(80), "Port for http"),
    key(
        "https.enabled",
        Kind::Bool,
        Default::Bool(false),
        "Serve https (and redirect http to it)",
    ),
    key(
        "https.address",
        Kind::ListenAddress,
        Default::Str(""),
        "Address Traefik listens on for https (empty: all)",
    ),
    key("https.port", PORT, Default::Int(443), "Port for https"),
    key(
        "https.tls.cert",
        Kind::FilePath,
        Default::Str(""),
        "Certificate file (PEM) for manual https",
    ),
    key(
        "https.tls.key",
        Kind::FilePath,
        Default::Str(""),
        "Private key file (PEM) for manual https",
    ),
    key(
        "https.letsencrypt.email",
        Kind::Email,
        Default::Str(""),
        "Contact email for Let's Encrypt",
    ),
    key(
        "https.letsencrypt.domains",
        Kind::HostnameList,
        Default::EmptyList,
        "Domains to get a Let's Encrypt certificate for",
    ),
    key(
        "https.letsencrypt.staging",
        Kind::Bool,
        Default::Bool(false),
        "Use Let's Encrypt's staging server (for testing)",
    ),
    key(
        "https.letsencrypt.challenge",
        Kind::OneOf(&["tls-alpn-01", "http-01"]),
        Default::Str("tls-alpn-01"),
        "How the CA checks the domains are this machine's: tls-alpn-01 (port 443) or \
         http-01 (port 80, for networks that only open 80)",
    ),
    key(
        "https.letsencrypt.ca_server",
        Kind::Url,
        Default::Str(""),
        "ACME directory URL of another CA (a private CA, or pebble for tests); \
         wins over https.letsencrypt.staging",
    ),
    key(
        "https.letsencrypt.ca_bundle",
        Kind::FilePath,
        Default::Str(""),
        "PEM file of the CA certificates Traefik trusts when it talks to \
         https.letsencrypt.ca_server (Traefik's LEGO_CA_CERTIFICATES)",
    ),
    key(
        "traefik_api.ip",
        Kind::ListenAddress,
        Default::Str("127.0.0.1"),
        "Address of Traefik's API entrypoint",
    ),
    key(
        "traefik_api.port",
        PORT,
        Default::Int(8099),
        "Port of Traefik's API entrypoint",
    ),
    key(
        "traefik_api.username",
        Kind::String,
        Default::Str("api_admin"),
        "User name for Traefik's API",
    ),
    Key {
        path: "traefik_api.password",
        kind: Kind::String,
        default: Default::Str(""),
        secret: true,
        help: "Password for Traefik's API (generated into state/traefik-api.secret when empty)",
    },
    key(
        "user_environment.default_app",
        Kind::OneOf(&["jupyterlab", "classic"]),
        Default::Str("jupyterlab"),
        "Interface a user lands in: jupyterlab (/lab) or classic (/tree)",
    ),
    key(
        "services.cull.enabled",
        Kind::Bool,
        Default::Bool(true),
        "Stop idle user servers",
    ),
    key(
        "services.cull.timeout",
        NON_NEGATIVE,
        Default::Int(600),
        "Seconds of inactivity before a server is stopped",
    ),
    key(
        "services.cull.every",
        POSITIVE,
        Default::Int(60),
        "Seconds between idle checks",
    ),
    key(
        "services.cull.concurrency",
        POSITIVE,
        Default::Int(5),
        "How many servers the culler handles at once",
    ),
    key(
        "services.cull.users",
        Kind::Bool,
        Default::Bool(false),
        "Also delete culled users from the hub",
    ),
    key(
        "services.cull.max_age",
        NON_NEGATIVE,
        Default::Int(0),
        "Stop servers older than this many seconds (0: no limit)",
    ),
    key(
        "services.cull.remove_named_servers",
        Kind::Bool,
        Default::Bool(false),
        "Remove named servers when culled",
    ),
];

pub fn lookup(path: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.path == path)
}

/// `auth.<Class>.<trait>` with an upper-case class name is passed through to
/// JupyterHub as `c.<Class>.<trait>`; hubcfg does not know its type.
pub fn is_free_form(path: &str) -> bool {
    let mut parts = path.split('.');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("auth"), Some(class), Some(t), None)
            if class.starts_with(|c: char| c.is_ascii_uppercase()) && !t.is_empty()
    )
}

/// `auth.<Class>` with an upper-case class name: a table of traits for
/// that JupyterHub class.
pub fn is_auth_class(path: &str) -> bool {
    path.strip_prefix("auth.")
        .is_some_and(|c| !c.contains('.') && c.starts_with(|ch: char| ch.is_ascii_uppercase()))
}

/// True when `path` is a table that holds known keys (`https`, `services.cull`…).
pub fn is_table(path: &str) -> bool {
    let prefix = format!("{path}.");
    KEYS.iter().any(|k| k.path.starts_with(&prefix))
}

/// The known key closest to `path`, for "did you mean …?".
pub fn suggest(path: &str) -> Option<&'static str> {
    KEYS.iter()
        .map(|k| (strsim::jaro_winkler(path, k.path), k.path))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for k in KEYS {
            assert!(seen.insert(k.path), "duplicate key {}", k.path);
        }
    }

    #[test]
    fn no_key_is_also_a_table() {
        for k in KEYS {
            assert!(!is_table(k.path), "{} is both a key and a table", k.path);
        }
    }

    #[test]
    fn free_form_auth_keys() {
        assert!(is_free_form("auth.GitHubOAuthenticator.client_id"));
        assert!(!is_free_form("auth.github.client_id"));
        assert!(!is_free_form("auth.type"));
        assert!(!is_free_form("auth.GitHubOAuthenticator"));
    }

    #[test]
    fn suggests_near_miss() {
        assert_eq!(suggest("user.admin"), Some("users.admin"));
        assert_eq!(suggest("limits.mem"), Some("limits.memory"));
        assert_eq!(suggest("zzz"), None);
    }
}
