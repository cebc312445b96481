//! `users remove --delete-home [--yes]`: the unix accounts hubcfg made for
//! the removed users, and their home directories, deleted after the rest of
//! the removal. Everything is checked and confirmed before anything changes:
//! the accounts (`users::plan_delete`: only hub users' accounts), then one
//! question per account on the terminal unless `--yes`. Without a terminal
//! and without `--yes` the command is refused.

use crate::config::output::Lines;
use crate::error::{Error, Result};
use crate::users::{self, Accounts, Doomed};
use std::io::{BufRead, IsTerminal, Write};

/// `--delete-home`, with `--yes` or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteHome {
    pub yes: bool,
}

/// The accounts to delete, checked and confirmed. `ask` shows a question
/// and returns the answer; it is called only when `tty` and not `yes`.
pub fn prepare(
    acc: &dyn Accounts,
    names: &[String],
    how: DeleteHome,
    tty: bool,
    ask: &mut dyn FnMut(&str) -> Result<String>,
) -> Result<Vec<Doomed>> {
    if !how.yes && !tty {
        return Err(Error::new(
            "--delete-home asks before deleting each account, but stdin is not a terminal; nothing was changed",
        )
        .with_hint("add --yes to delete them without asking, or leave out --delete-home to keep the accounts"));
    }
    let doomed = users::plan_delete(acc, names)?;
    if how.yes {
        return Ok(doomed);
    }
    for d in &doomed {
        let answer = ask(&format!(
            "delete the account {} and {}? [y/N] ",
            d.account,
            d.home.display()
        ))?;
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            return Err(
                Error::new(format!("not deleting {}: nothing was changed", d.account)).with_hint(
                    "leave out --delete-home to remove the users and keep their accounts",
                ),
            );
        }
    }
    Ok(doomed)
}

/// `prepare` on the real terminal: questions on stderr, answers from stdin.
pub fn prepare_on_terminal(
    acc: &dyn Accounts,
    names: &[String],
    how: DeleteHome,
) -> Result<Vec<Doomed>> {
    let tty = std::io::stdin().is_terminal();
    prepare(acc, names, how, tty, &mut ask_on_terminal)
}

/// Shows `question` on stderr and reads one line of answer from stdin.
pub fn ask_on_terminal(question: &str) -> Result<String> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{question}");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::new(format!("could not read the answer: {e}")))?;
    Ok(line)
}

/// Deletes the accounts once the rest of the removal went well (`before`);
/// after a failure they are kept, since the user may still be running.
pub fn finish(
    acc: &dyn Accounts,
    messages: &Lines,
    doomed: &[Doomed],
    before: Result<()>,
) -> Result<()> {
    use crate::report::Reporter;
    if doomed.is_empty() {
        return before;
    }
    let names: Vec<&str> = doomed.iter().map(|d| d.account.as_str()).collect();
    if before.is_err() {
        messages.warn(&format!(
            "the unix accounts {} and their home directories were kept, since the removal did not finish",
            names.join(", ")
        ));
        return before;
    }
    let (deleted, result) = users::delete_accounts(acc, doomed);
    if !deleted.is_empty() {
        messages.note(&format!(
            "deleted the unix account{} {} and {} home director{}",
            if deleted.len() == 1 { "" } else { "s" },
            deleted.join(", "),
            if deleted.len() == 1 { "its" } else { "their" },
            if deleted.len() == 1 { "y" } else { "ies" },
        ));
    }
    result
}

#[cfg(test)]
#[path = "delete_home_tests.rs"]
mod tests;
