//! Facts → problems (each with what to do) and warnings. Pure.

use super::facts::{Certificate, Check, Facts, Memory, Unit};
use super::text::{bytes, plural, state_since};
use serde::Serialize;

/// Less free disk than this on the prefix is a problem: the hub's database
/// and users' work stop being written.
pub const MIN_FREE_DISK: u64 = 1 << 30;
/// A Let's Encrypt certificate this close to expiry has missed its renewal
/// (Traefik renews 30 days ahead).
pub const LE_LATE_DAYS: i64 = 14;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// traefik, jupyterhub, hub, https, config, disk
    pub component: &'static str,
    pub problem: String,
    /// The next step.
    pub fix: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Judgement {
    pub problems: Vec<Problem>,
    /// Worth knowing, but the hub works.
    pub warnings: Vec<String>,
}

fn problem(component: &'static str, problem: String, fix: impl Into<String>) -> Problem {
    Problem {
        component,
        problem,
        fix: fix.into(),
    }
}

pub fn judge(f: &Facts) -> Judgement {
    let mut j = Judgement::default();
    if let Some(e) = &f.config_error {
        j.problems.push(problem(
            "config",
            format!("config.toml cannot be used ({e}); the checks below use the defaults"),
            "`sudo hubcfg validate` lists what is wrong; fix it with `hubcfg set` or `hubcfg unset`",
        ));
    }
    let traefik_down = !f.services.traefik.is_active();
    judge_unit(&mut j, &f.services.traefik, "proxy", false);
    judge_unit(&mut j, &f.services.jupyterhub, "hub", traefik_down);
    let down = [&f.services.traefik, &f.services.jupyterhub]
        .into_iter()
        .find(|u| !u.is_active());
    let first_start = |u: &Unit| format!("start {} first (see above)", u.unit);
    if !f.hub_api.ok {
        let fix = match (down, f.hub_api.http_status) {
            (Some(u), _) => first_start(u),
            (None, Some(404)) => {
                "Traefik has no route to the hub: `hubcfg reload hub` adds it again".into()
            }
            (None, Some(_)) => {
                "`journalctl -u jupyterhub -n 50` says why, then `hubcfg reload hub`".into()
            }
            (None, None) => "`journalctl -u traefik -n 50`; is another program on the port \
                (`ss -ltnp`)? then `hubcfg reload proxy`"
                .into(),
        };
        j.problems
            .push(problem("hub", failed("the hub", &f.hub_api), fix));
    }
    if !f.traefik_api.ok {
        let fix = match (f.traefik_api.http_status, &f.services.traefik) {
            _ if f.traefik_api.url.is_empty() => {
                "run `sudo hubcfg status`; if it says this as root, `sudo hubcfg reload proxy` \
                 writes the secret again"
                    .to_string()
            }
            (Some(401), _) => {
                "Traefik runs with another API secret than state/traefik-api.secret: \
                `hubcfg reload proxy`"
                    .to_string()
            }
            (_, t) if !t.is_active() => first_start(t),
            _ => "`journalctl -u traefik -n 50` says why, then `hubcfg reload proxy`".into(),
        };
        j.problems.push(problem(
            "traefik",
            failed("Traefik's API", &f.traefik_api),
            fix,
        ));
    }
    judge_https(&mut j, f, down.is_some_and(|u| u.short() == "traefik"));
    judge_resources(&mut j, f);
    if let Some(e) = &f.servers.error {
        j.problems.push(problem(
            "hub",
            format!("the hub refused hubcfg's token ({e})"),
            "run the installer again: it registers the token (state/hubcfg-hub-token)",
        ));
    }
    if f.versions.jupyterhub.is_none() {
        j.warnings.push(
            "JupyterHub's version is unknown: no jupyterhub-*.dist-info in the hub environment"
                .into(),
        );
    }
    j
}

/// `after_traefik`: the hub is down with Traefik, which its unit Requires=.
fn judge_unit(j: &mut Judgement, u: &Unit, reload: &str, after_traefik: bool) {
    let name = &u.unit;
    if u.info.load_state == "not-found" {
        j.problems.push(problem(
            unit_component(u),
            format!("{name} is not installed"),
            "run the installer again (`sudo hubcfg bootstrap`, or the install command)",
        ));
        return;
    }
    if u.info.active_state.starts_with("unknown") {
        j.problems.push(problem(
            unit_component(u),
            format!("the state of {name} is {}", u.info.active_state),
            "is systemd running here? `systemctl is-system-running` tells",
        ));
    } else if !u.is_active() && after_traefik {
        j.problems.push(problem(
            unit_component(u),
            format!("{name} is {}", state_since(u)),
            "it needs traefik.service: `hubcfg reload proxy` starts both",
        ));
    } else if !u.is_active() {
        j.problems.push(problem(
            unit_component(u),
            format!("{name} is {}", state_since(u)),
            format!(
                "`journalctl -u {} -n 50` says why, then `hubcfg reload {reload}`",
                u.short()
            ),
        ));
    } else if let Some(n @ 1..) = u.info.restarts {
        j.warnings.push(format!(
            "{name} restarted itself {n} time{} since it was started: `journalctl -u {}` says why",
            plural(n),
            u.short()
        ));
    }
}

