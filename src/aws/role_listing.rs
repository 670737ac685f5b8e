//! Refreshes of many roles from one shared listing of the account's roles.
//!
//! Read one at a time, a role costs `GetRole`, `ListAttachedRolePolicies`
//! and `ListRolePolicies`, plus `GetRolePolicy` per inline policy. Two IAM
//! reads describe many roles at once:
//!
//! - `ListRoles`: the trust policy, description, maximum session duration
//!   and path, up to 1,000 roles per page. Its `PathPrefix` is `/`, every
//!   role: `GetAccountAuthorizationDetails` has no path filter and lists
//!   every role anyway, and a narrower prefix would send the roles at other
//!   paths to their own reads;
//! - `GetAccountAuthorizationDetails` with `Filter=[Role]`: the inline
//!   policies with their documents, the attached managed policies, the
//!   permissions boundary and the tags, a page at a time (IAM often returns
//!   fewer than the 1,000 asked for, as the answers are large).
//!
//! [`RoleReads`] is made once per provider process. The first role read
//! takes the first page of both listings (two calls, fewer than one role's
//! own reads), and every read that comes while that is on its way waits for
//! it, so concurrent reads share one listing. A role found in both pages is
//! answered from them. A role not (yet) found pulls the next pages only
//! while the listing has cost no more than three calls per role read so far
//! ([`may_page`]): a big plan pages through the whole account, a small plan
//! in an account of thousands of roles stops after a page and reads its
//! roles one at a time. Nothing is ever reported deleted because a listing
//! lacks it: a role the listing does not hold is read with its own calls.
//!
//! Roles written by this process (created, changed or deleted) are never
//! answered from the listing, which may predate the write. When the
//! credentials may not list (AccessDenied), reads fall back to their own
//! calls and [`RoleRead::denied`] names the permission, once per process.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use aws_sdk_iam::types::{EntityType, Role, RoleDetail};
use aws_sdk_iam::Client;

use super::error::AwsError;
use super::iam_role::{self, LiveRole};
use crate::domain::policy_json::url_decode;

/// Calls one role's own reads cost at least: `GetRole`,
/// `ListAttachedRolePolicies`, `ListRolePolicies`.
pub const CALLS_PER_ROLE: usize = 3;

/// Page size asked of both listings: the most IAM allows.
const PAGE_SIZE: i32 = 1000;

/// Whether the listing may take `next` more calls, having taken `spent`,
/// when `reads` roles have been read so far: never more than the reads'
/// own calls would have cost.
pub fn may_page(spent: usize, next: usize, reads: usize) -> bool {
    spent + next <= CALLS_PER_ROLE * reads
}

/// One read's answer.
#[derive(Debug)]
pub struct RoleRead {
    pub role: Result<Option<LiveRole>, AwsError>,
    /// Whether the answer came from the shared listing.
    pub listed: bool,
    /// The permission whose denial made reads fall back to their own calls;
    /// given to one read per process, for one warning.
    pub denied: Option<&'static str>,
}

/// Pages of one listing: what they held, and the marker of the next page.
#[derive(Debug)]
struct Pages<T> {
    items: HashMap<String, T>,
    /// `None` before the first page.
    marker: Option<Option<String>>,
}

impl<T> Default for Pages<T> {
    fn default() -> Self {
        Pages {
            items: HashMap::new(),
            marker: None,
        }
    }
}

impl<T> Pages<T> {
    fn complete(&self) -> bool {
        matches!(self.marker, Some(None))
    }

    /// The marker to ask for next; `None` when complete.
    fn next(&self) -> Option<Option<String>> {
        match &self.marker {
            None => Some(None),
            Some(None) => None,
            Some(Some(m)) => Some(Some(m.clone())),
        }
    }
}

/// What the listing holds so far.
#[derive(Debug, Default)]
struct Listing {
    roles: Pages<Role>,
    details: Pages<RoleDetail>,
    /// Calls spent on the listing.
    spent: usize,
    /// Why the listing stopped for good, if it did.
    failed: Option<AwsError>,
}

impl Listing {
    /// The role, when both listings hold it (and agree on which role it is:
    /// one deleted and made again between the calls is not answered).
    fn find(&self, name: &str) -> Option<LiveRole> {
        let role = self.roles.items.get(name)?;
        let detail = self.details.items.get(name)?;
        if detail.role_id() != Some(role.role_id()) {
            return None;
        }
        Some(live_role(role, detail))
    }

    fn complete(&self) -> bool {
        self.roles.complete() && self.details.complete()
    }

