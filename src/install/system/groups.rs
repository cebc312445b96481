//! Install step: the hub's unix groups exist.

use crate::error::Result;
use crate::install::{Ctx, Outcome, Step};
use crate::report::Reporter;
use crate::users::{self, Accounts, SystemAccounts};

/// `jupyterhub-admins` and `jupyterhub-users` exist.
pub struct Groups {
    pub accounts: Box<dyn Accounts>,
}

impl Default for Groups {
    fn default() -> Self {
        Groups {
            accounts: Box::new(SystemAccounts),
        }
    }
}

impl Step for Groups {
    type Action = users::UserAction;

    fn name(&self) -> &'static str {
        "Unix groups for hub users"
    }
    fn plan(&self, _ctx: &Ctx) -> Result<Vec<users::UserAction>> {
        users::plan_groups(&*self.accounts, &[users::ADMIN_GROUP, users::USERS_GROUP])
    }
    fn execute(&self, ctx: &Ctx, plan: &[users::UserAction], _: &dyn Reporter) -> Result<Outcome> {
        let journal = crate::journal::Journal::of(ctx.paths, "bootstrap");
        users::apply_recorded(&*self.accounts, plan, Some(&journal))?;
        Ok(Outcome::done())
    }
}
