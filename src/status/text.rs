//! The report as text (one line per part, then warnings, then the verdict
//! and each problem with its next step) and as JSON. Pure.

use super::facts::{Check, Facts, Unit};
use super::report::Judgement;
use serde_json::{Value as Json, json};

pub fn state_since(u: &Unit) -> String {
    let i = &u.info;
    let mut s = i.active_state.clone();
    if !i.sub_state.is_empty() && i.sub_state != i.active_state {
        s += &format!(" ({})", i.sub_state);
    }
    if let Some(since) = &i.since {
        s += &format!(" since {since}");
        if let Some(secs) = i.since_seconds {
            s += &format!(", {} ago", duration(secs));
        }
    }
    s
}

pub fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `3d 4h`, `2h 5m`, `4m 10s`, `40s`.
pub fn duration(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (1.., _, _) => format!("{d}d {h}h"),
        (0, 1.., _) => format!("{h}h {m}m"),
        (0, 0, 1..) => format!("{m}m {s}s"),
        _ => format!("{s}s"),
    }
}

/// `1.5 GiB`, `300 MiB`.
pub fn bytes(n: u64) -> String {
    const MIB: f64 = (1u64 << 20) as f64;
    let mib = n as f64 / MIB;
    if mib >= 1024.0 {
        format!("{:.1} GiB", mib / 1024.0)
    } else {
        format!("{mib:.0} MiB")
    }
}

/// The text report: one line per part, then warnings, then the verdict
/// and each problem on its own line with its fix. Not escaped yet.
pub fn text(f: &Facts, j: &Judgement) -> String {
    let mut out = format!("hubcfg status of {}\n", f.prefix);
    let mut line = |label: &str, value: String| out += &format!("  {label:<20}{value}\n");
    for u in [&f.services.traefik, &f.services.jupyterhub] {
        let restarts = match u.info.restarts {
            Some(n) => format!("; {n} restart{}", plural(n)),
            None => String::new(),
        };
        line(&u.unit, format!("{}{restarts}", state_since(u)));
    }
    let answer = |c: &Check, name: &str| match (&c.error, &c.version) {
        (Some(e), _) if c.url.is_empty() => e.clone(),
        (Some(e), _) => format!("{}: {e}", c.url),
        (None, Some(v)) => format!("{}: ok, {name} {v}", c.url),
        (None, None) => format!("{}: ok", c.url),
    };
    line("hub API", answer(&f.hub_api, "JupyterHub"));
    line("Traefik API", answer(&f.traefik_api, "Traefik"));
    https_lines(f, &mut line);
    let d = &f.disk;
    line(
        "disk",
        match (d.free_bytes, d.total_bytes, &d.error) {
            (Some(free), Some(total), _) => {
                format!("{} free of {} on {}", bytes(free), bytes(total), d.path)
            }
            (_, _, Some(e)) => format!("unknown ({e})"),
            _ => "unknown".into(),
        },
    );
    line(
        "memory",
        match (f.memory.available_bytes, f.memory.total_bytes) {
            (Some(a), Some(t)) => format!("{} available of {}", bytes(a), bytes(t)),
            (None, Some(t)) => format!("{} in all", bytes(t)),
            _ => "unknown".into(),
        },
    );
    let v = &f.versions;
    let or_unknown = |o: &Option<String>| o.clone().unwrap_or_else(|| "unknown".into());
    line("hubcfg", v.hubcfg.clone());
    line("JupyterHub", or_unknown(&v.jupyterhub));
    line("Traefik", or_unknown(&v.traefik));
    line(
        "Python",
        format!(
            "{} (hub environment), {} (user environment)",
            or_unknown(&v.hub_python),
            or_unknown(&v.user_python)
        ),
    );
    let s = &f.servers;
    line(
        "running servers",
        match (s.running, &s.unknown, &s.error) {
            (Some(n), _, _) => n.to_string(),
            (None, _, Some(e)) => format!("unknown ({e})"),
            (None, Some(why), _) => format!("unknown ({why})"),
            _ => "unknown".into(),
        },
    );
    for w in &j.warnings {
        out += &format!("warning: {w}\n");
    }
    if j.problems.is_empty() {
        out += "healthy\n";
    } else {
        let n = j.problems.len();
        out += &format!("{n} problem{}:\n", plural(n as u64));
        for p in &j.problems {
            out += &format!("  {}\n    → {}\n", p.problem, p.fix);
        }
    }
    out
}

fn https_lines(f: &Facts, line: &mut impl FnMut(&str, String)) {
    let h = &f.https;
    if !h.enabled {
        line("https", "off".into());
        return;
    }
    let port = h.port.unwrap_or(443);
    let from = match h.source.as_deref() {
        Some("letsencrypt") => format!("Let's Encrypt for {}", h.domains.join(", ")),
        Some("manual") => "https.tls.cert".into(),
        _ => "not configured".into(),
    };
    line("https", format!("port {port}, certificate from {from}"));
    match (&h.certificate, &h.certificate_error) {
        (Some(c), _) => line(
            "certificate",
            format!(
                "{} from {}; {} days left ({}){}",
                c.subject,
                c.issuer,
                c.days_left,
                c.not_after,
                if c.traefik_default {
                    "; Traefik's default certificate"
                } else {
                    ""
                }
            ),
        ),
        (None, Some(e)) => line("certificate", format!("unknown ({e})")),
        _ => line("certificate", "unknown".into()),
    }
    if h.source.as_deref() == Some("letsencrypt") {
        line(
            "Let's Encrypt",
            h.last_acme_error
                .clone()
                .unwrap_or_else(|| "no ACME error since Traefik started".into()),
        );
    }
}

/// `status --json`: the facts, `healthy`, `problems` and `warnings`.
pub fn json(f: &Facts, j: &Judgement) -> Json {
    let mut v = serde_json::to_value(f).unwrap_or_else(|e| json!({"error": e.to_string()}));
    if let Some(o) = v.as_object_mut() {
        o.insert("healthy".into(), json!(j.problems.is_empty()));
        o.insert("problems".into(), json!(j.problems));
        o.insert("warnings".into(), json!(j.warnings));
    }
    v
}
