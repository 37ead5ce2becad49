use super::InvalidField;

/// A validated page request: `page` is 1-based, `limit` at most [`PageRequest::MAX_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageRequest {
    page: u64,
    limit: u64,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u64 = 20;
    pub const MAX_LIMIT: u64 = 100;
    /// Deep pages cost a scan each; past this a client should narrow its filters.
    pub const MAX_PAGE: u64 = 10_000;

    pub fn new(page: Option<u64>, limit: Option<u64>) -> Result<Self, InvalidField> {
        let page = page.unwrap_or(1);
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if page == 0 || page > Self::MAX_PAGE {
            return Err(InvalidField::new("page", "must be between 1 and 10000"));
        }
        if limit == 0 || limit > Self::MAX_LIMIT {
            return Err(InvalidField::new("limit", "must be between 1 and 100"));
        }
        Ok(Self { page, limit })
    }

    pub fn page(self) -> u64 {
        self.page
    }

    pub fn limit(self) -> u64 {
        self.limit
    }

    pub fn offset(self) -> u64 {
        (self.page - 1) * self.limit
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            limit: Self::DEFAULT_LIMIT,
        }
    }
}

/// One page of results with the total count across all pages.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub request: PageRequest,
    pub total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_offsets() {
        let p = PageRequest::new(None, None).unwrap();
        assert_eq!((p.page(), p.limit(), p.offset()), (1, 20, 0));
        let p = PageRequest::new(Some(3), Some(50)).unwrap();
        assert_eq!(p.offset(), 100);
    }

    #[test]
    fn rejects_out_of_range() {
        assert_eq!(PageRequest::new(Some(0), None).unwrap_err().field, "page");
        assert_eq!(PageRequest::new(None, Some(101)).unwrap_err().field, "limit");
        assert_eq!(PageRequest::new(None, Some(0)).unwrap_err().field, "limit");
    }
}
