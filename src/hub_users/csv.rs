//! `hubcfg users import FILE`: the CSV file, read and checked whole before
//! anything is written. Pure: bytes in, users (or every problem, each with
//! its line number) out.
//!
//! A header names the columns, in any order and case: `name` (required),
//! `password` and `admin` (optional). Fields may be quoted (`"Smith, Ann"`);
//! spaces around a field are dropped; blank lines are skipped; a UTF-8 byte
//! order mark (as spreadsheets write it) is ignored.

use super::check::{self, NewUser, Rules};
use std::collections::HashMap;

/// The columns a file may have.
pub const COLUMNS: &[&str] = &["name", "password", "admin"];

/// A problem in the file, at a line (1 is the header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A file that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub users: Vec<NewUser>,
    /// Informational: names that run as a hashed unix account, by line.
    pub notes: Vec<Problem>,
}

struct Columns {
    name: usize,
    password: Option<usize>,
    admin: Option<usize>,
    count: usize,
}

/// Reads and checks the whole file; any problem means no users at all.
pub fn parse(input: &[u8], rules: &Rules) -> Result<Checked, Vec<Problem>> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(input);
    let mut problems = vec![];
    let mut records = reader.records();
    let columns = loop {
        match records.next() {
            None => {
                return Err(vec![Problem {
                    line: 1,
                    message: "the file is empty; the first line must be a header such as `name,password,admin`".into(),
                }]);
            }
            Some(Err(e)) => problems.push(read_problem(&e)),
            Some(Ok(header)) => {
                let line = line_of(&header);
                match columns(&header) {
                    Ok(c) => break c,
                    Err(message) => {
                        problems.push(Problem { line, message });
                        return Err(problems);
                    }
                }
            }
        }
    };
    let mut users: Vec<NewUser> = vec![];
    let mut notes = vec![];
    // same-user key → line it was first seen on
    let mut seen: HashMap<String, (u64, String)> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(read_problem(&e));
                continue;
            }
        };
        let line = line_of(&record);
        let mut bad = |message: String| problems.push(Problem { line, message });
        if record.len() != columns.count {
            bad(format!(
                "has {} field{}, the header has {}; a field holding a comma must be in double quotes",
                record.len(),
                if record.len() == 1 { "" } else { "s" },
                columns.count
            ));
            continue;
        }
        let name = record.get(columns.name).unwrap_or("").to_string();
        let mut row_ok = true;
        if let Some(why) = check::name_problem(&name, rules) {
            bad(why);
            row_ok = false;
        }
        let admin_raw = columns.admin.and_then(|i| record.get(i)).unwrap_or("");
        let admin = check::parse_admin(admin_raw).unwrap_or_else(|| {
            bad(format!(
                "admin is {admin_raw:?}; use true/false, yes/no, 1/0, or leave it empty (= false)"
            ));
            row_ok = false;
            false
        });
        let password = columns
            .password
            .and_then(|i| record.get(i))
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        if let Some(why) = password
            .as_deref()
            .and_then(|p| check::password_problem(p, rules))
        {
            bad(format!("{name:?}: {why}"));
            row_ok = false;
        }
        if name.is_empty() {
            continue;
        }
        let key = check::same_user_key(&name);
        if let Some((first, first_name)) = seen.get(&key) {
            let same = if *first_name == name {
                String::new()
            } else {
                format!(" (as {first_name:?}; the hub lower-cases names)")
            };
            bad(format!(
                "{name:?} is already on line {first}{same}; each user once"
            ));
            continue;
        }
        seen.insert(key, (line, name.clone()));
        if !row_ok {
            continue;
        }
        if let Some(message) = check::account_note(&name) {
            notes.push(Problem { line, message });
        }
        users.push(NewUser {
            name,
            admin,
            password,
        });
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(problems);
    }
    if users.is_empty() {
        return Err(vec![Problem {
            line: 2,
            message: "no users: the file has a header but no rows".into(),
        }]);
    }
    Ok(Checked { users, notes })
}

fn line_of(record: &::csv::StringRecord) -> u64 {
    record.position().map(|p| p.line()).unwrap_or(0)
}

fn read_problem(e: &::csv::Error) -> Problem {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    let message = match e.kind() {
        ::csv::ErrorKind::Utf8 { .. } => {
            "is not UTF-8 text; save the file as UTF-8 (CSV UTF-8 in a spreadsheet)".to_string()
        }
        _ => format!("cannot be read: {e}"),
    };
    Problem { line, message }
}

fn columns(header: &::csv::StringRecord) -> Result<Columns, String> {
    let mut found: HashMap<String, usize> = HashMap::new();
    for (i, col) in header.iter().enumerate() {
        let col = col.to_ascii_lowercase();
        if !COLUMNS.contains(&col.as_str()) {
            let suggestion = COLUMNS
                .iter()
                .map(|c| (strsim::jaro_winkler(&col, c), c))
                .filter(|(score, _)| *score > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, c)| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "unknown column `{col}`{suggestion} in the header; the columns are name (required), password and admin"
            ));
        }
        if found.insert(col.clone(), i).is_some() {
            return Err(format!("the header names the column `{col}` twice"));
        }
    }
    let name = *found.get("name").ok_or_else(|| {
        "the header has no `name` column; the first line must name the columns, e.g. `name,password,admin`".to_string()
    })?;
    Ok(Columns {
        name,
        password: found.get("password").copied(),
        admin: found.get("admin").copied(),
        count: header.len(),
    })
}

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
