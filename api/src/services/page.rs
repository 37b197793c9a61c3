//! Forward keyset pagination (`first`, `after`) over time-ordered ids, bounded at 100 per page.

use crate::error::{Error, Result};

pub const MAX_PAGE: i32 = 100;
pub const DEFAULT_PAGE: i32 = 20;

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub struct PageArgs<C> {
    pub first: u64,
    pub after: Option<C>,
}

impl<C: std::str::FromStr> PageArgs<C> {
    pub fn parse(first: Option<i32>, after: Option<&str>) -> Result<Self> {
        let first = first.unwrap_or(DEFAULT_PAGE);
        if !(0..=MAX_PAGE).contains(&first) {
            return Err(Error::validation("first", format!("must be between 0 and {MAX_PAGE}")));
        }
        let after = match after {
            None => None,
            Some(a) => {
                Some(a.parse::<C>().map_err(|_| Error::validation("after", "not a cursor from this connection"))?)
            }
        };
        Ok(Self { first: first as u64, after })
    }

    /// Rows to fetch: one more than asked, to learn whether another page exists.
    pub fn fetch_limit(&self) -> u64 {
        self.first + 1
    }
}

/// A page of rows and whether more follow.
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
}

impl<T> Page<T> {
    pub fn from_overfetch(mut items: Vec<T>, first: u64) -> Self {
        let has_next = items.len() as u64 > first;
        items.truncate(first as usize);
        Self { items, has_next }
    }

    /// The same page with every item converted, or the first conversion's error.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> std::result::Result<U, E>) -> std::result::Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<std::result::Result<_, _>>()?,
            has_next: self.has_next,
        })
    }
}
