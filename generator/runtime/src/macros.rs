//! Macros the generated modules expand: they keep generated files short
//! and every open enum or tagged union behaving the same way.

use std::marker::PhantomData;

/// Decodes a string into `T` by `From<&str>` without a `String` of its own
/// (an open enum's known value allocates nothing): what `open_enum!`'s
/// `Deserialize` calls.
pub fn from_str_value<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    struct Text<T>(PhantomData<T>);
    impl<T: for<'a> From<&'a str>> serde::de::Visitor<'_> for Text<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
            Ok(T::from(value))
        }
    }
    deserializer.deserialize_str(Text(PhantomData))
}

/// A string enum that stays open: values this client does not know decode
/// into `Unknown(String)` and serialize back unchanged.
#[doc(hidden)]
#[macro_export]
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
                $crate::__private::from_str_value(deserializer)
            }
        }

        impl $crate::ToParam for $name {
            fn to_param(&self) -> String {
                self.as_str().to_string()
            }
            fn as_param(&self) -> ::std::borrow::Cow<'_, str> {
                ::std::borrow::Cow::Borrowed(self.as_str())
            }
        }
    };
}

/// An integer enum that stays open: unknown values decode into `Unknown(i64)`.
#[doc(hidden)]
#[macro_export]
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

        impl $crate::ToParam for $name {
            fn to_param(&self) -> String {
                self.value().to_string()
            }
        }
    };
}

/// A schema's struct with its `Serialize` and `Deserialize`, in place of
/// serde's derives: each field is written `pub name: Type = "wire" mode`,
/// and the impls are one `match` arm and one call per field, the rest
/// compiled once in the runtime. Modes:
///
/// - `required`: always written; reading it absent is `missing field`
///   (a nullable one, `Option<T>`, holds `None` for `null` but must be
///   there);
/// - `optional` (`Option<T>`): not written when `None`; read as `None`
///   when absent or `null`;
/// - `double_option` (`Option<Option<T>>`): not written when `None`,
///   written `null` for `Some(None)`; read as `None` when absent and as
///   `Some(None)` for `null`.
///
/// A last entry `..pub name: Map` keeps every key the schema does not
/// declare (additional properties), and writes them after the fields.
///
/// As with the derives, a key seen twice is `duplicate field` and unknown
/// keys are skipped. Structs read and write as maps: a JSON array is not
/// read as a struct (the derive took its elements in field order).
///
/// ```text
/// object! {
///     /// A person.
///     #[derive(Debug, Clone, PartialEq)]
///     pub struct Person {
///         pub name: String = "name" required,
///         pub r#type: Option<String> = "type" optional,
///         ..pub additional_properties: ::serde_json::Map<String, ::serde_json::Value>
///     }
/// }
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! object {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $($(#[$fmeta:meta])* pub $field:ident: $ty:ty = $wire:literal $mode:ident),* $(,)?
            $(..pub $extra:ident: $ety:ty $(,)?)?
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            $(
                /// Properties not declared by the schema.
                pub $extra: $ety,
            )?
        }

        #[allow(deprecated)]
        impl ::serde::Serialize for $name {
            fn serialize<__S: ::serde::Serializer>(&self, serializer: __S) -> ::std::result::Result<__S::Ok, __S::Error> {
                let mut out = serializer.serialize_map(None)?;
                $($crate::__private::ser::$mode(&mut out, $wire, &self.$field)?;)*
                $($crate::__private::ser::additional(&mut out, &self.$extra)?;)?
                ::serde::ser::SerializeMap::end(out)
            }
        }

        #[allow(deprecated)]
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<__D: ::serde::Deserializer<'de>>(deserializer: __D) -> ::std::result::Result<Self, __D::Error> {
                struct __Visitor;
                #[allow(deprecated)]
                impl<'de> ::serde::de::Visitor<'de> for __Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        $crate::__private::de::expecting(f, stringify!($name))
                    }
                    fn visit_map<__A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: __A,
                    ) -> ::std::result::Result<$name, __A::Error> {
                        $(let mut $field = None;)*
                        let mut rest = ($(<$ety as ::std::default::Default>::default(),)?);
                        while let Some(key) = map.next_key::<$crate::__private::de::Key<'de>>()? {
                            match &*key {
                                $($wire => $crate::__private::de::$mode::read(&mut map, &mut $field, $wire),)*
                                _ => $crate::__private::de::Rest::keep(&mut rest, &mut map, key),
                            }?;
                        }
                        Ok($name {
                            $($field: $crate::__private::de::$mode::done(&map, $field, $wire)?,)*
                            $($extra: rest.0,)?
                        })
                    }
                }
                deserializer.deserialize_map(__Visitor)
            }
        }
    };
}

