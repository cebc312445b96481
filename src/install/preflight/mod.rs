//! Checks that run before bootstrap touches anything. `gather` reads the host
//! (the only I/O here); `check` is pure, so every rule is unit-tested with
//! made-up facts.

use crate::install::BootstrapArgs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

/// Free space needed on the prefix's filesystem for a first install (hub env,
/// Miniforge, JupyterLab) and for a re-run (upgrades within the ranges).
pub const MIN_FREE_FIRST_INSTALL: u64 = 3 * GIB;
pub const MIN_FREE_RERUN: u64 = 512 * MIB;
/// Below this much RAM preflight says how many participants fit at once.
pub const LOW_MEMORY: u64 = 2 * GIB;
/// Measured (scripts/e2e E2E_MEMORY=1G, scripts/bench-install): what the hub
/// (with its idle culler), Traefik and the system need before any
/// participant, the memory they run from included (code pages are page cache
/// under the same limit), and one participant's server with a running kernel
/// (RSS, mostly anonymous). The install itself peaks far lower.
pub const HUB_RESERVED: u64 = 280 * MIB;
pub const PER_PARTICIPANT: u64 = 145 * MIB;

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

/// Whether something else holds a port we need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortState {
    Free,
    /// Busy, but traefik.service is active: it is our proxy (a re-run).
    Ours,
    Busy,
    /// Could not tell (e.g. not root, so binding a low port is refused).
    Unknown,
}

/// Everything preflight looks at, gathered once.
#[derive(Debug, Clone)]
pub struct HostFacts {
    pub euid: u32,
    /// Contents of /proc/1/comm (trimmed); "systemd" when systemd is PID 1.
    pub pid1: Option<String>,
    /// /etc/os-release text (None when unreadable).
    pub os_release: Option<String>,
    pub arch: String,
    /// Bytes available to root on the prefix's filesystem.
    pub free_disk: Option<u64>,
    /// MemTotal in bytes, or the memory cgroup's limit when smaller.
    pub mem_total: Option<u64>,
    /// The ports Traefik will listen on (http.port, and https.port when
    /// https is on) and who holds them now.
    pub ports: Vec<(u16, PortState)>,
    /// `$PREFIX/hub/bin/python3` exists (a re-run).
    pub installed: bool,
    /// A TLJH `config.yaml` found in the prefix while there is no
    /// config.toml yet, converted as `hubcfg migrate` converts it.
    pub tljh_yaml: Option<TljhYaml>,
    /// What shows that TLJH itself is installed in the prefix (its unit,
    /// its package): bootstrap adopts it (`install::adopt`).
    pub tljh_install: Option<String>,
}

/// TLJH's config.yaml and what `hubcfg migrate` makes of it.
#[derive(Debug, Clone)]
pub struct TljhYaml {
    pub path: PathBuf,
    /// The conversion, or why there is none (every refused key).
    pub converted: Result<crate::migrate::Converted, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// One line: what is wrong and what to do.
    pub message: String,
}

impl Problem {
    fn error(message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Error,
            message: message.into(),
        }
    }
    fn warning(message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            message: message.into(),
        }
    }
}

/// The fields of /etc/os-release we use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsRelease {
    pub id: String,
    pub version_id: Option<String>,
    pub pretty_name: Option<String>,
    pub version_codename: Option<String>,
}

/// Parses os-release's `KEY=value` lines (values optionally quoted).
/// Unknown lines are ignored; nothing here can panic.
pub fn parse_os_release(text: &str) -> OsRelease {
    let mut os = OsRelease::default();
    for line in text.lines() {
        let Some((key, value)) = line.trim().split_once('=') else {
            continue;
        };
        let value = unquote(value.trim());
        match key.trim() {
            "ID" => os.id = value.to_ascii_lowercase(),
            "VERSION_ID" if !value.is_empty() => os.version_id = Some(value),
            "PRETTY_NAME" if !value.is_empty() => os.pretty_name = Some(value),
            "VERSION_CODENAME" if !value.is_empty() => os.version_codename = Some(value),
            _ => {}
        }
    }
    os
}

