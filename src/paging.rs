//! Cursor paging over lists the server has already read whole from the cloud, so that an
//! answer stays small whatever the size of the account.

use crate::error::Error;

/// A page size the caller may ask for, with its default and its ceiling.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageSize {
    pub(crate) default: usize,
    pub(crate) max: usize,
}

/// Checks a cursor and a limit before any call: the offset the cursor holds and the page size.
pub(crate) fn parse(
    cursor: Option<&str>,
    limit: Option<u32>,
    size: PageSize,
) -> Result<(usize, usize), Error> {
    let start = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => c
            .strip_prefix('o')
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| bad_cursor(c))?,
    };
    let limit = match limit {
        None => size.default,
        Some(0) => {
            return Err(Error::invalid(
                "limit",
                "0",
                format!("expected 1 to {}", size.max),
            ));
        }
        Some(n) => (n as usize).min(size.max),
    };
    Ok((start, limit))
}

fn bad_cursor(cursor: &str) -> Error {
    Error::invalid(
        "cursor",
        cursor,
        "pass back a `next_cursor` from an earlier answer of the same call, or omit it for the first page",
    )
}

/// The slice of `items` that `cursor` and `limit` select, and the cursor of the next page.
/// Cursors are opaque to callers; they hold the offset of the next item.
pub(crate) fn page<T>(
    mut items: Vec<T>,
    cursor: Option<&str>,
    limit: Option<u32>,
    size: PageSize,
) -> Result<(Vec<T>, Option<String>), Error> {
    let (start, limit) = parse(cursor, limit, size)?;
    if start > items.len() {
        return Err(bad_cursor(cursor.unwrap_or_default()));
    }
    let end = start.saturating_add(limit).min(items.len());
    let next = (end < items.len()).then(|| format!("o{end}"));
    items.truncate(end);
    Ok((items.split_off(start), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: PageSize = PageSize {
        default: 100,
        max: 200,
    };

    #[test]
    fn pages_cover_everything_once() {
        let items: Vec<u32> = (0..253).collect();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let (page, next) = page(items.clone(), cursor.as_deref(), None, SIZE).unwrap();
            assert!(page.len() <= 100);
            seen.extend(page);
            match next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, items);
    }

    #[test]
    fn limits_are_capped_and_bad_cursors_named() {
        let items: Vec<u32> = (0..500).collect();
        assert_eq!(
            page(items.clone(), None, Some(1000), SIZE).unwrap().0.len(),
            200
        );
        assert_eq!(
            page(items.clone(), None, Some(3), SIZE)
                .unwrap()
                .1
                .as_deref(),
            Some("o3")
        );
        assert!(page(items.clone(), None, Some(0), SIZE).is_err());
        for bad in ["x", "o-1", "o501", "17"] {
            let err = page(items.clone(), Some(bad), None, SIZE)
                .unwrap_err()
                .to_string();
            assert!(err.contains("cursor"), "{err}");
        }
        let (rest, next) = page(items, Some("o500"), None, SIZE).unwrap();
        assert!(rest.is_empty() && next.is_none());
    }
}
