//! `hubcfg uninstall --purge-users` with the real useradd/userdel/groupadd/
//! groupdel, inside a private mount namespace whose /etc and /home are
//! throwaway copies (tests/common), and fake `systemctl`/`dpkg-query` first
//! on PATH, so the host is never touched.
//! Run as root: cargo test --test cli_uninstall_real -- --ignored

mod common;

use common::{assert_root, in_namespace};

#[test]
#[ignore = "needs root and unshare(1); run with -- --ignored"]
fn accounts_and_groups_made_by_ensure_user_are_deleted_for_real() {
    assert_root();
    let bin = env!("CARGO_BIN_EXE_hubcfg");
    let script = format!(
        r#"p=$(mktemp -d)/prefix
fake=$(mktemp -d)
printf '#!/bin/sh\nexit 0\n' > $fake/systemctl
printf '#!/bin/sh\nexit 0\n' > $fake/dpkg-query
chmod +x $fake/systemctl $fake/dpkg-query
groupadd e2e-there-before
{bin} --prefix $p ensure-user bob --admin --group e2e-there-before
{bin} --prefix $p ensure-user carol --group e2e-course
id -nG jupyter-bob | tr ' ' '\n' | sort | tr '\n' ' '; echo
PATH=$fake:$PATH {bin} --prefix $p uninstall --purge-users --yes
for u in jupyter-bob jupyter-carol; do getent passwd $u || echo "no $u"; done
for g in jupyterhub-users jupyterhub-admins e2e-course e2e-there-before; do getent group $g >/dev/null && echo "group $g" || echo "no group $g"; done
ls /home | wc -l
test -e $p && echo "prefix left" || echo "prefix gone"
PATH=$fake:$PATH {bin} --prefix $p uninstall --purge-users --yes
"#
    );
    let out = in_namespace(&script, &[]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        out.contains("e2e-there-before jupyter-bob jupyterhub-admins jupyterhub-users"),
        "{out}"
    );
    assert!(
        out.contains("  done: delete the account jupyter-carol and its home /home/jupyter-carol"),
        "{out}"
    );
    assert!(out.contains("  done: delete the group e2e-course"), "{out}");
    assert!(!out.contains("delete the group e2e-there-before"), "{out}");
    let tail: Vec<&str> = lines[lines.len() - 9..].to_vec();
    assert_eq!(
        tail,
        [
            "no jupyter-bob",
            "no jupyter-carol",
            "no group jupyterhub-users",
            "no group jupyterhub-admins",
            "no group e2e-course",
            "group e2e-there-before",
            "0",
            "prefix gone",
            tail[8],
        ],
        "{out}"
    );
    assert!(tail[8].starts_with("nothing to do"), "{out}");
}