fn unquote(v: &str) -> String {
    let inner = if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        &v[1..v.len() - 1]
    } else {
        v
    };
    inner.replace("\\\"", "\"").replace("\\\\", "\\")
}

/// `"22.04"` → (22, 4); `"12"` → (12, 0); garbage → None.
pub fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = match parts.next() {
        Some(m) => m.parse().ok()?,
        None => 0,
    };
    Some((major, minor))
}

/// Why this OS is not supported, or None when it is.
pub fn os_problem(os: &OsRelease) -> Option<String> {
    let name = os
        .pretty_name
        .clone()
        .unwrap_or_else(|| match (&os.id, &os.version_id) {
            (id, _) if id.is_empty() => "an unknown OS".to_string(),
            (id, Some(v)) => format!("{id} {v}"),
            (id, None) => id.clone(),
        });
    let minimum = match os.id.as_str() {
        "ubuntu" => (22, 4),
        "debian" => (11, 0),
        _ => return Some(unsupported(&name)),
    };
    match &os.version_id {
        // Debian testing/unstable have no VERSION_ID (TLJH crashes here, W16);
        // they are newer than any stable release.
        None if os.id == "debian" => None,
        None => Some(unsupported(&name)),
        Some(v) => match parse_version(v) {
            Some(found) if found >= minimum => None,
            _ => Some(unsupported(&name)),
        },
    }
}

fn unsupported(name: &str) -> String {
    format!("hubcfg supports Ubuntu 22.04+ and Debian 11+; this is {name}")
}

pub use crate::memory::parse_meminfo_total;

pub fn supported_arch(arch: &str) -> bool {
    matches!(arch, "x86_64" | "aarch64")
}

fn human(bytes: u64) -> String {
    if bytes >= GIB {
        format!("{:.1} GB", bytes as f64 / GIB as f64)
    } else {
        format!("{} MB", bytes / MIB)
    }
}

/// How many participants can work at the same time (each with a server and
/// a running kernel) on a machine with `mem` bytes of RAM and no swap.
pub fn participants_for(mem: u64) -> u64 {
    mem.saturating_sub(HUB_RESERVED) / PER_PARTICIPANT
}

/// What a small machine can hold, in participants, from the measurements.
pub fn low_memory_message(mem: u64) -> String {
    let why = format!(
        "the hub, its proxy and the system need about {} MB, each participant's server with a running kernel about {} MB",
        HUB_RESERVED / MIB,
        PER_PARTICIPANT / MIB
    );
    match participants_for(mem) {
        0 => format!(
            "this machine has {} of RAM: too little for the hub and one participant ({why}); use at least 1 GB, or add swap",
            human(mem)
        ),
        n => format!(
            "this machine has {} of RAM: about {n} participant{} can work at the same time ({why}; heavier notebooks need more); add memory or swap for more",
            human(mem),
            if n == 1 { "" } else { "s" }
        ),
    }
}

