//! System-wide pieces of the install: the hub's unix groups, the admins'
//! sudoers file, and the `--admin` users (config entry + FirstUse password).

mod admins;
mod groups;
mod sudoers;

pub use admins::{AdminAction, AdminSpec, Admins, add_admins, configured_admins, parse_admins};
pub use groups::Groups;
pub use sudoers::{
    SUDOERS_CONTENT, SUDOERS_FILE, SUDOERS_MODE, Sudoers, WriteSudoers, find_program,
};

#[cfg(test)]
mod tests;
