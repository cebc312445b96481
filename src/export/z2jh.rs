//! TLJH's keys → Zero to JupyterHub values (the mapping table is in
//! shared/docs/tljh-users.md). Pure: the effective config, the
//! jupyterhub_config.d files and a reader for PEM files in; the values
//! document and its warnings out. Every schema key is either mapped here
//! or named in a comment and a warning.

use super::auth::{self, PLACEHOLDER};
use super::out::Out;
use super::yaml::Node;
use crate::effective::{Challenge, DefaultApp, Effective, Memory};
use crate::error::Result;
use crate::render::traefik::{self, Https};

pub struct Inputs<'a> {
    pub eff: &'a Effective,
    /// Keys of config.toml that hubcfg does not know (and TLJH ignores).
    pub unknown_keys: Vec<String>,
    /// `jupyterhub_config.d/*.py` as (file name, text), in the order TLJH loads them.
    pub config_d: Vec<(String, String)>,
    /// Reads a PEM file named by `https.tls.*`; `Err` says why not.
    pub read_pem: &'a dyn Fn(&str) -> std::result::Result<String, String>,
    /// Write secrets in clear instead of [`PLACEHOLDER`].
    pub include_secrets: bool,
}

#[derive(Debug)]
pub struct Export {
    pub text: String,
    pub warnings: Vec<String>,
}

/// The chart's `singleuser.memory.guarantee` (its values.yaml: `1G`), in
/// bytes as KubeSpawner reads it.
const CHART_MEMORY_GUARANTEE: f64 = (1u64 << 30) as f64;

const HEADER: &[&str] = &[
    "Zero to JupyterHub values for this hub, written by `hubcfg export z2jh`.",
    "Use: helm upgrade --install jhub jupyterhub/jupyterhub --values THIS-FILE",
    "The chart merges its own defaults under these; where TLJH's defaults differ",
    "from the chart's (the idle culler), TLJH's are written out.",
    "traefik_api.* is not exported: the chart's proxy has its own API and token.",
];

pub fn z2jh(inp: &Inputs) -> Result<Export> {
    let eff = inp.eff;
    let mut out = Out {
        header: HEADER.iter().map(|l| l.to_string()).collect(),
        ..Out::default()
    };
    out.set(&["hub", "baseUrl"], eff.base_url.as_str());
    auth::auth(&mut out, eff, inp.include_secrets);
    config_d(&mut out, &inp.config_d);
    https(&mut out, inp)?;
    ports(&mut out, eff);
    singleuser(&mut out, eff);
    cull(&mut out, eff);
    for key in &inp.unknown_keys {
        out.lost(&format!(
            "{key}: not a key hubcfg knows (`hubcfg validate` lists it)."
        ));
    }
    Ok(Export {
        text: out.text(),
        warnings: out.warnings,
    })
}

fn config_d(out: &mut Out, files: &[(String, String)]) {
    for (name, text) in files {
        out.set(&["hub", "extraConfig", name], text.as_str());
    }
    if !files.is_empty() {
        out.warn(
            &["hub", "extraConfig"],
            "copied from config/jupyterhub_config.d; the chart runs them in the order of their \
             names, after hub.config, as TLJH did. Review them: this machine's paths, unix \
             users and SystemdSpawner settings do not apply in the hub pod.",
        );
    }
}

fn https(out: &mut Out, inp: &Inputs) -> Result<()> {
    let at = |k: &'static str| ["proxy", "https", k];
    match traefik::https(inp.eff)? {
        Https::Off => out.set(&at("enabled"), false),
        Https::LetsEncrypt(le) => {
            out.set(&at("enabled"), true);
            out.set(&at("type"), "letsencrypt");
            out.set(&["proxy", "https", "letsencrypt", "contactEmail"], le.email);
            if let Some(server) = le.ca_server {
                out.set(&["proxy", "https", "letsencrypt", "acmeServer"], server);
            }
            out.set(&at("hosts"), le.domains.as_slice());
            if le.challenge == Challenge::TlsAlpn01 {
                out.note(
                    &at("type"),
                    "The chart answers Let's Encrypt's HTTP-01 challenge: port 80 of the \
                     proxy's public address must be reachable (TLJH used tls-alpn-01 on 443).",
                );
            }
            if let Some(bundle) = le.ca_bundle {
                out.lost(&format!(
                    "https.letsencrypt.ca_bundle ({bundle}): the chart's autohttps pod trusts \
                     only its image's CA certificates."
                ));
            }
        }
        Https::Manual { cert, key } => {
            out.set(&at("enabled"), true);
            out.set(&at("type"), "manual");
            out.note(
                &at("manual"),
                &format!(
                    "The chart wants the PEM contents, not paths: these are {cert} and {key} \
                     as read now. Update them here when the certificate is renewed."
                ),
            );
            pem(out, inp, "cert", &cert, false);
            pem(out, inp, "key", &key, true);
        }
    }
    Ok(())
}

