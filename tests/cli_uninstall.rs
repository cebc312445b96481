//! `hubcfg uninstall` on a temp prefix whose journal names only files under
//! the temp dir, with fake `systemctl` and `dpkg-query` first on PATH (they
//! log their arguments), so the host is never changed. As root only: the
//! command refuses anyone else (checked when not root).

mod common;

use common::{hubcfg_with_fakes, names_in};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

struct Box_ {
    dir: tempfile::TempDir,
}

impl Box_ {
    /// A prefix as bootstrap leaves it, with a journal naming `etc/thing`
    /// (made by us) and `etc/old` (replaced; its saved copy kept).
    fn new() -> Box_ {
        let b = Box_ {
            dir: tempfile::tempdir().unwrap(),
        };
        let fake = b.path("fake-bin");
        std::fs::create_dir_all(&fake).unwrap();
        for prog in ["systemctl", "dpkg-query", "apt-get"] {
            let script = fake.join(prog);
            let log = b.path("calls.log");
            std::fs::write(
                &script,
                format!(
                    "#!/bin/sh\necho \"{prog} $*\" >> '{}'\nexit 0\n",
                    log.display()
                ),
            )
            .unwrap();
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        for (rel, text) in [
            ("prefix/bin/hubcfg", "binary"),
            ("prefix/config/config.toml", "# mine\n"),
            ("prefix/state/hub-secret", "s"),
            ("prefix/user/bin/python3", "py"),
            ("prefix/state/journal-saved/old", "what was there\n"),
            ("etc/thing", "ours\n"),
            ("etc/old", "ours now\n"),
        ] {
            let p = b.path(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let (thing, old, saved) = (
            b.path("etc/thing"),
            b.path("etc/old"),
            b.path("prefix/state/journal-saved/old"),
        );
        let journal = format!(
            "{{\"v\":1,\"at\":1,\"by\":\"bootstrap\",\"kind\":\"file\",\"path\":{thing:?},\"before\":{{\"was\":\"absent\"}}}}\n\
             {{\"v\":1,\"at\":2,\"by\":\"bootstrap\",\"kind\":\"file\",\"path\":{old:?},\"before\":{{\"was\":\"file\",\"saved\":{saved:?},\"mode\":384,\"uid\":0,\"gid\":0}}}}\n"
        );
        std::fs::write(b.path("prefix/state/journal.jsonl"), journal).unwrap();
        b
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    fn uninstall(&self, args: &[&str]) -> (i32, String, String) {
        let out = hubcfg_with_fakes(&self.path("prefix"), &self.path("fake-bin"))
            .arg("uninstall")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (
            out.status.code().unwrap_or(-1),
            text(&out.stdout),
            text(&out.stderr),
        )
    }
}

impl Box_ {
    /// `hubcfg uninstall` on a real terminal (util-linux `script` gives it a
    /// pty), typing `answers`; returns what the terminal showed.
    fn uninstall_on_a_terminal(&self, answers: &str) -> (bool, String) {
        let c = hubcfg_with_fakes(&self.path("prefix"), &self.path("fake-bin"));
        let mut words = vec![c.get_program().to_string_lossy().into_owned()];
        words.extend(c.get_args().map(|a| a.to_string_lossy().into_owned()));
        words.push("uninstall".into());
        let line = words
            .iter()
            .map(|w| format!("'{}'", w.replace('\'', "'\\''")))
            .collect::<Vec<_>>()
            .join(" ");
        let mut script = Command::new("script");
        script.args(["-qec", &line, "/dev/null"]);
        for (k, v) in c.get_envs() {
            match v {
                Some(v) => script.env(k, v),
                None => script.env_remove(k),
            };
        }
        let mut child = script
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("util-linux script");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answers.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }
}

fn root() -> bool {
    nix::unistd::geteuid().is_root()
}

#[test]
fn without_a_terminal_or_yes_it_shows_the_plan_and_changes_nothing() {
    let b = Box_::new();
    let (code, out, err) = b.uninstall(&[]);
    assert_eq!(code, 1, "{out}\n{err}");
    if !root() {
        assert!(err.contains("needs root") && err.contains("sudo"), "{err}");
        return;
    }
    let prefix = b.path("prefix").display().to_string();
    assert!(
        out.starts_with(&format!("hubcfg uninstall of {prefix} will:\n")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  restore {} as it was before hubcfg",
            b.path("etc/old").display()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("  remove {}\n", b.path("etc/thing").display())),
        "{out}"
    );
    assert!(out.contains(&format!("  remove {prefix}\n")), "{out}");
    assert!(out.contains("run 'hubcfg backup' first to keep"), "{out}");
    assert!(
        err.contains("stdin is not a terminal; nothing was changed") && err.contains("--yes"),
        "{err}"
    );
    assert!(b.path("etc/thing").exists() && b.path("prefix/bin/hubcfg").exists());
}

#[test]
fn yes_undoes_the_journal_and_removes_the_prefix_then_nothing_is_left_to_do() {
    if !root() {
        return; // the refusal is checked above
    }
    let b = Box_::new();
    let (code, out, err) = b.uninstall(&["--yes"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(&format!(
            "  done: remove {}\n",
            b.path("etc/thing").display()
        )),
        "{out}"
    );
    assert!(
        out.ends_with("uninstalled: hubcfg's hub is gone from this machine\n"),
        "{out}"
    );
    assert_eq!(names_in(&b.path("etc")), ["old"]);
    assert_eq!(
        std::fs::read_to_string(b.path("etc/old")).unwrap(),
        "what was there\n"
    );
    assert_eq!(
        std::fs::metadata(b.path("etc/old"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o600
    );
    assert!(!b.path("prefix").exists());
    let (code, out, _) = b.uninstall(&["--yes"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("nothing to do: no hubcfg install at "),
        "{out}"
    );
}

#[test]
fn keep_data_keeps_config_and_state() {
    if !root() {
        return;
    }
    let b = Box_::new();
    let (code, out, err) = b.uninstall(&["--keep-data", "--yes"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("except"), "{out}");
    assert!(
        !out.contains("hubcfg backup"),
        "nothing to back up when it is kept: {out}"
    );
    assert_eq!(names_in(&b.path("prefix")), ["config", "state"]);
    assert!(b.path("prefix/state/journal.jsonl").is_file());
    let (code, out, _) = b.uninstall(&["--keep-data", "--yes"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("nothing to do"), "{out}");
}

#[test]
fn a_prefix_that_is_not_ours_is_never_removed() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("tljh");
    std::fs::create_dir_all(prefix.join("config")).unwrap();
    std::fs::write(prefix.join("config/config.yaml"), "users: {}\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hubcfg"))
        .arg("--prefix")
        .arg(&prefix)
        .args(["uninstall", "--yes"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    if root() {
        assert!(out.status.success(), "{text}");
        assert!(text.starts_with("nothing to do"), "{text}");
    }
    assert!(prefix.join("config/config.yaml").is_file());
}

#[test]
fn on_a_terminal_it_asks_and_no_changes_nothing_and_yes_goes_ahead() {
    if !root() {
        return;
    }
    let b = Box_::new();
    let (ok, shown) = b.uninstall_on_a_terminal("n\nn\n");
    assert!(!ok, "{shown}");
    assert!(
        shown.contains("make a backup with 'hubcfg backup' first? [y/N]"),
        "{shown}"
    );
    assert!(shown.contains("go ahead? [y/N]"), "{shown}");
    assert!(
        b.path("etc/thing").exists() && b.path("prefix/bin/hubcfg").exists(),
        "{shown}"
    );
    let (ok, shown) = b.uninstall_on_a_terminal("n\ny\n");
    assert!(ok, "{shown}");
    assert!(
        shown.contains("uninstalled: hubcfg's hub is gone from this machine"),
        "{shown}"
    );
    assert!(
        !b.path("etc/thing").exists() && !b.path("prefix").exists(),
        "{shown}"
    );
}
