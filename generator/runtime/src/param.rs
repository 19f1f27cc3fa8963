//! Turning parameter values into the text of a path segment, query value,
//! header or cookie.

use std::borrow::Cow;

/// A value that can be sent as a parameter.
pub trait ToParam {
    /// The value as the text sent on the wire (before percent-encoding).
    fn to_param(&self) -> String;

    /// The same text, borrowed when the value holds it already (strings,
    /// enums): what the request builder reads, so that writing a value into
    /// a path or query needs no string of its own.
    fn as_param(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_param())
    }
}

impl<T: ToParam + ?Sized> ToParam for &T {
    fn to_param(&self) -> String {
        (**self).to_param()
    }
    fn as_param(&self) -> Cow<'_, str> {
        (**self).as_param()
    }
}

impl<T: ToParam> ToParam for Box<T> {
    fn to_param(&self) -> String {
        (**self).to_param()
    }
    fn as_param(&self) -> Cow<'_, str> {
        (**self).as_param()
    }
}

/// Arrays in a path or header (`style: simple`): comma-separated.
impl<T: ToParam> ToParam for Vec<T> {
    fn to_param(&self) -> String {
        self.iter().map(ToParam::to_param).collect::<Vec<_>>().join(",")
    }
}

impl ToParam for str {
    fn to_param(&self) -> String {
        self.to_string()
    }
    fn as_param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl ToParam for String {
    fn to_param(&self) -> String {
        self.clone()
    }
    fn as_param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

macro_rules! display_param {
    ($($t:ty),*) => {
        $(impl ToParam for $t {
            fn to_param(&self) -> String {
                self.to_string()
            }
        })*
    };
}
display_param!(bool, i8, i16, i32, i64, u8, u16, u32, u64, usize, f32, f64);

#[cfg(feature = "chrono")]
impl ToParam for chrono::DateTime<chrono::FixedOffset> {
    fn to_param(&self) -> String {
        self.to_rfc3339()
    }
}

#[cfg(feature = "chrono")]
impl ToParam for chrono::NaiveDate {
    fn to_param(&self) -> String {
        self.format("%Y-%m-%d").to_string()
    }
}

#[cfg(feature = "uuid")]
impl ToParam for uuid::Uuid {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

impl ToParam for serde_json::Value {
    fn to_param(&self) -> String {
        match self {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

/// A parameter value from its JSON form: strings as they are, anything
/// else as JSON text (untagged unions used as parameters).
pub fn json_param<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).map(|v| v.to_param()).unwrap_or_default()
}

/// How the values of an array parameter are put on the wire (OpenAPI
/// `style` + `explode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStyle {
    /// `ids=1&ids=2` (`form`, `explode: true`).
    Exploded,
    /// `ids=1,2` (`form`, `explode: false`).
    Comma,
    /// `ids=1%202` (`spaceDelimited`).
    Space,
    /// `ids=1|2` (`pipeDelimited`).
    Pipe,
}
