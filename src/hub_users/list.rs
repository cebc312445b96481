//! `users list [--json]`: every user the hub knows (through its API), with
//! what config.toml says about them (allowed, banned) and the unix account
//! they run as.

use super::Opts;
use super::apply::{ALLOWED, names_at};
use crate::config::load::Loaded;
use crate::config::output::{escape_text, out};
use crate::error::Result;
use crate::hub_api::{HubApi, HubUser};
use crate::report::Reporter;
use serde::Serialize;

/// One line of the listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub name: String,
    pub admin: bool,
    /// In `users.allowed` (admins may log in too; `admin` says so).
    pub allowed: bool,
    /// In `users.banned`.
    pub banned: bool,
    /// The account the user's server runs as; null when the name maps to none.
    pub unix_account: Option<String>,
    pub server_running: bool,
    /// `spawn` or `stop` while the server starts or stops.
    pub server_pending: Option<String>,
    pub last_activity: Option<String>,
}

/// The rows for `users`, with the lists of config.toml. Pure.
pub fn rows(users: &[HubUser], allowed: &[String], banned: &[String]) -> Vec<Row> {
    let mut rows: Vec<Row> = users
        .iter()
        .map(|u| Row {
            name: u.name.clone(),
            admin: u.admin,
            allowed: allowed.contains(&u.name),
            banned: banned.contains(&u.name),
            unix_account: crate::username::unix_name(&u.name).ok(),
            server_running: u.running(),
            server_pending: u.pending.clone(),
            last_activity: u.last_activity.clone(),
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows
}

/// The table `users list` prints: one user a line, names escaped.
pub fn table(rows: &[Row]) -> String {
    let header = [
        "NAME",
        "ADMIN",
        "ALLOWED",
        "BANNED",
        "UNIX ACCOUNT",
        "SERVER",
        "LAST ACTIVITY",
    ];
    let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
    let lines: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            let server = match (&r.server_pending, r.server_running) {
                (Some(p), _) => format!("pending {p}"),
                (None, true) => "running".into(),
                (None, false) => "stopped".into(),
            };
            [
                escape_text(&r.name).into_owned(),
                yes(r.admin),
                yes(r.allowed),
                yes(r.banned),
                r.unix_account.clone().unwrap_or_else(|| "-".into()),
                server,
                r.last_activity
                    .as_deref()
                    .map(short_time)
                    .unwrap_or_else(|| "never".into()),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for l in &lines {
        for (w, cell) in widths.iter_mut().zip(l) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let header = header.map(String::from);
    for cells in std::iter::once(&header).chain(&lines) {
        let mut line = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  "));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// `2026-12-01T10:00:00.123456Z` → `2026-12-01 10:00:00 UTC`.
fn short_time(iso: &str) -> String {
    let (date, time) = iso.split_once('T').unwrap_or((iso, ""));
    let time: String = time.chars().take(8).collect();
    if time.is_empty() {
        date.to_string()
    } else {
        format!("{date} {time} UTC")
    }
}

/// `users list [--json]`.
pub fn list(opts: &Opts, json: bool) -> Result<()> {
    let config = opts.config();
    let loaded = Loaded::installed(&opts.paths)?;
    let allowed = names_at(&loaded.doc, ALLOWED, &config)?;
    let banned = names_at(&loaded.doc, "users.banned", &config)?;
    let api = HubApi::installed(&opts.paths)?;
    let rows = rows(&api.users()?, &allowed, &banned);
    if json {
        let text = serde_json::to_string_pretty(&rows)
            .map_err(|e| crate::error::Error::new(format!("formatting the users: {e}")))?;
        return out(&format!("{text}\n"));
    }
    if rows.is_empty() {
        opts.messages.note("the hub knows no users yet");
        return Ok(());
    }
    out(&table(&rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub_user(name: &str, admin: bool, server: bool, last: Option<&str>) -> HubUser {
        HubUser {
            name: name.into(),
            admin,
            server: server.then(|| format!("/user/{name}/")),
            pending: None,
            last_activity: last.map(String::from),
            servers: Default::default(),
        }
    }

    #[test]
    fn rows_join_the_hub_and_the_config() {
        let users = [
            hub_user("zoe", false, false, None),
            hub_user("ada", true, true, Some("2026-12-01T10:00:00.5Z")),
        ];
        let r = rows(&users, &["zoe".into()], &["zoe".into()]);
        assert_eq!(r[0].name, "ada");
        assert!(r[0].admin && r[0].server_running && !r[0].allowed);
        assert_eq!(r[0].unix_account.as_deref(), Some("jupyter-ada"));
        assert!(r[1].allowed && r[1].banned && !r[1].server_running);
        let text = table(&r);
        assert_eq!(
            text,
            "NAME  ADMIN  ALLOWED  BANNED  UNIX ACCOUNT  SERVER   LAST ACTIVITY\n\
             ada   yes    no       no      jupyter-ada   running  2026-12-01 10:00:00 UTC\n\
             zoe   no     yes      yes     jupyter-zoe   stopped  never\n"
        );
    }

    #[test]
    fn json_fields_are_stable() {
        let r = rows(&[hub_user("ann", false, true, None)], &[], &[]);
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!([{
                "name": "ann", "admin": false, "allowed": false, "banned": false,
                "unix_account": "jupyter-ann", "server_running": true,
                "server_pending": null, "last_activity": null
            }])
        );
    }

    #[test]
    fn a_name_with_control_characters_is_escaped_in_the_table() {
        let r = rows(&[hub_user("a\u{1b}[2Jb", false, false, None)], &[], &[]);
        assert!(!table(&r).contains('\u{1b}'));
    }
}
