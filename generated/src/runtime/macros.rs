//! Macros the generated modules expand: they keep generated files short
//! and every open enum or tagged union behaving the same way.

/// A string enum that stays open: values this client does not know decode
/// into `Unknown(String)` and serialize back unchanged.
#[allow(unused_macros)]
macro_rules! open_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(#[doc = concat!("`", $wire, "`")] $variant,)*
            /// A value this version of the client does not know.
            Unknown(String),
        }

        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(other) => other.as_str(),
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value.as_str()))
            }
        }

        impl $crate::runtime::ToParam for $name {
            fn to_param(&self) -> String {
                self.as_str().to_string()
            }
        }
    };
}

/// An integer enum that stays open: unknown values decode into `Unknown(i64)`.
#[allow(unused_macros)]
macro_rules! open_int_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($variant:ident = $wire:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(#[doc = concat!("`", stringify!($wire), "`")] $variant,)*
            /// A value this version of the client does not know.
            Unknown(i64),
        }

        impl $name {
            /// The value as sent on the wire.
            pub fn value(&self) -> i64 {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(other) => *other,
                }
            }
        }

        impl ::std::convert::From<i64> for $name {
            fn from(value: i64) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}", self.value())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.value())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Ok(Self::from(<i64 as ::serde::Deserialize>::deserialize(deserializer)?))
            }
        }

        impl $crate::runtime::ToParam for $name {
            fn to_param(&self) -> String {
                self.value().to_string()
            }
        }
    };
}

/// A union told apart by a discriminator property. The variant structs keep
/// the property; an unknown tag decodes into `Unknown(serde_json::Value)`.
#[allow(unused_macros)]
macro_rules! tagged_union {
    (
        #[tag = $tag:literal]
        $(#[$meta:meta])*
        pub enum $name:ident { $(#[tags($($value:literal),+)] $variant:ident($ty:ty)),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
        #[serde(untagged)]
        pub enum $name {
            $($variant($ty),)*
            /// A variant this version of the client does not know, kept as JSON.
            Unknown(::serde_json::Value),
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let json = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                let tag = json.get($tag).and_then(|t| t.as_str()).map(str::to_owned);
                match tag.as_deref() {
                    $($(Some($value))|+ => ::serde_path_to_error::deserialize(json)
                        .map(Self::$variant)
                        .map_err(|e| {
                            // Keep the path inside the variant in the message.
                            let path = e.path().to_string();
                            <D::Error as ::serde::de::Error>::custom(format_args!("at `{path}`: {}", e.into_inner()))
                        }),)*
                    _ => Ok(Self::Unknown(json)),
                }
            }
        }
    };
}

/// Lets a request builder be awaited directly (`client.get_x(id).await`).
#[allow(unused_macros)]
macro_rules! impl_into_future {
    ($builder:ident => $ok:ty, $err:ty) => {
        impl ::std::future::IntoFuture for $builder {
            type Output = Result<$crate::runtime::Response<$ok>, $crate::runtime::Error<$err>>;
            type IntoFuture = ::std::pin::Pin<Box<dyn ::std::future::Future<Output = Self::Output> + Send>>;
            // Inline: an operation's code is compiled where it is called,
            // not once for every operation in the library.
            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use {impl_into_future, open_enum, open_int_enum, tagged_union};
