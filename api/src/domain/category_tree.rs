//! The category tree: which categories are visible and which lie below a given one.

use std::collections::HashMap;

use uuid::Uuid;

use super::catalogue::Category;

/// A visible category with its visible children, ordered by position then name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryNode {
    pub category: Category,
    pub children: Vec<CategoryNode>,
}

/// An index over all categories, built once per read from one flat query.
pub struct CategoryTree<'a> {
    by_id: HashMap<Uuid, &'a Category>,
    children: HashMap<Option<Uuid>, Vec<&'a Category>>,
}

impl<'a> CategoryTree<'a> {
    pub fn new(categories: &'a [Category]) -> Self {
        let mut children: HashMap<Option<Uuid>, Vec<&Category>> = HashMap::new();
        for c in categories {
            children.entry(c.parent_id).or_default().push(c);
        }
        for siblings in children.values_mut() {
            siblings.sort_by(|a, b| a.position.cmp(&b.position).then_with(|| a.name.cmp(&b.name)));
        }
        Self {
            by_id: categories.iter().map(|c| (c.id, c)).collect(),
            children,
        }
    }

    /// A category is visible when it and all its ancestors are active.
    pub fn is_visible(&self, id: Uuid) -> bool {
        let mut current = self.by_id.get(&id).copied();
        let mut depth = 0;
        while let Some(c) = current {
            if !c.active || depth > self.by_id.len() {
                return false;
            }
            depth += 1;
            current = c.parent_id.and_then(|p| self.by_id.get(&p).copied());
        }
        depth > 0
    }

    pub fn find_visible_by_slug(&self, slug: &str) -> Option<&'a Category> {
        self.by_id
            .values()
            .copied()
            .find(|c| c.slug == slug && self.is_visible(c.id))
    }

    /// The category and every visible category below it.
    pub fn visible_subtree_ids(&self, root: Uuid) -> Vec<Uuid> {
        let mut out = vec![root];
        let mut i = 0;
        while i < out.len() {
            let parent = out[i];
            if let Some(kids) = self.children.get(&Some(parent)) {
                for kid in kids.iter().filter(|k| k.active) {
                    if !out.contains(&kid.id) {
                        out.push(kid.id);
                    }
                }
            }
            i += 1;
        }
        out
    }

    /// The category and its ancestors, nearest first.
    pub fn ancestor_ids(&self, id: Uuid) -> Vec<Uuid> {
        let mut out = Vec::new();
        let mut current = self.by_id.get(&id).copied();
        while let Some(c) = current {
            if out.contains(&c.id) {
                break;
            }
            out.push(c.id);
            current = c.parent_id.and_then(|p| self.by_id.get(&p).copied());
        }
        out
    }

    /// The visible forest.
    /// The visible children of `parent` (the visible roots for `None`), in display order.
    pub fn visible_children(&self, parent: Option<Uuid>) -> Vec<&'a Category> {
        self.children
            .get(&parent)
            .map(|kids| kids.iter().filter(|c| c.active).copied().collect())
            .unwrap_or_default()
    }

    pub fn visible_forest(&self) -> Vec<CategoryNode> {
        self.visible_children_of(None)
    }

    fn visible_children_of(&self, parent: Option<Uuid>) -> Vec<CategoryNode> {
        self.children
            .get(&parent)
            .map(|kids| {
                kids.iter()
                    .filter(|c| c.active)
                    .map(|c| CategoryNode {
                        category: (*c).clone(),
                        children: self.visible_children_of(Some(c.id)),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(slug: &str, parent: Option<&Category>, active: bool, position: i32) -> Category {
        Category {
            id: Uuid::now_v7(),
            parent_id: parent.map(|p| p.id),
            name: slug.to_uppercase(),
            slug: slug.into(),
            description: None,
            image: None,
            active,
            position,
        }
    }

    #[test]
    fn subtree_and_forest_skip_inactive_and_order_by_position() {
        let women = cat("women", None, true, 0);
        let clothing = cat("clothing", Some(&women), true, 0);
        let dresses = cat("dresses", Some(&clothing), true, 1);
        let tops = cat("tops", Some(&clothing), true, 0);
        let swim = cat("swim", Some(&clothing), false, 2);
        let all = vec![
            women.clone(),
            clothing.clone(),
            dresses.clone(),
            tops.clone(),
            swim.clone(),
        ];
        let tree = CategoryTree::new(&all);

        let ids = tree.visible_subtree_ids(women.id);
        assert_eq!(ids.len(), 4);
        assert!(!ids.contains(&swim.id));

        let forest = tree.visible_forest();
        assert_eq!(forest.len(), 1);
        let kids: Vec<_> = forest[0].children[0]
            .children
            .iter()
            .map(|n| n.category.slug.as_str())
            .collect();
        assert_eq!(kids, ["tops", "dresses"]);

        assert!(tree.find_visible_by_slug("swim").is_none());
        assert_eq!(tree.ancestor_ids(dresses.id), vec![dresses.id, clothing.id, women.id]);
    }

    #[test]
    fn child_of_inactive_parent_is_hidden() {
        let men = cat("men", None, false, 0);
        let shirts = cat("shirts", Some(&men), true, 0);
        let all = vec![men, shirts];
        let tree = CategoryTree::new(&all);
        assert!(tree.find_visible_by_slug("shirts").is_none());
        assert!(tree.visible_forest().is_empty());
    }
}
