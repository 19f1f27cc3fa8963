//! A list of items served as pages in an operation's own style.

use serde_json::{Map, Value};

use super::Reply;
use crate::{PageStyle, Pagination};

/// Items, and how the operation asks for them.
pub(crate) struct Pages {
    pagination: Pagination,
    items: Vec<Value>,
    page_size: usize,
}

const CURSOR: &str = "cursor-";
const TOKEN: &str = "token-";

impl Pages {
    pub(crate) fn new(pagination: Pagination, items: Vec<Value>, page_size: usize) -> Pages {
        Pages { pagination, items, page_size: page_size.max(1) }
    }

    /// The value of a paging parameter in `request` (query or body).
    fn param(&self, request: &wiremock::Request, name: &str) -> Option<Value> {
        let in_query = || {
            request.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| {
                let v = v.into_owned();
                v.parse::<u64>().map(Value::from).unwrap_or(Value::String(v))
            })
        };
        if self.pagination.in_body && Some(name) != self.pagination.token.map(|t| t.param) {
            serde_json::from_slice::<Value>(&request.body).ok()?.get(name).cloned().or_else(in_query)
        } else {
            in_query()
        }
    }

    /// The page `request` asks for.
    pub(crate) fn page(&self, request: &wiremock::Request) -> Reply {
        let p = &self.pagination;
        let number = |name: &str| self.param(request, name).and_then(|v| v.as_u64());
        let size = p.limit.and_then(number).map(|n| n as usize).unwrap_or(self.page_size).max(1);
        let token = p.token.and_then(|t| self.param(request, t.param));
        let start = match token {
            Some(Value::String(t)) => t.strip_prefix(TOKEN).and_then(|n| n.parse().ok()),
            Some(_) => None,
            None => match p.style {
                PageStyle::Offset => Some(number(p.param).unwrap_or(0) as usize),
                PageStyle::Page => Some((number(p.param).unwrap_or(1).max(1) as usize - 1) * size),
                PageStyle::Cursor => match self.param(request, p.param) {
                    None => Some(0),
                    Some(Value::String(c)) => c.strip_prefix(CURSOR).and_then(|n| n.parse().ok()),
                    Some(_) => None,
                },
            },
        };
        let Some(start) = start else {
            return Reply::text(400, "the mock server did not issue this cursor or page token");
        };
        let end = start.saturating_add(size).min(self.items.len());
        let slice = self.items.get(start..end).unwrap_or(&[]).to_vec();
        let more = end < self.items.len() && start < end;
        let mut page = Value::Object(Map::new());
        set(&mut page, p.items, Value::Array(slice));
        if let Some(flag) = p.has_more {
            set(&mut page, flag, Value::Bool(more));
        }
        if p.style == PageStyle::Cursor {
            if let Some(next) = p.next {
                set(&mut page, next, if more { Value::String(format!("{CURSOR}{end}")) } else { Value::Null });
            }
        }
        if let Some(t) = p.token {
            set(&mut page, t.next, if more { Value::String(format!("{TOKEN}{end}")) } else { Value::Null });
        }
        Reply::json(200, &page)
    }
}

/// Sets the value at a JSON pointer, making the objects on the way.
fn set(root: &mut Value, pointer: &str, value: Value) {
    let mut at = root;
    let keys: Vec<String> = pointer.split('/').skip(1).map(|k| k.replace("~1", "/").replace("~0", "~")).collect();
    for (i, key) in keys.iter().enumerate() {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let map = at.as_object_mut().expect("made an object above");
        if i + 1 == keys.len() {
            map.insert(key.clone(), value);
            return;
        }
        at = map.entry(key.clone()).or_insert_with(|| Value::Object(Map::new()));
    }
    *at = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_make_their_objects() {
        let mut v = Value::Object(Map::new());
        set(&mut v, "/messages/messages", Value::Array(vec![]));
        set(&mut v, "/messages/nextPage", Value::Bool(true));
        assert_eq!(v, serde_json::json!({"messages": {"messages": [], "nextPage": true}}));
    }
}
