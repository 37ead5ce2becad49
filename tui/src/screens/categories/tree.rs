//! The category tree from the flat list the API sends: tree order with branches drawn, the
//! filter that keeps a match's ancestors, paths (`Men › Shirts`) and the choices of a category.

use std::collections::{HashMap, HashSet};

use beeget_client::types;

type Children<'a> = HashMap<Option<&'a str>, Vec<&'a types::AdminCategory>>;

/// The categories in tree order, each with its name drawn on its branch (`├─ Dresses`).
pub(super) fn tree(all: &[types::AdminCategory]) -> Vec<(&types::AdminCategory, String)> {
    let ids: HashSet<&str> = all.iter().map(|c| c.id.as_str()).collect();
    let mut children: Children = HashMap::new();
    for c in all {
        // A parent the list does not hold (or the category itself) puts it at the top level.
        let parent = c.parent_id.as_deref().filter(|p| *p != c.id && ids.contains(p));
        children.entry(parent).or_default().push(c);
    }
    for siblings in children.values_mut() {
        siblings.sort_by(|a, b| {
            a.position
                .cmp(&b.position)
                .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
        });
    }
    let mut out = Vec::with_capacity(all.len());
    let mut seen = HashSet::new();
    for root in children.get(&None).cloned().unwrap_or_default() {
        walk(root, String::new(), String::new(), &children, &mut seen, &mut out);
    }
    // Categories in a loop of parents are never reached from the top: shown at the top level.
    for c in all {
        walk(c, String::new(), String::new(), &children, &mut seen, &mut out);
    }
    out
}

fn walk<'a>(
    c: &'a types::AdminCategory,
    label_prefix: String,
    child_prefix: String,
    children: &Children<'a>,
    seen: &mut HashSet<&'a str>,
    out: &mut Vec<(&'a types::AdminCategory, String)>,
) {
    if !seen.insert(c.id.as_str()) {
        return;
    }
    out.push((c, format!("{label_prefix}{}", c.name)));
    let kids = children.get(&Some(c.id.as_str())).map_or(&[][..], Vec::as_slice);
    for (i, kid) in kids.iter().enumerate() {
        let (branch, under) = if i + 1 == kids.len() {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        walk(
            kid,
            format!("{child_prefix}{branch}"),
            format!("{child_prefix}{under}"),
            children,
            seen,
            out,
        );
    }
}

/// The categories whose name contains `filter`, with their ancestors; all without a filter.
pub(super) fn filtered(all: &[types::AdminCategory], filter: Option<&str>) -> Vec<types::AdminCategory> {
    let Some(filter) = filter else { return all.to_vec() };
    let by_id: HashMap<&str, &types::AdminCategory> = all.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut keep: HashSet<&str> = HashSet::new();
    for c in all.iter().filter(|c| c.name.to_lowercase().contains(filter)) {
        let mut at = Some(c);
        while let Some(x) = at {
            if !keep.insert(x.id.as_str()) {
                break;
            }
            at = x.parent_id.as_deref().and_then(|p| by_id.get(p).copied());
        }
    }
    all.iter().filter(|c| keep.contains(c.id.as_str())).cloned().collect()
}

/// `Men › Shirts`: the names from the top level down to the category.
pub(super) fn path(all: &[types::AdminCategory], category: &types::AdminCategory) -> String {
    let mut names = vec![category.name.as_str()];
    let mut at = category.parent_id.as_deref();
    while let Some(id) = at {
        let Some(parent) = all.iter().find(|c| c.id == id) else {
            break;
        };
        if names.len() > all.len() {
            break;
        }
        names.push(parent.name.as_str());
        at = parent.parent_id.as_deref();
    }
    names.reverse();
    names.join(" › ")
}

/// The categories in tree order as choices, (id, path), but `except` and those below it.
pub(in crate::screens) fn category_choices(
    all: &[types::AdminCategory],
    except: Option<&str>,
) -> Vec<(String, String)> {
    let excluded = except.map(|id| {
        let mut below = descendants(all, id);
        below.insert(id.to_owned());
        below
    });
    tree(all)
        .into_iter()
        .filter(|(c, _)| excluded.as_ref().is_none_or(|x| !x.contains(&c.id)))
        .map(|(c, _)| (c.id.clone(), path(all, c)))
        .collect()
}

/// The ids of the categories below `id`, at any depth.
pub(super) fn descendants(all: &[types::AdminCategory], id: &str) -> HashSet<String> {
    let mut found = HashSet::new();
    let mut frontier = vec![id.to_owned()];
    while let Some(parent) = frontier.pop() {
        for c in all.iter().filter(|c| c.parent_id.as_deref() == Some(parent.as_str())) {
            if c.id != id && found.insert(c.id.clone()) {
                frontier.push(c.id.clone());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn categories(list: serde_json::Value) -> Vec<types::AdminCategory> {
        serde_json::from_value(list).expect("categories")
    }

    #[test]
    fn the_tree_puts_children_under_their_parent_by_position_then_name() {
        let all = categories(json!([
            {"id": "b", "name": "Shirts", "slug": "shirts", "parentId": "m", "active": true, "position": 1},
            {"id": "m", "name": "Men", "slug": "men", "active": true, "position": 1},
            {"id": "a", "name": "Coats", "slug": "coats", "parentId": "m", "active": true, "position": 1},
            {"id": "w", "name": "Women", "slug": "women", "active": true, "position": 0},
            {"id": "t", "name": "Tees", "slug": "tees", "parentId": "b", "active": true, "position": 0},
            {"id": "o", "name": "Orphan", "slug": "orphan", "parentId": "gone", "active": true, "position": 5},
            {"id": "x", "name": "Loop", "slug": "loop", "parentId": "y", "active": true, "position": 0},
            {"id": "y", "name": "Pool", "slug": "pool", "parentId": "x", "active": true, "position": 0}
        ]));
        let labels: Vec<String> = tree(&all).into_iter().map(|(_, label)| label).collect();
        assert_eq!(
            labels,
            [
                "Women",
                "Men",
                "├─ Coats",
                "└─ Shirts",
                "   └─ Tees",
                "Orphan",
                "Loop",
                "└─ Pool"
            ]
        );
        assert_eq!(path(&all, &all[4]), "Men › Shirts › Tees");
        assert_eq!(
            descendants(&all, "m"),
            HashSet::from(["a".to_owned(), "b".to_owned(), "t".to_owned()])
        );
        let kept: Vec<String> = filtered(&all, Some("tee")).into_iter().map(|c| c.id).collect();
        assert_eq!(kept, ["b", "m", "t"]);
    }
}