fn unit_component(u: &Unit) -> &'static str {
    if u.short() == "traefik" {
        "traefik"
    } else {
        "jupyterhub"
    }
}

fn judge_https(j: &mut Judgement, f: &Facts, traefik_down: bool) {
    let h = &f.https;
    if !h.enabled {
        return;
    }
    let port = h.port.unwrap_or(443);
    let le = h.source.as_deref() == Some("letsencrypt");
    let reload = "then `hubcfg reload proxy`";
    let acme = h.last_acme_error.as_deref();
    let mut acme_told = false;
    if let Some(e) = &h.certificate_error {
        let fix = if traefik_down {
            "start traefik.service first (see above)".into()
        } else {
            format!("`journalctl -u traefik -n 50` says why, {reload}")
        };
        j.problems.push(problem(
            "https",
            format!("no certificate could be read on https port {port}: {e}"),
            fix,
        ));
    }
    if let Some(c) = &h.certificate {
        if c.traefik_default && le {
            acme_told = true;
            let why = acme.map_or(String::new(), |e| format!("; Let's Encrypt said: {e}"));
            j.problems.push(problem(
                "https",
                format!(
                    "port {port} serves Traefik's default certificate, not one from Let's Encrypt for {}{why}",
                    h.domains.join(", ")
                ),
                format!(
                    "check that {} resolve{} to this machine and that port 443 reaches it from the internet, {reload}",
                    h.domains.join(", "),
                    if h.domains.len() == 1 { "s" } else { "" }
                ),
            ));
        } else if c.traefik_default {
            j.problems.push(problem(
                "https",
                format!("port {port} serves Traefik's default certificate, not https.tls.cert"),
                format!(
                    "check that https.tls.cert and https.tls.key are a matching PEM pair, {reload}"
                ),
            ));
        } else if c.days_left < 0 {
            j.problems.push(problem(
                "https",
                format!(
                    "the certificate on port {port} expired {} days ago ({})",
                    -c.days_left, c.not_after
                ),
                renew_fix(le, reload),
            ));
        } else if c.days_left < LE_LATE_DAYS && le {
            j.problems.push(problem(
                "https",
                format!("{}, and Let's Encrypt has not renewed it", expires(port, c)),
                renew_fix(le, reload),
            ));
        } else if c.days_left < LE_LATE_DAYS {
            j.warnings.push(expires(port, c));
        }
    }
    if let (Some(e), false) = (acme, acme_told) {
        j.problems.push(problem(
            "https",
            format!("Let's Encrypt: {e}"),
            format!(
                "check https.letsencrypt.email and that the domains resolve here and port 443 reaches this machine, {reload}"
            ),
        ));
    }
}

fn expires(port: u16, c: &Certificate) -> String {
    format!(
        "the certificate on port {port} expires in {} days ({})",
        c.days_left, c.not_after
    )
}

fn renew_fix(le: bool, reload: &str) -> String {
    if le {
        format!("see Traefik's ACME errors (`journalctl -u traefik | grep -i acme`), {reload}")
    } else {
        format!("put a renewed certificate at https.tls.cert, {reload}")
    }
}

fn judge_resources(j: &mut Judgement, f: &Facts) {
    let d = &f.disk;
    match (d.free_bytes, &d.error) {
        (Some(free), _) if free < MIN_FREE_DISK => j.problems.push(problem(
            "disk",
            format!("only {} free on {}", bytes(free), d.path),
            "free some space (old files in users' homes, `journalctl --vacuum-size=200M`, `apt-get clean`)",
        )),
        (_, Some(e)) => j.warnings.push(format!("free disk space unknown: {e}")),
        _ => {}
    }
    if let Memory {
        total_bytes: Some(t),
        available_bytes: Some(a),
    } = f.memory
        && a < t / 10
    {
        j.warnings.push(format!(
            "only {} of {} memory is available: new servers may not start",
            bytes(a),
            bytes(t)
        ));
    }
}

fn failed(what: &str, c: &Check) -> String {
    let why = c.error.as_deref().unwrap_or("no answer");
    if c.url.is_empty() {
        return format!("{what} cannot be asked: {why}");
    }
    format!("{what} does not answer at {}: {why}", c.url)
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
