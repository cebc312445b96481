//! `hubcfg ensure-user` with the real useradd/groupadd/gpasswd, inside a
//! private mount namespace whose /etc and /home are throwaway copies, so the
//! host's accounts are never touched.
//! Run as root: cargo test --test ensure_user_namespace -- --ignored

mod common;

use common::{assert_root, in_namespace};

#[path = "fixtures/user_names_table.rs"]
mod table;

#[test]
#[ignore = "needs root and unshare(1); run with -- --ignored"]
fn real_accounts_in_a_private_namespace() {
    assert_root();
    let bin = env!("CARGO_BIN_EXE_hubcfg");
    let script = format!(
        r#"u=$({bin} ensure-user alice --admin --group course1)
test "$u" = jupyter-alice
id -nG jupyter-alice | tr ' ' '\n' | sort | tr '\n' ' '; echo
stat -c %a /home/jupyter-alice
{bin} ensure-user alice --group course1 >/dev/null
id -nG jupyter-alice | tr ' ' '\n' | sort | tr '\n' ' '; echo
{bin} ensure-user 'Jane.Doe@example.com'
"#
    );
    let stdout = in_namespace(&script, &[]);
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

/// The shared name table (tests/fixtures/user_names.json; the glue's side is
/// in tests/glue/check_glue.py) with the real useradd and hubcfg: a new user
/// gets the table's `account`; a user TLJH already made an account for (made
/// here with `useradd --badname`, as older useradd versions accepted such
/// names) runs as that account when its name is safe, else as `account`.
#[test]
#[ignore = "needs root and unshare(1); run with -- --ignored"]
fn shared_name_table_with_real_accounts() {
    assert_root();
    let bin = env!("CARGO_BIN_EXE_hubcfg");
    let check = format!(
        r#"u=$({bin} ensure-user -- "$1")
printf '%s\n' "$u"
id -nG -- "$u" | tr ' ' '\n' | grep -qx jupyterhub-users
stat -c %a "/home/$u"
"#
    );
    for n in table::load().names {
        let fresh = in_namespace(&check, &[&n.hub]);
        assert_eq!(
            fresh,
            format!("{}\n700\n", n.account),
            "new user {:?}",
            n.hub
        );
        let tljh = in_namespace(
            &format!("useradd --badname --create-home -- \"$2\"\n{check}"),
            &[&n.hub, &n.tljh],
        );
        assert_eq!(
            tljh,
            format!("{}\n700\n", n.with_tljh_account()),
            "{:?} with the TLJH account {:?}",
            n.hub,
            n.tljh
        );
    }
}
