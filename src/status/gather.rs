//! Gathers the facts `hubcfg status` judges. Touches, read-only: systemd
//! (`ServiceManager`: unit properties, Traefik's journal), config.toml and
//! state/ (the API secret, the hub token), loopback HTTP and TLS (the hub's
//! REST API through Traefik, as users reach it; Traefik's API; the https port),
//! the environments' metadata files, statvfs of the prefix, /proc/meminfo.
//! The network checks run side by side, so the whole takes about as long
//! as the slowest one.

use super::facts::{Disk, Facts, Https, Memory, Services, Unit, Versions};
use super::{probe, versions};
use crate::acme_diagnosis;
use crate::config::load::Loaded;
use crate::effective::{self, Effective, Secrets};
use crate::paths::Paths;
use crate::render::traefik::{self, Https as HttpsMode};
use crate::systemd::ServiceManager;
use std::time::Duration;

/// How long one check may take before it counts as not answering.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

pub fn gather(paths: &Paths, services: &dyn ServiceManager, now_unix: i64) -> Facts {
    let (eff, config_error, secret_error) = effective_config(paths);
    let unit = |name: &str| Unit {
        unit: name.to_string(),
        info: services.unit_info(name),
    };
    let client = crate::http::local_client(CHECK_TIMEOUT).map_err(|e| e.message);
    let hub_url = crate::hub_probe::hub_api_url(&eff);
    let api = match secret_error {
        Some(e) => Err(e),
        None => traefik::api(&eff, paths).map_err(|e| match e.hint {
            Some(hint) => format!("{}; {hint}", e.message),
            None => e.message,
        }),
    };
    let token = crate::hub_api::read_token(paths);
    let mut https = https_settings(&eff);

    let (hub_api, traefik_api, servers, cert, (services_facts, acme)) = std::thread::scope(|s| {
        let hub = s.spawn(|| match &client {
            Ok(c) => probe::hub_api(c, &hub_url),
            Err(e) => unusable(&hub_url, e),
        });
        let api_check = s.spawn(|| match &client {
            Ok(c) => probe::traefik_api(c, api),
            Err(e) => unusable("Traefik API", e),
        });
        let servers = s.spawn(|| probe::running_servers(&hub_url, token));
        let cert = s.spawn(|| certificate(&eff, &https, now_unix));
        // systemd stays on this thread: a ServiceManager need not be Sync.
        let traefik = unit("traefik.service");
        let jupyterhub = unit("jupyterhub.service");
        let acme = match (&https.source, &traefik.info.invocation_id) {
            (Some(src), Some(_)) if src == "letsencrypt" => {
                let log = services.current_run_log(&traefik.unit);
                let lines: Vec<&str> = log.iter().map(String::as_str).collect();
                let domain = https.domains.first().map_or("", String::as_str);
                acme_diagnosis::diagnose(&lines, domain)
                    .map(|d| d.to_string())
                    .or_else(|| acme_diagnosis::last_error(&lines))
            }
            _ => None,
        };

        (
            hub.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            api_check
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            servers
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            cert.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            (
                Services {
                    traefik,
                    jupyterhub,
                },
                acme,
            ),
        )
    });
    match cert {
        Some(Ok(c)) => https.certificate = Some(c),
        Some(Err(e)) => https.certificate_error = Some(e),
        None => {}
    }
    https.last_acme_error = acme;
    let versions = Versions {
        hubcfg: env!("HUBCFG_LONG_VERSION").to_string(),
        jupyterhub: versions::package_version(&paths.hub_env(), "jupyterhub"),
        traefik: traefik_api.version.clone(),
        hub_python: versions::python_version(&paths.hub_env()),
        user_python: versions::python_version(&paths.user_env()),
    };
    Facts {
        prefix: paths.prefix.display().to_string(),
        config_error,
        services: services_facts,
        hub_api,
        traefik_api,
        https,
        disk: disk(paths),
        memory: memory(),
        versions,
        servers,
    }
}

fn unusable(url: &str, why: &str) -> super::facts::Check {
    super::facts::Check {
        url: url.to_string(),
        error: Some(why.to_string()),
        ..Default::default()
    }
}

/// The installed config with its secrets; when that fails, the defaults
/// (with the secrets still) and why; and why the secrets are unreadable.
fn effective_config(paths: &Paths) -> (Effective, Option<String>, Option<String>) {
    let (secrets, secret_error) = match effective::load_secrets(paths) {
        Ok(s) => (s, None),
        Err(e) => (Secrets::default(), Some(e.message)),
    };
    let loaded = Loaded::installed(paths).and_then(|l| effective::load::typed(&l, &secrets));
    match loaded {
        Ok(eff) => (eff, None, secret_error),
        Err(e) => {
            let tree = effective::effective(&serde_json::json!({}), &secrets);
            let eff = Effective::from_tree(&tree).unwrap_or_else(|_| Effective::defaults());
            (eff, Some(as_root_hint(e)), secret_error)
        }
    }
}

/// The message with its hint (e.g. "readable by root only; run the
/// command with sudo").
fn as_root_hint(e: crate::error::Error) -> String {
    match e.hint {
        Some(hint) => format!("{}; {hint}", e.message),
        None => e.message,
    }
}