    /// Take the next page of each listing that has one, both at once.
    async fn page(&mut self, iam: &Client) {
        let (roles, details) = (self.roles.next(), self.details.next());
        let list = async {
            match &roles {
                Some(marker) => Some(list_roles(iam, marker.clone()).await),
                None => None,
            }
        };
        let detail = async {
            match &details {
                Some(marker) => Some(role_details(iam, marker.clone()).await),
                None => None,
            }
        };
        let (list, detail) = tokio::join!(list, detail);
        let pages = [
            list.map(|r| r.map(|(items, next)| Page::Roles(items, next))),
            detail.map(|r| r.map(|(items, next)| Page::Details(items, next))),
        ];
        for result in pages.into_iter().flatten() {
            self.spent += 1;
            match result {
                Ok(Page::Roles(items, marker)) => {
                    self.roles
                        .items
                        .extend(items.into_iter().map(|r| (r.role_name().to_owned(), r)));
                    self.roles.marker = Some(marker);
                }
                Ok(Page::Details(items, marker)) => {
                    self.details.items.extend(
                        items
                            .into_iter()
                            .filter_map(|d| Some((d.role_name()?.to_owned(), d))),
                    );
                    self.details.marker = Some(marker);
                }
                Err(e) => {
                    if self.failed.is_none() {
                        self.failed = Some(e);
                    }
                }
            }
        }
    }
}

enum Page {
    Roles(Vec<Role>, Option<String>),
    Details(Vec<RoleDetail>, Option<String>),
}

/// The shared listing and the reads it answers, for one provider process.
#[derive(Debug)]
pub struct RoleReads {
    enabled: bool,
    reads: AtomicUsize,
    listing: tokio::sync::Mutex<Listing>,
    written: Mutex<HashSet<String>>,
    warned: AtomicBool,
}

impl RoleReads {
    /// With `enabled` false, every read makes its own calls.
    pub fn new(enabled: bool) -> RoleReads {
        RoleReads {
            enabled,
            reads: AtomicUsize::new(0),
            listing: tokio::sync::Mutex::new(Listing::default()),
            written: Mutex::new(HashSet::new()),
            warned: AtomicBool::new(false),
        }
    }

    /// Note that this process is about to write the role: from now on it
    /// is read with its own calls.
    pub fn written(&self, name: &str) {
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_owned());
    }

    fn was_written(&self, name: &str) -> bool {
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(name)
    }

    /// Read a role for a refresh.
    pub async fn read(&self, iam: &Client, name: &str) -> RoleRead {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let mut denied = None;
        if self.enabled && !self.was_written(name) {
            let mut listing = self.listing.lock().await;
            loop {
                if let Some(live) = listing.find(name) {
                    tracing::debug!("role {name} answered from the role listing");
                    return RoleRead {
                        role: Ok(Some(live)),
                        listed: true,
                        denied: None,
                    };
                }
                let next = usize::from(listing.roles.next().is_some())
                    + usize::from(listing.details.next().is_some());
                if listing.failed.is_some()
                    || listing.complete()
                    || !may_page(listing.spent, next, self.reads.load(Ordering::SeqCst))
                {
                    break;
                }
                listing.page(iam).await;
                if let Some(e) = &listing.failed {
                    tracing::warn!(
                        "listing the account's roles failed, reading each role instead: {e}"
                    );
                }
            }
            if let Some(e) = &listing.failed {
                if e.code() == Some("AccessDenied") && !self.warned.swap(true, Ordering::SeqCst) {
                    denied = Some(denied_permission(e));
                }
            }
        }
        tracing::debug!("role {name} read with its own calls");
        RoleRead {
            role: iam_role::read_role(iam, name).await,
            listed: false,
            denied,
        }
    }
}

/// The permission a denied listing call needs.
fn denied_permission(e: &AwsError) -> &'static str {
    match e {
        AwsError::Api {
            call: "ListRoles", ..
        } => "iam:ListRoles",
        _ => "iam:GetAccountAuthorizationDetails",
    }
}

fn live_role(role: &Role, detail: &RoleDetail) -> LiveRole {
    let mut info = iam_role::role_info(role);
    info.permissions_boundary = detail
        .permissions_boundary()
        .and_then(|b| b.permissions_boundary_arn())
        .map(str::to_owned);
    info.tags = detail
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    LiveRole {
        role: info,
        policy_arns: detail
            .attached_managed_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_owned))
            .collect(),
        inline_policies: detail
            .role_policy_list()
            .iter()
            .filter_map(|p| {
                Some((
                    p.policy_name()?.to_owned(),
                    url_decode(p.policy_document()?),
                ))
            })
            .collect::<BTreeMap<_, _>>(),
    }
}

