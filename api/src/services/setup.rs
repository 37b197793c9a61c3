//! First-run setup: `praetor admin bootstrap` (the first org and its administrator) and the
//! demo seed of `praetor serve --demo`. Both go through the ordinary services, so what they
//! create is authorized and audited like anything else.

use praetor_store::{Housekeeping, UserId, api_key, org, user};

use super::{api_keys, orgs, projects, roles, users};
use crate::AppState;
use crate::auth::{Principal, Subject};
use crate::authz::ops;
use crate::authz::{Domain, InstanceAdmin};
use crate::error::{Error, Result};

/// The first administrator of a fresh installation.
pub struct Bootstrapped {
    pub org: org::Model,
    pub admin: user::Model,
    pub api_key: String,
}

/// Makes (or promotes) `email` an instance administrator, creates the organization `org_slug`
/// with them as its administrator, and mints them an API key for it.
pub async fn bootstrap(app: &AppState, org_slug: &str, email: &str) -> Result<Bootstrapped> {
    let email = super::validate::email("email", email)?;
    let admin = ensure_instance_admin(app, &email).await?;
    let principal = Principal::new(Subject::User(admin.clone()));
    let ia = InstanceAdmin::check(&principal)?;
    let org = orgs::create(app, &ia, org_slug, org_slug).await?;
    let access = app.authz.enter(&principal, org.clone()).await?;
    let (_, secret) = api_keys::create(app, &access, api_keys::KeyOwner::Caller, "bootstrap", None).await?;
    Ok(Bootstrapped { org, admin, api_key: secret })
}

async fn ensure_instance_admin(app: &AppState, email: &str) -> Result<user::Model> {
    match users::find_by_email(&app.db, email).await? {
        Some(u) if u.instance_admin => Ok(u),
        Some(u) => {
            let active_before = u.clone();
            let mut active = u.clone();
            active.instance_admin = true;
            Ok(praetor_store::update(&app.db, &active_before, active).await?)
        }
        None => {
            let display = email.split('@').next().unwrap_or(email).to_string();
            Ok(praetor_store::insert(
                &app.db,
                user::Model {
                    id: UserId::generate(),
                    email: email.to_string(),
                    display_name: capitalize(&display),
                    instance_admin: true,
                    created_at: app.clock.now(),
                },
            )
            .await?)
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub const DEMO_ORG: &str = "demo";
pub const DEMO_PROJECTS: &[(&str, &str, &str)] = &[
    ("web", "Web", "The public web tier: deploys, restarts, feature flags."),
    ("payments", "Payments", "Payment services; production changes need approvals."),
];
/// (e-mail, role bound org-wide, description)
pub const DEMO_USERS: &[(&str, &str, &str)] = &[
    ("alice@demo.test", "org_admin", "organization administrator"),
    ("bob@demo.test", "operator", "operator: proposes and runs plans"),
    ("carol@demo.test", "approver", "approver: approves or rejects plans"),
];
const DEMO_KEY_NAME: &str = "demo-cli";
/// Approver groups of the example policy, with their members.
pub const DEMO_GROUPS: &[(&str, &[&str])] = &[
    ("sre-leads", &["carol@demo.test"]),
    ("change-board", &["alice@demo.test"]),
    ("cto-office", &["alice@demo.test"]),
];
/// The example policies (`policies/examples/`), built into the binary.
pub const DEMO_POLICIES: &[(&str, &str)] = &[
    ("policies/examples/actions.yaml", include_str!("../../../policies/examples/actions.yaml")),
    ("policies/examples/org.yaml", include_str!("../../../policies/examples/org.yaml")),
    ("policies/examples/project-payments.yaml", include_str!("../../../policies/examples/project-payments.yaml")),
    ("policies/examples/templates.yaml", include_str!("../../../policies/examples/templates.yaml")),
];

pub struct DemoInfo {
    pub org: org::Model,
    /// A fresh key for alice; the previous demo key is revoked at each start.
    pub api_key: String,
}

/// Seeds the demo organization. Safe to run at every start: what exists is left alone.
pub async fn seed_demo(app: &AppState) -> Result<DemoInfo> {
    let (alice_email, _, _) = DEMO_USERS[0];
    let alice = ensure_instance_admin(app, alice_email).await?;
    let principal = Principal::new(Subject::User(alice));
    let existing = org::by_slug(&app.db, Housekeeping::Setup, DEMO_ORG).await?;
    let org = match existing {
        Some(o) => o,
        None => orgs::create(app, &InstanceAdmin::check(&principal)?, DEMO_ORG, "Demo").await?,
    };
    let access = app.authz.enter(&principal, org.clone()).await?;
    for (slug, name, description) in DEMO_PROJECTS {
        match projects::find_by_slug(app, &access, slug).await {
            Ok(_) => {}
            Err(Error::NotFound(_)) => {
                projects::create(app, &access.permit::<ops::ProjectCreate>(Domain::Org)?, slug, name, description)
                    .await?;
            }
            Err(e) => return Err(e),
        }
    }
    for (email, role, _) in &DEMO_USERS[1..] {
        match roles::bind(app, &access, roles::BindingSubject::UserEmail(email.to_string()), role, None).await {
            Ok(_) | Err(Error::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    // Groups that approve production changes in the example policy.
    for (name, members) in DEMO_GROUPS {
        let existing = super::groups::list(app, &access, super::page::PageArgs { first: 100, after: None }).await?;
        let group = match existing.items.into_iter().find(|g| g.name == *name) {
            Some(g) => g,
            None => super::groups::create(app, &access.permit::<ops::GroupCreate>(Domain::Org)?, name, "").await?,
        };
        for email in *members {
            match super::groups::add_member(app, &access.permit::<ops::GroupManage>(Domain::Org)?, group.id, email)
                .await
            {
                Ok(_) | Err(Error::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    // The example policies, once.
    let access = app.authz.enter(&principal, org.clone()).await?;
    if crate::governance::policy::latest(&app.db, access.tenant(), None).await?.is_none() {
        let sources = DEMO_POLICIES.iter().map(|(n, t)| praetor_policy::Source::new(*n, *t)).collect();
        super::policies::apply(app, &access, None, sources, "demo seed: policies/examples").await?;
    }
    // Rotate the demo CLI key so a key printed by an earlier run stops working.
    let access = app.authz.enter(&principal, org.clone()).await?;
    let old = api_key::live_named(&app.db, access.tenant(), DEMO_KEY_NAME).await?;
    for k in old {
        api_keys::revoke(app, &access, k.id).await?;
    }
    let (_, secret) = api_keys::create(app, &access, api_keys::KeyOwner::Caller, DEMO_KEY_NAME, None).await?;
    Ok(DemoInfo { org, api_key: secret })
}
