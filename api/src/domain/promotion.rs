//! When a promotion is running and what it applies to.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::catalogue::{Promotion, PromotionScope};

impl Promotion {
    /// Running now: switched on, started, and not yet ended (`start <= now < end`).
    pub fn is_running_at(&self, now: DateTime<Utc>) -> bool {
        self.active && self.start_date <= now && now < self.end_date
    }

    /// Whether it applies to a product in the given categories (with their ancestors) and collections.
    pub fn applies_to(&self, category_ids_with_ancestors: &[Uuid], collection_ids: &[Uuid]) -> bool {
        match self.scope {
            PromotionScope::All => true,
            PromotionScope::Category(id) => category_ids_with_ancestors.contains(&id),
            PromotionScope::Collection(id) => collection_ids.contains(&id),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::domain::catalogue::DiscountType;

    fn promo(start: i64, end: i64, active: bool, scope: PromotionScope) -> Promotion {
        let now = Utc::now();
        Promotion {
            id: Uuid::now_v7(),
            name: "Sale".into(),
            slug: "sale".into(),
            description: None,
            image: None,
            active,
            position: 0,
            discount_type: DiscountType::Percent,
            discount_value: 10,
            start_date: now + Duration::days(start),
            end_date: now + Duration::days(end),
            code: None,
            scope,
        }
    }

    #[test]
    fn running_window_is_half_open() {
        let now = Utc::now();
        assert!(promo(-1, 1, true, PromotionScope::All).is_running_at(now));
        assert!(!promo(-1, 1, false, PromotionScope::All).is_running_at(now));
        assert!(!promo(-5, -1, true, PromotionScope::All).is_running_at(now));
        assert!(!promo(1, 5, true, PromotionScope::All).is_running_at(now));
        let p = promo(-1, 1, true, PromotionScope::All);
        assert!(p.is_running_at(p.start_date));
        assert!(!p.is_running_at(p.end_date));
    }

    #[test]
    fn scope_matching() {
        let cat = Uuid::now_v7();
        let col = Uuid::now_v7();
        assert!(promo(-1, 1, true, PromotionScope::Category(cat)).applies_to(&[cat], &[]));
        assert!(!promo(-1, 1, true, PromotionScope::Category(cat)).applies_to(&[], &[cat]));
        assert!(promo(-1, 1, true, PromotionScope::Collection(col)).applies_to(&[], &[col]));
        assert!(promo(-1, 1, true, PromotionScope::All).applies_to(&[], &[]));
    }
}