/// Every rule, in the order a user should fix them.
pub fn check(facts: &HostFacts, args: &BootstrapArgs) -> Vec<Problem> {
    let mut problems = Vec::new();
    if facts.euid != 0 {
        problems.push(Problem::error(
            "hubcfg bootstrap must run as root (try: sudo hubcfg bootstrap …)",
        ));
    }
    if facts.pid1.as_deref() != Some("systemd") {
        let what = facts.pid1.as_deref().unwrap_or("unknown");
        problems.push(Problem::error(format!(
            "systemd is required to run the hub, but PID 1 is `{what}` (containers need systemd as init, e.g. systemd-nspawn -b)"
        )));
    }
    match &facts.os_release {
        None if !args.skip_os_check => problems.push(Problem::error(
            "cannot read /etc/os-release to check the OS (use --skip-os-check to try anyway)",
        )),
        None => {}
        Some(text) => {
            if let Some(msg) = os_problem(&parse_os_release(text)) {
                if args.skip_os_check {
                    problems.push(Problem::warning(format!(
                        "{msg} — continuing because of --skip-os-check"
                    )));
                } else {
                    problems.push(Problem::error(format!(
                        "{msg} (use --skip-os-check to try anyway)"
                    )));
                }
            }
        }
    }
    if !supported_arch(&facts.arch) {
        problems.push(Problem::error(format!(
            "hubcfg supports x86_64 and aarch64 machines; this one is {}",
            facts.arch
        )));
    }
    if let Some(free) = facts.free_disk {
        let need = if facts.installed {
            MIN_FREE_RERUN
        } else {
            MIN_FREE_FIRST_INSTALL
        };
        if free < need {
            problems.push(Problem::error(format!(
                "only {} free on the install prefix's filesystem; bootstrap needs at least {}",
                human(free),
                human(need)
            )));
        }
    }
    if let Some(mem) = facts.mem_total
        && mem < LOW_MEMORY
    {
        problems.push(Problem::warning(low_memory_message(mem)));
    }
    if let Some(TljhYaml {
        path,
        converted: Err(why),
    }) = &facts.tljh_yaml
    {
        problems.push(Problem::error(format!(
            "found TLJH's {}, and bootstrap converts it to config/config.toml first (as `hubcfg migrate` does), but {why}",
            path.display()
        )));
    }
    for (port, state) in &facts.ports {
        if *state == PortState::Busy {
            problems.push(Problem::error(format!(
                "port {port} is used by another program; stop it (see `ss -ltnp 'sport = :{port}'`) or change http.port/https.port in config.toml"
            )));
        }
    }
    problems
}

/// Reads the facts from this host. `ports` says which ports Traefik will
/// need, given TLJH's converted config.yaml if there is one;
/// `traefik_active` is asked only when one is busy.
pub fn gather(
    prefix: &Path,
    ports: &dyn Fn(Option<&TljhYaml>) -> Vec<u16>,
    traefik_active: &dyn Fn() -> bool,
) -> HostFacts {
    let tljh = tljh_yaml(prefix).map(|path| {
        let python = crate::migrate::apply::python(&crate::paths::Paths::new(prefix));
        TljhYaml {
            converted: crate::migrate::apply::read_and_convert(&python, &path)
                .map_err(|e| e.to_string()),
            path,
        }
    });
    let ports = ports(tljh.as_ref());
    HostFacts {
        euid: nix::unistd::geteuid().as_raw(),
        pid1: std::fs::read_to_string("/proc/1/comm")
            .ok()
            .map(|s| s.trim().to_string()),
        os_release: std::fs::read_to_string("/etc/os-release")
            .or_else(|_| std::fs::read_to_string("/usr/lib/os-release"))
            .ok(),
        arch: std::env::consts::ARCH.to_string(),
        free_disk: free_disk(prefix),
        mem_total: crate::memory::available(),
        ports: ports
            .iter()
            .map(|p| (*p, port_state(*p, traefik_active)))
            .collect(),
        installed: prefix.join("hub/bin/python3").exists(),
        tljh_yaml: tljh,
        tljh_install: crate::migrate::live::to_adopt(
            prefix,
            Path::new(crate::install::services::UNIT_DIR),
        ),
    }
}

/// TLJH keeps its config in `config/config.yaml` (older versions: at the
/// prefix's top). Only a problem while config.toml does not exist yet.
fn tljh_yaml(prefix: &Path) -> Option<PathBuf> {
    if prefix.join("config/config.toml").exists() {
        return None;
    }
    [
        prefix.join("config/config.yaml"),
        prefix.join("config.yaml"),
    ]
    .into_iter()
    .find(|p| p.exists())
}

/// Free bytes on the filesystem that holds `path` (or its nearest existing
/// ancestor, since the prefix may not exist yet).
fn free_disk(path: &Path) -> Option<u64> {
    let existing = path.ancestors().find(|p| p.exists())?;
    let st = nix::sys::statvfs::statvfs(existing).ok()?;
    Some(st.blocks_available() as u64 * st.fragment_size() as u64)
}

fn port_state(port: u16, traefik_active: &dyn Fn() -> bool) -> PortState {
    match TcpListener::bind(("0.0.0.0", port)) {
        Ok(_) => PortState::Free,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            if traefik_active() {
                PortState::Ours
            } else {
                PortState::Busy
            }
        }
        Err(_) => PortState::Unknown,
    }
}

#[cfg(test)]
mod tests;