fn https_settings(eff: &Effective) -> Https {
    if !eff.https.enabled {
        return Https::default();
    }
    let mut h = Https {
        enabled: true,
        port: Some(eff.https.port.get()),
        ..Https::default()
    };
    match traefik::https(eff) {
        Ok(HttpsMode::LetsEncrypt(le)) => {
            h.source = Some("letsencrypt".into());
            h.domains = le.domains;
        }
        Ok(HttpsMode::Manual { .. }) => h.source = Some("manual".into()),
        Ok(HttpsMode::Off) => {}
        Err(e) => h.certificate_error = Some(e.message),
    }
    h
}

/// The certificate on the https port, asked for the first Let's Encrypt
/// domain (Traefik picks certificates by SNI); None when https is off or
/// not configured.
fn certificate(
    eff: &Effective,
    h: &Https,
    now_unix: i64,
) -> Option<Result<super::facts::Certificate, String>> {
    h.source.as_ref()?;
    let host = match eff.https.address.as_str() {
        "" | "0.0.0.0" | "::" => "127.0.0.1",
        a => a.trim_start_matches('[').trim_end_matches(']'),
    };
    let sni = h.domains.first().map(String::as_str);
    let port = eff.https.port.get();
    let described = crate::tls_probe::resolve(host, port)
        .and_then(|addr| crate::tls_probe::served_cert(addr, sni.unwrap_or(host), CHECK_TIMEOUT))
        .map(|c| super::facts::Certificate {
            traefik_default: c.is_traefik_default(),
            days_left: c.days_left(now_unix),
            not_after: c.not_after_rfc3339(),
            subject: c.subject_dn,
            issuer: c.issuer_dn,
            names: c.names,
        });
    Some(described)
}

fn disk(paths: &Paths) -> Disk {
    let mut d = Disk {
        path: paths.prefix.display().to_string(),
        ..Disk::default()
    };
    match nix::sys::statvfs::statvfs(&paths.prefix) {
        Ok(s) => {
            let block = s.fragment_size();
            d.free_bytes = Some(s.blocks_available() * block);
            d.total_bytes = Some(s.blocks() * block);
        }
        Err(e) => d.error = Some(format!("statvfs {}: {e}", d.path)),
    }
    d
}

fn memory() -> Memory {
    let total = crate::memory::available();
    let available = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| crate::memory::parse_meminfo_available(&t));
    Memory {
        total_bytes: total,
        available_bytes: match (available, total) {
            (Some(a), Some(t)) => Some(a.min(t)),
            (a, _) => a,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systemd::UnitInfo;
    use crate::systemd::fake::FakeServices;

    fn free_port() -> u16 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    }

    #[test]
    fn units_and_the_acme_error_of_traefiks_current_run() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        let (https, http, api) = (free_port(), free_port(), free_port());
        std::fs::create_dir_all(paths.config_dir()).unwrap();
        std::fs::write(
            paths.config_toml(),
            format!(
                "[http]\nport = {http}\n[traefik_api]\nport = {api}\n\
                 [https]\nenabled = true\nport = {https}\n\
                 [https.letsencrypt]\nemail = \"a@example.org\"\ndomains = [\"hub.example.org\"]\n"
            ),
        )
        .unwrap();
        std::fs::create_dir_all(paths.state_dir()).unwrap();
        std::fs::write(paths.traefik_api_secret(), "s3cret\n").unwrap();
        let services = FakeServices::default();
        let traefik = UnitInfo {
            load_state: "loaded".into(),
            active_state: "active".into(),
            invocation_id: Some("run-2".into()),
            restarts: Some(1),
            ..UnitInfo::default()
        };
        services
            .infos
            .borrow_mut()
            .insert("traefik.service".into(), traefik.clone());
        services.journals.borrow_mut().insert(
            "traefik.service".into(),
            "2026-12-01T12:00:00Z ERR Unable to get ACME account error=\"invalidContact\"".into(),
        );
        let f = gather(&paths, &services, 0);
        assert_eq!(f.config_error, None);
        assert_eq!(f.services.traefik.info, traefik);
        assert_eq!(f.services.jupyterhub.info.active_state, "inactive");
        assert_eq!(f.https.source.as_deref(), Some("letsencrypt"));
        assert_eq!(f.https.domains, ["hub.example.org"]);
        // Diagnosed for the first domain, with the next step.
        let acme = f.https.last_acme_error.unwrap();
        assert!(
            acme.starts_with("the CA refused https.letsencrypt.email (invalidContact)"),
            "{acme}"
        );
        assert!(
            acme.contains("hubcfg set https.letsencrypt.email"),
            "{acme}"
        );
        let cert_error = f.https.certificate_error.unwrap();
        assert!(
            cert_error.contains(&format!("127.0.0.1:{https}")),
            "{cert_error}"
        );
        assert_eq!(f.hub_api.url, format!("https://127.0.0.1:{https}/hub/api"));
        assert!(f.traefik_api.error.unwrap().starts_with("cannot connect"));
        assert_eq!(
            f.servers.unknown.as_deref(),
            Some("no hub token yet: re-run bootstrap")
        );
        assert!(f.disk.free_bytes.is_some());
    }

    #[test]
    fn a_broken_config_falls_back_to_the_defaults_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        std::fs::create_dir_all(paths.config_dir()).unwrap();
        std::fs::write(paths.config_toml(), "[http]\nport = \"eighty\"\n").unwrap();
        let f = gather(&paths, &FakeServices::default(), 0);
        assert!(f.config_error.unwrap().contains("http.port"));
        assert_eq!(f.hub_api.url, "http://127.0.0.1:80/hub/api");
    }
}