/// One of `proxy.https.manual.{cert,key}`: the file's contents, or a
/// placeholder and a warning. The key is a secret.
fn pem(out: &mut Out, inp: &Inputs, name: &str, file: &str, secret: bool) {
    let path = ["proxy", "https", "manual", name];
    if secret && !inp.include_secrets {
        out.set(&path, PLACEHOLDER);
        out.warn(
            &path,
            &format!(
                "the private key ({file}) was not exported: paste its PEM contents here (or \
                 export with --include-secrets -o FILE)."
            ),
        );
        return;
    }
    match (inp.read_pem)(file) {
        Ok(text) => {
            out.set(&path, text);
            if secret {
                out.note(
                    &path,
                    &format!(
                        "SECRET (the private key {file}), written as asked \
                         (--include-secrets): keep this file private."
                    ),
                );
            }
        }
        Err(why) => {
            out.set(&path, PLACEHOLDER);
            out.warn(
                &path,
                &format!("could not read {file} ({why}): paste its PEM contents here."),
            );
        }
    }
}

/// http/https addresses and ports: the chart's proxy-public service.
fn ports(out: &mut Out, eff: &Effective) {
    let d = Effective::defaults();
    let mut changed = vec![];
    if eff.http.port != d.http.port {
        changed.push(format!("http.port {}", eff.http.port));
    }
    if eff.https.enabled && eff.https.port != d.https.port {
        changed.push(format!("https.port {}", eff.https.port));
    }
    for (key, addr) in [
        ("http.address", &eff.http.address),
        ("https.address", &eff.https.address),
    ] {
        if addr != &d.http.address {
            changed.push(format!("{key} {addr}"));
        }
    }
    if !changed.is_empty() {
        out.lost(&format!(
            "{}: the chart's proxy-public service listens on 80 and 443 of its own address; \
             choose how it is reached with proxy.service (type, nodePorts, loadBalancerIP).",
            changed.join(", ")
        ));
    }
}

fn singleuser(out: &mut Out, eff: &Effective) {
    let default_url = match eff.user_environment.default_app {
        DefaultApp::Jupyterlab => "/lab",
        DefaultApp::Classic => "/tree",
    };
    out.set(&["singleuser", "defaultUrl"], default_url);
    if let Some(mem) = &eff.limits.memory {
        let limit = match mem {
            Memory::Bytes(b) => Node::UInt(*b),
            Memory::Size(s) => Node::from(s.as_str()),
        };
        out.set(&["singleuser", "memory", "limit"], limit);
        if bytes(mem).is_some_and(|b| b < CHART_MEMORY_GUARANTEE) {
            let path = ["singleuser", "memory", "guarantee"];
            out.set(&path, Node::Null);
            out.note(
                &path,
                "No guarantee (TLJH has none): the chart's 1G would be more than the \
                 limit, which Kubernetes refuses; it then reserves the limit.",
            );
        }
        out.note(
            &["singleuser", "memory"],
            "K, M, G, T mean 1024, 1024², … bytes, in TLJH and KubeSpawner alike.",
        );
    }
    if let Some(cpu) = eff.limits.cpu {
        out.set(&["singleuser", "cpu", "limit"], Node::Float(cpu));
    }
    out.lost(
        "user_environment (the Python environment in PREFIX/user and its packages): build an \
         image with the same packages (e.g. from jupyter/docker-stacks or repo2docker) and set \
         singleuser.image.name and .tag; until then users get the chart's sample image.",
    );
    out.lost(
        "users' unix accounts and homes: TLJH runs each user as jupyter-NAME with home \
         /home/jupyter-NAME; the chart runs every user's pod as uid 1000 (jovyan) with a \
         volume of its own at /home/jovyan. Copy each home into its user's volume.",
    );
    let groups = &eff.users.extra_user_groups;
    if !groups.is_empty() {
        let list: Vec<String> = groups
            .iter()
            .map(|(g, users)| format!("{g} = {}", users.join(", ")))
            .collect();
        out.lost(&format!(
            "users.extra_user_groups ({}): user pods share no unix groups; for shared files \
             mount a shared volume (singleuser.storage.extraVolumes).",
            list.join("; ")
        ));
    }
}

/// Bytes as KubeSpawner reads a size (a number, or one with K/M/G/T).
fn bytes(mem: &Memory) -> Option<f64> {
    match mem {
        Memory::Bytes(b) => Some(*b as f64),
        Memory::Size(s) => {
            let (num, unit) = s.split_at(s.len().checked_sub(1)?);
            let shift = match unit {
                "K" => 10,
                "M" => 20,
                "G" => 30,
                "T" => 40,
                _ => return s.parse().ok(),
            };
            Some(num.parse::<f64>().ok()? * (1u64 << shift) as f64)
        }
    }
}

fn cull(out: &mut Out, eff: &Effective) {
    let c = &eff.services.cull;
    out.set(&["cull", "enabled"], c.enabled);
    out.set(&["cull", "timeout"], c.timeout);
    out.set(&["cull", "every"], c.every.get());
    out.set(&["cull", "concurrency"], c.concurrency.get());
    out.set(&["cull", "users"], c.users);
    out.set(&["cull", "maxAge"], c.max_age);
    out.set(&["cull", "removeNamedServers"], c.remove_named_servers);
    out.note(
        &["cull"],
        "TLJH's culler settings, all written out: the chart's defaults differ.",
    );
}

#[cfg(test)]
#[path = "z2jh_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "z2jh_auth_tests.rs"]
mod auth_tests;
