//! `hubcfg ensure-user` with the real useradd/groupadd/gpasswd, inside a
//! private mount namespace whose /etc and /home are throwaway copies, so the
//! host's accounts are never touched.
//! Run as root: cargo test --test ensure_user_namespace -- --ignored

use std::process::Command;

#[test]
#[ignore = "needs root and unshare(1); run with -- --ignored"]
fn real_accounts_in_a_private_namespace() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test needs root (it bind-mounts copies of /etc and /home)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path().display().to_string();
    let bin = env!("CARGO_BIN_EXE_hubcfg");
    let script = format!(
        r#"set -eu
cp -a /etc {t}/etc
mkdir {t}/home
mount --bind {t}/etc /etc
mount --bind {t}/home /home
u=$({bin} ensure-user alice --admin --group course1)
test "$u" = jupyter-alice
id -nG jupyter-alice | tr ' ' '\n' | sort | tr '\n' ' '; echo
stat -c %a /home/jupyter-alice
{bin} ensure-user alice --group course1 >/dev/null
id -nG jupyter-alice | tr ' ' '\n' | sort | tr '\n' ' '; echo
{bin} ensure-user 'Jane.Doe@example.com'
"#
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .output()
        .expect("run unshare");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0].trim(),
        "course1 jupyter-alice jupyterhub-admins jupyterhub-users"
    );
    assert_eq!(lines[1], "700");
    assert_eq!(lines[2].trim(), "course1 jupyter-alice jupyterhub-users");
    assert!(lines[3].starts_with("jupyter-jane-doe-e-"), "{}", lines[3]);
    assert_eq!(lines[3].len(), 31);
    assert!(
        nix::unistd::User::from_name("jupyter-alice")
            .unwrap()
            .is_none(),
        "the host's accounts must be untouched"
    );
}
