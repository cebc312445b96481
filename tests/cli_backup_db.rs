//! `hubcfg backup` copying a hub database that is being written to, with
//! SQLite's online backup run by a real Python (HUBCFG_TEST_PYTHON; scripts/test
//! sets it for its `--ignored` pass): the copy passes SQLite's integrity
//! check and lists the hub's users.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "common/hub.rs"]
mod hub;
#[path = "common/users.rs"]
mod users;
use hub::Hub;

fn python() -> PathBuf {
    PathBuf::from(
        std::env::var_os("HUBCFG_TEST_PYTHON").expect("set HUBCFG_TEST_PYTHON to a python3"),
    )
}

fn py(python: &Path, script: &str, db: &Path) -> String {
    users::python_out(python, script, &[db.to_str().unwrap()])
}

#[test]
#[ignore = "needs HUBCFG_TEST_PYTHON (a python3 with sqlite3)"]
fn the_database_is_copied_consistently_while_it_is_written() {
    let python = python();
    let hub = Hub::with_config("");
    users::use_python(&hub, &python);
    let db = hub.prefix().join("state/jupyterhub.sqlite");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    py(
        &python,
        "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \
         c.execute('create table users(id integer primary key, name text, admin bool)'); \
         c.execute('create table log(n integer, pad text)'); \
         c.execute(\"insert into users(name, admin) values('ann', 1), ('bob', 0)\"); c.commit()",
        &db,
    );
    // A writer that keeps committing until its stdin closes.
    let mut writer = Command::new(&python)
        .args([
            "-c",
            "import sqlite3,sys,select\n\
             c=sqlite3.connect(sys.argv[1], timeout=30)\n\
             n=0\n\
             print('writing', flush=True)\n\
             while not select.select([sys.stdin],[],[],0)[0]:\n\
             \x20   c.execute('insert into log values(?, ?)', (n, 'x'*2000)); c.commit(); n+=1\n",
        ])
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 8];
    writer
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    let out = hub.prefix().join("b.tar.gz");
    let o = hub.ok_all(&["backup", "-o", out.to_str().unwrap()]);
    drop(writer.stdin.take());
    writer.wait().unwrap();
    assert!(
        o.stdout.contains("2 hub users") || o.stderr.contains("2 hub users"),
        "{}{}",
        o.stdout,
        o.stderr
    );

    let dir = tempfile::tempdir().unwrap();
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(&out).unwrap());
    tar::Archive::new(gz).unpack(dir.path()).unwrap();
    let copy = dir.path().join("state/jupyterhub.sqlite");
    assert_eq!(
        py(
            &python,
            "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('pragma integrity_check').fetchone()[0])",
            &copy
        ),
        "ok"
    );
    let rows = py(
        &python,
        "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from log').fetchone()[0])",
        &copy,
    );
    assert!(rows.parse::<u64>().unwrap() > 0, "{rows}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    let accounts: Vec<_> = manifest["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["hub_name"].as_str().unwrap().to_string(),
                a["unix_name"].as_str().unwrap().to_string(),
                a["admin"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        accounts,
        [
            ("ann".into(), "jupyter-ann".into(), true),
            ("bob".into(), "jupyter-bob".into(), false)
        ]
    );
}
