//! How much memory this machine (or the container or cgroup it runs in)
//! really has: the smaller of MemTotal and the memory cgroup's limit, since
//! a container limited to 1 GB still shows the host's MemTotal.  (/proc,
//! /sys/fs/cgroup)

use std::path::Path;

/// The memory available to us, in bytes, when it can be read.
pub fn available() -> Option<u64> {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| parse_meminfo_total(&t));
    let cgroup = std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|t| cgroup_limit(Path::new("/sys/fs/cgroup"), &t));
    match (total, cgroup) {
        (Some(t), Some(c)) => Some(t.min(c)),
        (t, c) => t.or(c),
    }
}

/// `MemTotal:  2035112 kB` → bytes.
pub fn parse_meminfo_total(text: &str) -> Option<u64> {
    meminfo_field(text, "MemTotal:")
}

/// `MemAvailable:` → bytes: the kernel's estimate of what can still be
/// used without swapping.
pub fn parse_meminfo_available(text: &str) -> Option<u64> {
    meminfo_field(text, "MemAvailable:")
}

fn meminfo_field(text: &str, field: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?;
        let kb: u64 = rest.split_whitespace().next()?.parse().ok()?;
        Some(kb * 1024)
    })
}

/// The memory limit of the cgroup in `proc_self_cgroup` (the text of
/// /proc/self/cgroup) and of its ancestors, under the cgroup mount `root`:
/// cgroup v1's `hierarchical_memory_limit`, or the smallest `memory.max`
/// from our group up to the root in v2. `None` when unlimited or unknown.
pub fn cgroup_limit(root: &Path, proc_self_cgroup: &str) -> Option<u64> {
    let v1 = proc_self_cgroup.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers
            .split(',')
            .any(|c| c == "memory")
            .then_some(path)
    });
    if let Some(path) = v1 {
        // Inside a container the group is often mounted as the root.
        let candidates = [
            root.join("memory").join(path.trim_start_matches('/')),
            root.join("memory"),
        ];
        return candidates.iter().find_map(|dir| {
            let stat = std::fs::read_to_string(dir.join("memory.stat")).ok()?;
            stat.lines()
                .find_map(|l| l.strip_prefix("hierarchical_memory_limit "))
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|&v| v < UNLIMITED_V1)
        });
    }
    let path = proc_self_cgroup
        .lines()
        .find_map(|l| l.strip_prefix("0::"))?;
    let mut dir = root.join(path.trim_start_matches('/'));
    let mut limit: Option<u64> = None;
    loop {
        if let Ok(text) = std::fs::read_to_string(dir.join("memory.max"))
            && let Ok(v) = text.trim().parse::<u64>()
        {
            limit = Some(limit.map_or(v, |l| l.min(v)));
        }
        if dir == root || !dir.pop() || !dir.starts_with(root) {
            return limit;
        }
    }
}

/// cgroup v1 reports "no limit" as a huge page-aligned number.
const UNLIMITED_V1: u64 = 1 << 62;

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    #[test]
    fn meminfo() {
        let t = "MemTotal:        1000000 kB\nMemFree: 1 kB\n";
        assert_eq!(parse_meminfo_total(t), Some(1_024_000_000));
        assert_eq!(parse_meminfo_total("MemFree: 1 kB\n"), None);
        let t = "MemTotal: 4 kB\nMemAvailable:     2 kB\n";
        assert_eq!(parse_meminfo_available(t), Some(2048));
    }

    #[test]
    fn cgroup_v1_hierarchical_limit_and_unlimited() {
        let root = tempfile::tempdir().unwrap();
        let group = root.path().join("memory/box/a");
        std::fs::create_dir_all(&group).unwrap();
        let text = "4:memory:/box/a\n1:cpu:/\n";
        std::fs::write(
            group.join("memory.stat"),
            format!("cache 1\nhierarchical_memory_limit {GIB}\n"),
        )
        .unwrap();
        assert_eq!(cgroup_limit(root.path(), text), Some(GIB));
        std::fs::write(
            group.join("memory.stat"),
            "hierarchical_memory_limit 9223372036854771712\n",
        )
        .unwrap();
        assert_eq!(cgroup_limit(root.path(), text), None, "unlimited");
        // A container sees its own group mounted at the top.
        std::fs::remove_dir_all(root.path().join("memory/box")).unwrap();
        std::fs::write(
            root.path().join("memory/memory.stat"),
            format!("hierarchical_memory_limit {}\n", 2 * GIB),
        )
        .unwrap();
        assert_eq!(cgroup_limit(root.path(), text), Some(2 * GIB));
    }

    #[test]
    fn cgroup_v2_smallest_limit_up_the_tree() {
        let root = tempfile::tempdir().unwrap();
        let group = root.path().join("machine/box");
        std::fs::create_dir_all(&group).unwrap();
        std::fs::write(root.path().join("machine/memory.max"), format!("{GIB}\n")).unwrap();
        std::fs::write(group.join("memory.max"), "max\n").unwrap();
        assert_eq!(cgroup_limit(root.path(), "0::/machine/box\n"), Some(GIB));
        std::fs::write(root.path().join("machine/memory.max"), "max\n").unwrap();
        assert_eq!(cgroup_limit(root.path(), "0::/machine/box\n"), None);
    }
}
