//! `hubcfg users`: hub users in bulk. This part: the checks of new users and
//! of an import file, and the password generator.

pub mod check;
pub mod csv;
pub mod passwords;
