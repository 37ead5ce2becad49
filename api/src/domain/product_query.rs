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
    pub sort: Option<ProductSort>,
    pub page: PageRequest,
}

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
