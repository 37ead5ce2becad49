//! The names of the screens: what the tab bar, the `:` command line and replies address.

/// The screens, in the order of the tab bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScreenId {
    Login,
    Dashboard,
    Products,
    Categories,
    Collections,
    Promotions,
    Orders,
    Users,
    Reports,
    Cms,
    Contact,
    Jobs,
    Audit,
}

impl ScreenId {
    /// Every screen reachable with `:name`, in tab order.
    pub const NAVIGABLE: [ScreenId; 12] = [
        Self::Dashboard,
        Self::Products,
        Self::Categories,
        Self::Collections,
        Self::Promotions,
        Self::Orders,
        Self::Users,
        Self::Reports,
        Self::Cms,
        Self::Contact,
        Self::Jobs,
        Self::Audit,
    ];

    /// The name typed after `:`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Dashboard => "dashboard",
            Self::Products => "products",
            Self::Categories => "categories",
            Self::Collections => "collections",
            Self::Promotions => "promotions",
            Self::Orders => "orders",
            Self::Users => "users",
            Self::Reports => "reports",
            Self::Cms => "cms",
            Self::Contact => "contact",
            Self::Jobs => "jobs",
            Self::Audit => "audit",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Login => "Sign in",
            Self::Dashboard => "Dashboard",
            Self::Products => "Products",
            Self::Categories => "Categories",
            Self::Collections => "Collections",
            Self::Promotions => "Promotions",
            Self::Orders => "Orders",
            Self::Users => "Users",
            Self::Reports => "Reports",
            Self::Cms => "CMS",
            Self::Contact => "Contact",
            Self::Jobs => "Jobs",
            Self::Audit => "Audit",
        }
    }

    pub fn by_name(name: &str) -> Option<Self> {
        Self::NAVIGABLE.into_iter().find(|s| s.name() == name)
    }
}