/// A union told apart by a discriminator property. The variant structs keep
/// the property; an unknown tag decodes into `Unknown(serde_json::Value)`.
#[doc(hidden)]
#[macro_export]
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
                    $($(Some($value))|+ => $crate::__private::serde_path_to_error::deserialize(json)
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

/// One operation's request builder, declared as the operation reads in
/// the spec:
///
/// ```text
/// operation! {
///     /// More of the builder's docs.
///     pub struct GetX { id: String, limit: Option<i32> }
///     GET "/x/{id}" ["bearer"].path("id", id).query_opt("limit", limit.as_ref());
///     X, ListXError as GetXError {
///         200 => json(),
///         404 => error_json(GetXError::NotFound),
///     }
///     set {
///         /// The setter's docs.
///         limit: i32,
///     }
///     paginate Item;
///     streaming;
/// }
/// ```
///
/// - The struct: the builder's parameters and body; the macro adds the
///   `client` field, `Debug`, `Clone`, `#[must_use]` and the first
///   paragraph of its docs (doc attributes written here follow it).
/// - The request: method, path template and security schemes, then the
///   [`Request`] calls that send each field, written with the field's name
///   (a reference to it), which becomes the builder's `request()`.
/// - The success type and the error type, and `as Alias` when the
///   operation names the error type of an earlier one with the same
///   declared errors: `pub type Alias = Error;`.
/// - The response table (see `impl_send!`); a status it does not list
///   is an unexpected response.
/// - `set { .. }`: a setter for each optional field, taking the type
///   written (`impl Into<String>` for a string) and storing
///   `Some(value.into())`.
/// - Optional clauses: `paginate Item;` and `streaming;`, as `impl_send!`
///   takes them.
///
/// The client method that makes the builder, its `PAGINATION` constant,
/// and the error enum stay plain Rust beside it.
///
/// [`Request`]: crate::Request
#[doc(hidden)]
#[macro_export]
macro_rules! operation {
    (
        $(#[$meta:meta])*
        pub struct $builder:ident { $($field:ident: $fty:ty),* $(,)? }
        $method:ident $path:literal [$($scheme:literal),* $(,)?] $(.$step:ident $args:tt)*;
        $ok:ty, $err:ty $(as $alias:ident)? { $($table:tt)* }
        $($rest:tt)*
    ) => {
        /// Request builder: set its optional parameters, if any, then
        /// `.send().await` it (or `.await` it directly).
        $(#[$meta])*
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent"]
        pub struct $builder {
            client: $crate::Client,
            $($field: $fty,)*
        }

        impl $builder {
            #[inline]
            fn request(&self) -> $crate::Request {
                let Self { $($field,)* .. } = self;
                $crate::Request::new($crate::Method::$method, $path, &[$($scheme),*]) $(.$step $args)*
            }
        }

        $(
            #[doc = concat!(
                "The error responses declared for [`", stringify!($builder), "`]: the same as [`", stringify!($err), "`]."
            )]
            pub type $alias = $err;
        )?

        $crate::operation!(@setters $builder [$builder => $ok, $err { $($table)* }] $($rest)*);
    };
    (@setters $builder:ident [$($send:tt)*]
        set { $($(#[$smeta:meta])* $setter:ident: $sty:ty),* $(,)? }
        $($clause:tt)*
    ) => {
        impl $builder {
            $(
                $(#[$smeta])*
                pub fn $setter(mut self, value: $sty) -> Self {
                    self.$setter = Some(value.into());
                    self
                }
            )*
        }

        $crate::impl_send!($($send)* $($clause)*);
    };
    (@setters $builder:ident [$($send:tt)*] $($clause:tt)*) => {
        $crate::impl_send!($($send)* $($clause)*);
    };
}

/// A request builder's `send` and its `IntoFuture` (so that
/// `client.get_x(id).await` sends it): the same for every operation, given
/// the builder's `request()`, its success and error types, and its table of
/// responses: one arm per status pattern, naming the [`RawResponse`] method
/// that decodes it (`200 => json()`, `404 => error_json(GetXError::NotFound)`),
/// which becomes the builder's `decode`. A status no arm matches is
/// decoded by `unexpected()`; a success status no arm declares is decoded
/// as the declared successes by [`RawResponse::decode_with`].
///
/// Optional clauses after the table add the methods some operations have:
/// `paginate Item;` gives `stream()` and `send_page()` (the builder also
/// has a `PAGINATION` constant; doc attributes written before `paginate` go
/// on `stream()`), and `streaming;` gives `send_streaming()`.
///
/// Every method is `#[inline]`: an operation's code is compiled in the crate
/// that calls it, not once for every operation of the library.
///
/// [`RawResponse`]: crate::RawResponse
#[doc(hidden)]
#[macro_export]
macro_rules! impl_send {
    ($builder:ident => $ok:ty, $err:ty {
        $($status:pat => $decode:ident($($arg:tt)*)),* $(,)?
    } $($clause:tt)*) => {
        impl $builder {
            #[inline]
            fn decode(r: $crate::RawResponse) -> Result<$crate::Response<$ok>, $crate::Error<$err>> {
                #[inline]
                #[allow(unreachable_patterns)]
                fn table(r: $crate::RawResponse) -> Result<$crate::Response<$ok>, $crate::Error<$err>> {
                    match r.status().as_u16() {
                        $($status => r.$decode($($arg)*),)*
                        _ => r.unexpected(),
                    }
                }
                r.decode_with(table)
            }

            /// Sends the request, retrying as the client's policy allows.
            #[inline]
            pub fn send(self) -> $crate::Pending<$ok, $err> {
                let request = self.request();
                self.client.send_owned(request, Self::decode)
            }
        }

        impl ::std::future::IntoFuture for $builder {
            type Output = Result<$crate::Response<$ok>, $crate::Error<$err>>;
            type IntoFuture = $crate::Pending<$ok, $err>;
            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                self.send()
            }
        }

        $crate::impl_send!(@clause $builder, $err; $($clause)*);
        // The test kit's view of the operation (nothing without `testing`).
        $crate::__mock_operation!($builder => $ok, $err { $($status => $decode($($arg)*),)* } $($clause)*);
    };
    (@clause $builder:ident, $err:ty;) => {};
    (@clause $builder:ident, $err:ty; $(#[$doc:meta])* paginate $item:ty; $($rest:tt)*) => {
        impl $builder {
            /// Streams every item of every page, fetching pages lazily. An item
            /// that does not decode comes as `Error::Item` and the stream goes on.
            $(#[$doc])*
            #[inline]
            pub fn stream(self) -> impl $crate::Stream<Item = Result<$item, $crate::Error<$err>>> + Send + 'static {
                let request = self.request();
                $crate::paginate(self.client, request, Self::PAGINATION, Self::decode)
            }

            /// Fetches this one page and decodes its items one by one: the items
            /// that decode, an error for each that does not, and the page as
            /// received.
            #[inline]
            pub async fn send_page(self) -> Result<$crate::Page<$item>, $crate::Error<$err>> {
                let request = self.request();
                $crate::fetch_page(self.client, request, Self::PAGINATION, Self::decode).await
            }
        }
        $crate::impl_send!(@clause $builder, $err; $($rest)*);
    };
    (@clause $builder:ident, $err:ty; streaming; $($rest:tt)*) => {
        impl $builder {
            /// Sends the request and streams the success body (no body limit
            /// applies); error responses are decoded as by `send`.
            #[inline]
            pub async fn send_streaming(self) -> Result<$crate::Download, $crate::Error<$err>> {
                let request = self.request();
                self.client.send_streaming(request, Self::decode).await
            }
        }
        $crate::impl_send!(@clause $builder, $err; $($rest)*);
    };
}

/// The error enum of one or more operations: one variant per declared
/// error status, each written `Variant(Body) = "label"`, and a `Display`
/// that prints the label (`400 BadRequest`).
#[doc(hidden)]
#[macro_export]
macro_rules! error_enum {
    ($(#[$meta:meta])* pub enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident $(($body:ty $(,)?))? = $label:literal),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub enum $name {
            $($(#[$vmeta])* $variant $(($body))?,)*
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(match self {
                    $(Self::$variant { .. } => $label,)*
                })
            }
        }
    };
}

/// The builder of a generated client: the runtime's [`ClientBuilder`]
/// wrapped in a type of the generated module, so that the module can add
/// the methods its spec declares (credentials, server variables) as
/// inherent methods. The common methods forward to the runtime.
///
/// [`ClientBuilder`]: crate::ClientBuilder
#[doc(hidden)]
#[macro_export]
macro_rules! client_builder {
    ($builder:ident => $client:ident) => {
        #[doc = concat!("Configures a [`", stringify!($client), "`]: credentials, base URL, timeout, retries.")]
        #[derive(Debug)]
        #[must_use]
        pub struct $builder($crate::ClientBuilder<$client>);

        impl $builder {
            /// Sends every request to `url` instead of the spec's server (tests, proxies).
            pub fn base_url(self, url: impl Into<String>) -> Self {
                Self(self.0.base_url(url))
            }

            /// Sets a variable of the server URL template by its wire name.
            pub fn server_variable(self, name: &'static str, value: impl Into<String>) -> Self {
                Self(self.0.server_variable(name, value))
            }

            /// Sets the credential of the security scheme named `scheme` in the spec.
            pub fn credential(self, scheme: &'static str, credential: $crate::Credential) -> Self {
                Self(self.0.credential(scheme, credential))
            }

            /// Sends `Authorization: <prefix> <token>` for the security scheme
            /// `scheme`, asking `source` for the token before each attempt and
            /// once more after a 401 (tokens the application manages itself).
            pub fn credential_source(
                self,
                scheme: &'static str,
                prefix: &'static str,
                source: ::std::sync::Arc<dyn $crate::CredentialSource>,
            ) -> Self {
                Self(self.0.credential(scheme, $crate::Credential::source(prefix, source)))
            }

            /// The timeout of each attempt (default 30 s).
            pub fn timeout(self, timeout: ::std::time::Duration) -> Self {
                Self(self.0.timeout(timeout))
            }

            /// No timeout for attempts.
            pub fn no_timeout(self) -> Self {
                Self(self.0.no_timeout())
            }

            /// When and how often failed requests are sent again.
            pub fn retry(self, policy: $crate::RetryPolicy) -> Self {
                Self(self.0.retry(policy))
            }

            /// The largest response body read into memory, in bytes (default 32 MiB).
            pub fn body_limit(self, bytes: u64) -> Self {
                Self(self.0.body_limit(bytes))
            }

            /// No body limit at all (only for servers you trust).
            pub fn no_body_limit(self) -> Self {
                Self(self.0.no_body_limit())
            }

            /// Adds a hook that sees every attempt of every request, retries included.
            pub fn hook(self, hook: impl $crate::Hook) -> Self {
                Self(self.0.hook(hook))
            }

            /// Keeps these client-side rate limits in place of the spec's.
            pub fn rate_limit(self, limits: $crate::RateLimit) -> Self {
                Self(self.0.rate_limit(limits))
            }

            /// Keeps no client-side rate limits.
            pub fn no_rate_limit(self) -> Self {
                Self(self.0.no_rate_limit())
            }

            /// Keeps the rate limits in `backend` (Redis, PostgreSQL, a file),
            /// shared with every process whose clients use the same backend,
            /// API and [`rate_limit_key`](Self::rate_limit_key); a 429 seen by
            /// one of them holds back all.
            pub fn rate_limiter(self, backend: impl $crate::RateLimitBackend) -> Self {
                Self(self.0.rate_limiter(backend))
            }

            /// The account the rate limits count against (a HighLevel location,
            /// say): each key keeps its own buckets, pause and concurrency cap.
            pub fn rate_limit_key(self, key: impl Into<String>) -> Self {
                Self(self.0.rate_limit_key(key))
            }

            /// The `User-Agent` header of every request.
            pub fn user_agent(self, user_agent: impl Into<String>) -> Self {
                Self(self.0.user_agent(user_agent))
            }

            /// Sends requests through this `reqwest` client (proxies, TLS settings, connection pools).
            pub fn http_client(self, client: $crate::reqwest::Client) -> Self {
                Self(self.0.http_client(client))
            }

            /// Checks the configuration and makes the client.
            pub fn build(self) -> ::std::result::Result<$client, $crate::BuildError> {
                self.0.build()
            }
        }
    };
}

pub mod grammar {
    //! # Grammar 0.1: what a generated module writes
    //!
    //! The grammar of the macros generated modules are written in, one
    //! section per macro. The macros themselves stay out of the crate's
    //! item list: a generated module calls them, an application never
    //! needs to.
    //!
    //! A module generated by crmgen is mostly calls of this crate's macros,
    //! reached as `runtime::name!` (`crate::runtime` is this crate). The
    //! grammar below is the one of `crmgen-runtime` 0.1: every 0.1 release
    //! accepts every module written for an earlier 0.1 release, so a
    //! generated crate asks for `crmgen-runtime = "0.1.x"` and names that
    //! version in its modules' `@generated` header. A change that would
    //! reject such a module comes with 0.2.
    //!
    //! Notation: `$name` is a Rust fragment of the kind named after it
    //! (`ident`, `ty`, `literal`, `meta`), `[ .. ]?` is optional, `[ .. ]*`
    //! repeats, `#[..]*` is any number of attributes (docs, derives).
    //!
    //! ## `open_enum!` and `open_int_enum!`
    //! ```text
    //! open_enum! {
    //!     #[..]* pub enum $name:ident { [$variant:ident = $wire:literal],* }
    //! }
    //! ```
    //! A string (`open_enum!`) or integer (`open_int_enum!`) enum whose
    //! values are `$wire`; the macro adds `Unknown(String)` (`Unknown(i64)`)
    //! for values the client does not know, `as_str` (`value`), `From`,
    //! `Display`, `Serialize`, `Deserialize` and `ToParam`, and the derives
    //! `Debug`, `Clone`, `PartialEq`, `Eq`, `Hash`, `PartialOrd`, `Ord`
    //! (and `Copy` for integers).
    //!
    //! ## `object!`
    //! ```text
    //! object! {
    //!     #[..]* pub struct $name:ident {
    //!         [#[..]* pub $field:ident: $ty:ty = $wire:literal $mode],*
    //!         [..pub $rest:ident: $map:ty]?
    //!     }
    //! }
    //! ```
    //! A schema's struct with its `Serialize` and `Deserialize`. `$mode` is
    //! `required` (always written, absent is `missing field`), `optional`
    //! (`Option<T>`: skipped when `None`, absent or `null` read as `None`)
    //! or `double_option` (`Option<Option<T>>`: absent, `null` and a value
    //! kept apart). The last entry `..pub $rest: $map` keeps the keys the
    //! schema does not declare. The derives are the ones written in `#[..]`.
    //!
    //! ## `tagged_union!`
    //! ```text
    //! tagged_union! {
    //!     #[tag = $property:literal]
    //!     #[..]* pub enum $name:ident { [#[tags($value:literal,+)] $variant:ident($ty:ty)],* }
    //! }
    //! ```
    //! A union told apart by the string property `$property`: each variant
    //! lists the tag values that select it; the macro adds
    //! `Unknown(serde_json::Value)` for any other tag.
    //!
    //! ## `operation!`
    //! ```text
    //! operation! {
    //!     #[..]* pub struct $builder:ident { [$field:ident: $ty:ty],* }
    //!     $METHOD $path:literal [$scheme:literal,*] [.$call($wire:literal, $value..)]* ;
    //!     $ok:ty, $error:ident [as $alias:ident]? { $table }
    //!     [set { [#[..]* $field:ident: $ty:ty],* }]?
    //!     [#[..]* paginate $item:ty;]?
    //!     [streaming;]?
    //! }
    //! ```
    //! One operation's request builder: its fields (required parameters,
    //! optional ones as `Option`s, the body), the HTTP method, the path
    //! template and the names of the security schemes that may authorize
    //! it, then the `Request` methods that send each field (`path`,
    //! `query`, `query_opt`, `query_list`, `header`, `json`, ...). `$ok` is
    //! the success type and `$error` the operation's error enum (`as
    //! $alias` declares `pub type $alias = $error;` for an operation sharing
    //! an earlier one's errors). `set` gives a setter per optional field,
    //! taking `$ty` (`impl Into<String>` for a `String`). `$table` is the
    //! response table of `impl_send!`; `paginate` and `streaming` are its
    //! clauses.
    //!
    //! ## `impl_send!`
    //! ```text
    //! impl_send! {
    //!     $builder:ident => $ok:ty, $error:ty {
    //!         [$status:pat => $decode($($variant:path)?)],*
    //!     }
    //!     [#[..]* paginate $item:ty;]?
    //!     [streaming;]?
    //! }
    //! ```
    //! `send` and `IntoFuture` of a builder, given the `request()` that
    //! `operation!` writes: each arm of the table names the
    //! `RawResponse` method that decodes a status (`200 => json()`,
    //! `404 => error_json(GetXError::NotFound)`). A status no arm lists is
    //! an unexpected response. `paginate` adds `stream` and `send_page`
    //! (the builder declares a `PAGINATION` constant), `streaming` adds
    //! `send_streaming`.
    //!
    //! ## `error_enum!`
    //! ```text
    //! error_enum! {
    //!     #[..]* pub enum $name:ident { [#[..]* $variant:ident[($body:ty)]? = $label:literal],* }
    //! }
    //! ```
    //! The error responses an operation declares, one variant per status
    //! (with its decoded body, if any), `Debug`, `Clone`, `PartialEq` and a
    //! `Display` writing `$label` (`"404 NotFound"`). An undeclared status
    //! is not a variant here but `Error::UnexpectedStatus` of the call.
    //!
    //! ## `client_builder!`
    //! ```text
    //! client_builder!($builder:ident => $client:ident);
    //! ```
    //! The builder type of a generated client, wrapping `ClientBuilder`
    //! with the methods every client has (base URL, credentials, timeout,
    //! retries, limits, hooks, rate limits, HTTP client, `build`); the
    //! module adds the credential methods its security schemes declare.
    //!
    //! ## `mock_server!` (feature `testing`)
    //! ```text
    //! mock_server! {
    //!     #[..]* mod $module:ident for $client:ident($builder:ident) [$scheme:literal,*] {
    //!         [$operation:ident([$arg:ident: $ty:ty],*) -> $op_builder:ident [= $example:literal]?;]*
    //!     }
    //!     [webhook $receiver:ident($payload:ty) { [$check:ident(..);]* }]?
    //! }
    //! ```
    //! The module's test kit: a `MockServer` with a method per operation
    //! taking its required parameters (and the operation's documented
    //! example answer, if any), and signed test deliveries for the
    //! module's webhook receiver. Without the feature it expands to
    //! nothing.
}