/// One page of `ListRoles`, and the next page's marker.
async fn list_roles(
    iam: &Client,
    marker: Option<String>,
) -> Result<(Vec<Role>, Option<String>), AwsError> {
    let out = iam
        .list_roles()
        .path_prefix("/")
        .max_items(PAGE_SIZE)
        .set_marker(marker)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("ListRoles", "the account's roles", e))?;
    let next = out
        .is_truncated()
        .then(|| out.marker().map(str::to_owned))
        .flatten();
    Ok((out.roles, next))
}

/// One page of `GetAccountAuthorizationDetails` for roles, and the next
/// page's marker.
async fn role_details(
    iam: &Client,
    marker: Option<String>,
) -> Result<(Vec<RoleDetail>, Option<String>), AwsError> {
    let out = iam
        .get_account_authorization_details()
        .filter(EntityType::Role)
        .max_items(PAGE_SIZE)
        .set_marker(marker)
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk("GetAccountAuthorizationDetails", "the account's roles", e)
        })?;
    let next = out
        .is_truncated()
        .then(|| out.marker().map(str::to_owned))
        .flatten();
    Ok((out.role_detail_list.unwrap_or_default(), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_pages_cost_less_than_one_roles_own_reads() {
        assert!(may_page(0, 2, 1));
        // One role read, a page of each taken: one more page is the most.
        assert!(may_page(2, 1, 1));
        assert!(!may_page(2, 2, 1));
        assert!(!may_page(3, 1, 1));
        // Ten reads waiting: eight more pages.
        assert!(may_page(2, 2, 10));
        assert!(may_page(28, 2, 10));
        assert!(!may_page(29, 2, 10));
    }

    fn role(name: &str, id: &str) -> Role {
        Role::builder()
            .role_name(name)
            .role_id(id)
            .path("/")
            .arn(format!("arn:aws:iam::123456789012:role/{name}"))
            .create_date(aws_sdk_iam::primitives::DateTime::from_secs(0))
            .assume_role_policy_document("%7B%22Version%22%3A%222012-10-17%22%7D")
            .description("d")
            .max_session_duration(7200)
            .build()
            .unwrap()
    }

    fn detail(name: &str, id: &str) -> RoleDetail {
        use aws_sdk_iam::types::{AttachedPermissionsBoundary, AttachedPolicy, PolicyDetail, Tag};
        RoleDetail::builder()
            .role_name(name)
            .role_id(id)
            .permissions_boundary(
                AttachedPermissionsBoundary::builder()
                    .permissions_boundary_arn("arn:aws:iam::123456789012:policy/b")
                    .build(),
            )
            .tags(Tag::builder().key("team").value("a").build().unwrap())
            .attached_managed_policies(
                AttachedPolicy::builder()
                    .policy_arn("arn:aws:iam::123456789012:policy/p")
                    .build(),
            )
            .role_policy_list(
                PolicyDetail::builder()
                    .policy_name("in")
                    .policy_document("%7B%7D")
                    .build(),
            )
            .build()
    }

    #[test]
    fn a_role_is_answered_from_both_listings_together() {
        let mut listing = Listing::default();
        listing.roles.items.insert("r".into(), role("r", "AROA1"));
        assert_eq!(
            listing.find("r"),
            None,
            "ListRoles alone lacks tags and policies"
        );
        listing
            .details
            .items
            .insert("r".into(), detail("r", "AROA1"));
        let live = listing.find("r").unwrap();
        assert_eq!(live.role.trust_policy, r#"{"Version":"2012-10-17"}"#);
        assert_eq!(live.role.description.as_deref(), Some("d"));
        assert_eq!(live.role.max_session_duration, Some(7200));
        assert_eq!(
            live.role.permissions_boundary.as_deref(),
            Some("arn:aws:iam::123456789012:policy/b")
        );
        assert_eq!(
            live.role.tags,
            BTreeMap::from([("team".into(), "a".into())])
        );
        assert_eq!(
            live.policy_arns.into_iter().collect::<Vec<_>>(),
            ["arn:aws:iam::123456789012:policy/p"]
        );
        assert_eq!(
            live.inline_policies,
            BTreeMap::from([("in".into(), "{}".into())])
        );
    }

    #[test]
    fn a_role_made_again_between_the_two_calls_is_not_answered() {
        let mut listing = Listing::default();
        listing.roles.items.insert("r".into(), role("r", "AROA1"));
        listing
            .details
            .items
            .insert("r".into(), detail("r", "AROA2"));
        assert_eq!(listing.find("r"), None);
    }

    #[test]
    fn pages_are_complete_after_a_last_page() {
        let mut pages: Pages<Role> = Pages::default();
        assert!(!pages.complete());
        assert_eq!(pages.next(), Some(None), "the first page has no marker");
        pages.marker = Some(Some("m".into()));
        assert_eq!(pages.next(), Some(Some("m".into())));
        pages.marker = Some(None);
        assert!(pages.complete());
        assert_eq!(pages.next(), None);
    }
}
