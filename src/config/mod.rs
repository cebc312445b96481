//! config.toml: parsing command-line values (`value`), checking them
//! (`validate`), comment-keeping edits (`edit`), the locked atomic file
//! cycle (`file`) and the commands built from them (`commands`).

pub mod edit;
pub mod value;
pub mod validate;
