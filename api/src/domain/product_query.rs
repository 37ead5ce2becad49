use super::{InvalidField, money::Money, pagination::PageRequest, search::SearchTerms};

/// Orderings a product list supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProductSort {
    Newest,
    PriceAsc,
    PriceDesc,
    TitleAsc,
    /// Best full-text match first; without search terms it falls back to newest.
    Relevance,
}

/// A validated product list request as the catalogue service receives it.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    pub category: Option<String>,
    pub collection: Option<String>,
    pub min_price: Option<Money>,
    pub max_price: Option<Money>,
    pub search: Option<SearchTerms>,
    pub tag: Option<String>,
    pub in_stock: Option<bool>,
    /// Products with a variant of any of these sizes (and, with `colors`, of one of those
    /// colours in the same variant).
    pub sizes: Vec<String>,
    pub colors: Vec<String>,
    /// Facet counts to return with the page.
    pub facets: Vec<Facet>,
    pub sort: Option<ProductSort>,
    pub page: PageRequest,
}

/// A facet a product list can count for a filter sidebar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Facet {
    Category,
    Collection,
    Size,
    Color,
    Price,
}

/// Most values a repeated variant filter (`size`, `color`) takes.
pub const MAX_VARIANT_VALUES: usize = 20;
/// Longest size or colour name a filter takes, in characters.
pub const MAX_VARIANT_VALUE_CHARS: usize = 50;

/// Raw inputs for [`ProductFilter::new`], as they arrive from a query string.
#[derive(Debug, Clone, Default)]
pub struct ProductFilterInput {
    pub category: Option<String>,
    pub collection: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub search: Option<String>,
    pub tag: Option<String>,
    pub in_stock: Option<bool>,
    pub sizes: Vec<String>,
    pub colors: Vec<String>,
    pub facets: Vec<Facet>,
    pub sort: Option<ProductSort>,
    pub page: Option<u64>,
    pub limit: Option<u64>,
}

impl ProductFilter {
    pub fn new(input: ProductFilterInput) -> Result<Self, Vec<InvalidField>> {
        let mut errors = Vec::new();
        let mut check = |r: Result<Option<Money>, InvalidField>| r.map_err(|e| errors.push(e)).ok().flatten();
        let min_price = check(input.min_price.map(|m| Money::from_minor("minPrice", m)).transpose());
        let max_price = check(input.max_price.map(|m| Money::from_minor("maxPrice", m)).transpose());
        if let (Some(min), Some(max)) = (min_price, max_price)
            && min > max
        {
            errors.push(InvalidField::new("minPrice", "must not be greater than maxPrice"));
        }
        let search = match input.search.as_deref().map(|s| SearchTerms::parse("search", s)) {
            Some(Ok(terms)) => terms,
            Some(Err(e)) => {
                errors.push(e);
                None
            }
            None => None,
        };
        let tag = input.tag.map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty());
        if tag.as_ref().is_some_and(|t| t.len() > 50) {
            errors.push(InvalidField::new("tag", "must be at most 50 characters"));
        }
        let sizes = variant_values("size", input.sizes, &mut errors);
        let colors = variant_values("color", input.colors, &mut errors);
        let mut facets = Vec::new();
        for facet in input.facets {
            if !facets.contains(&facet) {
                facets.push(facet);
            }
        }
        let page = PageRequest::new(input.page, input.limit)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            category: input.category,
            collection: input.collection,
            min_price,
            max_price,
            search,
            tag,
            in_stock: input.in_stock,
            sizes,
            colors,
            facets,
            sort: input.sort,
            page,
        })
    }

    /// The ordering to apply: relevance when searching and nothing else was asked for, newest otherwise.
    pub fn effective_sort(&self) -> ProductSort {
        match (self.sort, &self.search) {
            (Some(ProductSort::Relevance), None) | (None, None) => ProductSort::Newest,
            (None, Some(_)) => ProductSort::Relevance,
            (Some(sort), _) => sort,
        }
    }
}

/// Trimmed, distinct, non-empty values of a repeated variant filter; too many or too long
/// ones are errors naming `field`.
fn variant_values(field: &str, values: Vec<String>, errors: &mut Vec<InvalidField>) -> Vec<String> {
    let mut kept: Vec<String> = values
        .iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    kept.sort();
    kept.dedup();
    if kept.len() > MAX_VARIANT_VALUES {
        errors.push(InvalidField::new(field, format!("at most {MAX_VARIANT_VALUES} values")));
    }
    if kept.iter().any(|v| v.chars().count() > MAX_VARIANT_VALUE_CHARS) {
        errors.push(InvalidField::new(
            field,
            format!("each value must be at most {MAX_VARIANT_VALUE_CHARS} characters"),
        ));
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_above_max_names_min_price() {
        let errors = ProductFilter::new(ProductFilterInput {
            min_price: Some(5000),
            max_price: Some(1000),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(errors[0].field, "minPrice");
    }

    #[test]
    fn collects_every_error() {
        let errors = ProductFilter::new(ProductFilterInput {
            min_price: Some(-1),
            max_price: Some(-5),
            limit: Some(1000),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["minPrice", "maxPrice", "limit"]);
    }

    #[test]
    fn variant_values_are_trimmed_distinct_and_bounded() {
        let filter = ProductFilter::new(ProductFilterInput {
            sizes: vec![" M ".into(), "M".into(), "".into(), "L".into()],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(filter.sizes, ["L", "M"]);
        let errors = ProductFilter::new(ProductFilterInput {
            colors: (0..=MAX_VARIANT_VALUES).map(|i| format!("c{i}")).collect(),
            sizes: vec!["x".repeat(MAX_VARIANT_VALUE_CHARS + 1)],
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["size", "color"]);
    }

    #[test]
    fn sort_defaults_follow_search() {
        let plain = ProductFilter::new(ProductFilterInput::default()).unwrap();
        assert_eq!(plain.effective_sort(), ProductSort::Newest);
        let searching = ProductFilter::new(ProductFilterInput {
            search: Some("linen".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(searching.effective_sort(), ProductSort::Relevance);
        let relevance_without_search = ProductFilter::new(ProductFilterInput {
            sort: Some(ProductSort::Relevance),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(relevance_without_search.effective_sort(), ProductSort::Newest);
    }
}
