//! The macros behind the test kit (`testing` feature): the view of each
//! operation `impl_send!` gives the kit, and `mock_server!`, a generated
//! module's typed mock server. Without the feature both expand to nothing,
//! so a default build compiles none of it.

/// The kit's view of one operation, from the arguments of `impl_send!`:
/// the request the builder sends, how a typed success or declared error is
/// written back as a response (the response table read the other way), and
/// the operation's pagination.
#[cfg(feature = "testing")]
#[doc(hidden)]
#[macro_export]
macro_rules! __mock_operation {
    ($builder:ident => $ok:ty, $err:ty { $($status:pat => $decode:ident($($arg:tt)*),)* } $($clause:tt)*) => {
        impl $crate::testing::MockOperation for $builder {
            type Ok = $ok;
            type Err = $err;
            #[inline]
            fn mock_request(&self) -> $crate::Request {
                self.request()
            }
            #[allow(unreachable_patterns, unused_variables)]
            fn ok_reply(value: &$ok) -> $crate::testing::Reply {
                $crate::__mock_operation!(@ok value [] $($status => $decode($($arg)*),)*)
            }
            #[allow(unreachable_patterns, unused_variables)]
            fn err_reply(error: &$err) -> $crate::testing::Reply {
                $crate::__mock_operation!(@err error [] $($status => $decode($($arg)*),)*)
            }
            fn ok_status() -> u16 {
                $crate::__mock_operation!(@first $($status => $decode($($arg)*),)*)
            }
            $crate::__mock_operation!(@pagination $($clause)*);
        }
        $crate::__mock_operation!(@paged $builder; $($clause)*);
    };

    // A success value, by the arm that decodes it.
    (@ok $v:ident [$($acc:tt)*]) => {
        match $v {
            $($acc)*
            _ => ::std::unreachable!("every success variant has an arm"),
        }
    };
    (@ok $v:ident [$($acc:tt)*] $s:pat => json(), $($rest:tt)*) => {
        $crate::__mock_operation!(@ok $v [$($acc)* _ => $crate::testing::Reply::json($crate::__mock_operation!(@status $s), $v),] $($rest)*)
    };
    (@ok $v:ident [$($acc:tt)*] $s:pat => text(), $($rest:tt)*) => {
        $crate::__mock_operation!(@ok $v [$($acc)* _ => $crate::testing::Reply::text($crate::__mock_operation!(@status $s), $v),] $($rest)*)
    };
    (@ok $v:ident [$($acc:tt)*] $s:pat => bytes(), $($rest:tt)*) => {
        $crate::__mock_operation!(@ok $v [$($acc)* _ => $crate::testing::Reply::bytes($crate::__mock_operation!(@status $s), $v),] $($rest)*)
    };
    (@ok $v:ident [$($acc:tt)*] $s:pat => empty(), $($rest:tt)*) => {
        $crate::__mock_operation!(@ok $v [$($acc)* _ => $crate::testing::Reply::empty($crate::__mock_operation!(@status $s)),] $($rest)*)
    };
    (@ok $v:ident [$($acc:tt)*] $s:pat => json_as($($p:tt)*), $($rest:tt)*) => {
        $crate::__mock_operation!(@ok $v [$($acc)* $($p)*(inner) => $crate::testing::Reply::json($crate::__mock_operation!(@status $s), inner),] $($rest)*)
    };
    (@ok $v:ident [$($acc:tt)*] $s:pat => text_as($($p:tt)*), $($rest:tt)*) => {
        $crate::__mock_operation!(@ok $v [$($acc)* $($p)*(inner) => $crate::testing::Reply::text($crate::__mock_operation!(@status $s), inner),] $($rest)*)
    };
    (@ok $v:ident [$($acc:tt)*] $s:pat => bytes_as($($p:tt)*), $($rest:tt)*) => {
        $crate::__mock_operation!(@ok $v [$($acc)* $($p)*(inner) => $crate::testing::Reply::bytes($crate::__mock_operation!(@status $s), inner),] $($rest)*)
    };
    (@ok $v:ident [$($acc:tt)*] $s:pat => empty_as($($p:tt)*), $($rest:tt)*) => {
        $crate::__mock_operation!(@ok $v [$($acc)* $($p)* => $crate::testing::Reply::empty($crate::__mock_operation!(@status $s)),] $($rest)*)
    };
    (@ok $v:ident [$($acc:tt)*] $s:pat => $other:ident($($p:tt)*), $($rest:tt)*) => {
        $crate::__mock_operation!(@ok $v [$($acc)*] $($rest)*)
    };

    // A declared error, by the arm that decodes it.
    (@err $v:ident [$($acc:tt)*]) => {
        match $v {
            $($acc)*
            _ => ::std::unreachable!("every declared error has an arm"),
        }
    };
    (@err $v:ident [$($acc:tt)*] $s:pat => error_json($($p:tt)*), $($rest:tt)*) => {
        $crate::__mock_operation!(@err $v [$($acc)* $($p)*(inner) => $crate::testing::Reply::json($crate::__mock_operation!(@error_status $s), inner),] $($rest)*)
    };
    (@err $v:ident [$($acc:tt)*] $s:pat => error_text($($p:tt)*), $($rest:tt)*) => {
        $crate::__mock_operation!(@err $v [$($acc)* $($p)*(inner) => $crate::testing::Reply::text($crate::__mock_operation!(@error_status $s), inner),] $($rest)*)
    };
    (@err $v:ident [$($acc:tt)*] $s:pat => error_bytes($($p:tt)*), $($rest:tt)*) => {
        $crate::__mock_operation!(@err $v [$($acc)* $($p)*(inner) => $crate::testing::Reply::bytes($crate::__mock_operation!(@error_status $s), inner),] $($rest)*)
    };
    (@err $v:ident [$($acc:tt)*] $s:pat => error_empty($($p:tt)*), $($rest:tt)*) => {
        $crate::__mock_operation!(@err $v [$($acc)* $($p)* => $crate::testing::Reply::empty($crate::__mock_operation!(@error_status $s)),] $($rest)*)
    };
    (@err $v:ident [$($acc:tt)*] $s:pat => $other:ident($($p:tt)*), $($rest:tt)*) => {
        $crate::__mock_operation!(@err $v [$($acc)*] $($rest)*)
    };

    // The status of the first success arm (what an example is sent with).
    (@first) => { 200 };
    (@first $s:pat => error_json($($p:tt)*), $($rest:tt)*) => { $crate::__mock_operation!(@first $($rest)*) };
    (@first $s:pat => error_text($($p:tt)*), $($rest:tt)*) => { $crate::__mock_operation!(@first $($rest)*) };
    (@first $s:pat => error_bytes($($p:tt)*), $($rest:tt)*) => { $crate::__mock_operation!(@first $($rest)*) };
    (@first $s:pat => error_empty($($p:tt)*), $($rest:tt)*) => { $crate::__mock_operation!(@first $($rest)*) };
    (@first $s:pat => $other:ident($($p:tt)*), $($rest:tt)*) => { $crate::__mock_operation!(@status $s) };

    // A status an arm's pattern matches: a success arm's first 2xx, an
    // error arm's first 4xx or 5xx (`default`: 400).
    (@status $s:pat) => {
        $crate::testing::status_matching(|status| ::std::matches!(status, $s), 200)
    };
    (@error_status $s:pat) => {
        $crate::testing::status_matching(|status| ::std::matches!(status, $s), 400)
    };

    (@pagination) => {};
    (@pagination $(#[$doc:meta])* paginate $item:ty; $($rest:tt)*) => {
        fn pagination() -> ::std::option::Option<$crate::Pagination> {
            ::std::option::Option::Some(Self::PAGINATION)
        }
    };
    (@pagination streaming; $($rest:tt)*) => { $crate::__mock_operation!(@pagination $($rest)*); };

    (@paged $builder:ident;) => {};
    (@paged $builder:ident; $(#[$doc:meta])* paginate $item:ty; $($rest:tt)*) => {
        impl $crate::testing::MockPaged for $builder {
            type Item = $item;
        }
    };
    (@paged $builder:ident; streaming; $($rest:tt)*) => { $crate::__mock_operation!(@paged $builder; $($rest)*); };
}

/// Without the `testing` feature: nothing.
#[cfg(not(feature = "testing"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __mock_operation {
    ($($any:tt)*) => {};
}

/// A generated module's test kit: the module `testing` with a typed
/// `MockServer` (one method per operation, taking the operation's required
/// parameters as the client method does) and, for an API that receives
/// webhooks, `TestWebhook` (deliveries its test receiver accepts). Nothing
/// without the runtime's `testing` feature.
///
/// ```text
/// mock_server! {
///     mod testing for Client(ClientBuilder) ["bearer"] {
///         get_record(schema_key: impl Into<String>, id: impl Into<String>) -> GetRecord = "{\"record\":{}}";
///         delete_record(id: impl Into<String>) -> DeleteRecord;
///     }
///     webhook Webhook(WebhookEvent) {
///         ed25519("x-ghl-signature");
///         timestamp(Body, "timestamp", Rfc3339);
///         id(Body, "webhookId");
///     }
/// }
/// ```
///
/// Each operation line names the client method, its required parameters
/// and its builder, and optionally the spec's example of its success body.
/// The webhook section lists the receiver's checks as the spec declares
/// them (`ed25519`, `rsa_sha256` and `hmac_sha256_hex` headers, a payload
/// `token` field, a `timestamp` and an `id` in a header or the body).
#[cfg(feature = "testing")]
#[doc(hidden)]
#[macro_export]
macro_rules! mock_server {
    (
        $(#[$meta:meta])*
        mod $module:ident for $client:ident($builder_ty:ident) [$($scheme:literal),* $(,)?] {
            $($op:ident($($arg:ident: $ty:ty),* $(,)?) -> $builder:ident $(= $example:literal)?;)*
        }
        $(webhook $receiver:ident($payload:ty) { $($check:ident($($spec:tt)*);)* })?
    ) => {
        $(#[$meta])*
        pub mod $module {
            #[allow(unused_imports)]
            use super::*;

            #[doc = concat!(
                "A mock of this API on loopback, with a method per operation of [`", stringify!($client), "`]: ",
                "each sets up an expected request (the parameters given, as the client sends them) and its answer ",
                "(`.returns(..)`, `.fails(..)`, `.example()`, `.status(..)`, `.pages(..)`), mounted by `.await`. ",
                "Dropping the server checks that every expectation was met and that no request went unmatched, ",
                "and fails the test naming the operation and showing what arrived."
            )]
            #[derive(Debug)]
            pub struct MockServer {
                inner: $crate::testing::MockServer,
                client: $client,
            }

            /// A client builder pointed at `inner`, without credentials (not
            /// a method: the mock server's methods are reserved names).
            fn pointed_at(inner: &$crate::testing::MockServer) -> $builder_ty {
                $client::builder().base_url(inner.uri()).no_rate_limit()
            }

            impl MockServer {
                /// Starts a mock server on a loopback port.
                pub async fn start() -> Self {
                    let inner = $crate::testing::MockServer::start(::std::module_path!()).await;
                    let client = pointed_at(&inner)
                        $(.credential($scheme, $crate::Credential::token("Bearer", "test-token")))*
                        .build()
                        .expect("a client for the mock server");
                    MockServer { inner, client }
                }

                #[doc = concat!("A [`", stringify!($client), "`] sending every request to this server, with test credentials.")]
                pub fn client(&self) -> $client {
                    self.client.clone()
                }

                #[doc = concat!(
                    "A [`", stringify!($builder_ty), "`] pointed at this server, without credentials, for a client ",
                    "configured further: the credentials under test (`.oauth2(tokens.oauth2())` with a [`TokenServer`](",
                    stringify!($crate), "::testing::TokenServer), an API key), a retry policy, hooks. The test ",
                    "credentials of [`client`](Self::client) are left out: a scheme listed before OAuth2 would win."
                )]
                pub fn client_builder(&self) -> $builder_ty {
                    pointed_at(&self.inner)
                }

                /// The server's base URL (`http://127.0.0.1:PORT`).
                pub fn uri(&self) -> ::std::string::String {
                    self.inner.uri()
                }

                /// The runtime's mock server: requests received, checks.
                pub fn server(&self) -> &$crate::testing::MockServer {
                    &self.inner
                }

                $(
                    #[doc = concat!(
                        "Expects a call of [`", stringify!($client), "::", stringify!($op), "`] with these parameters ",
                        "(optional ones set with `.with(|b| ..)`)."
                    )]
                    #[allow(deprecated)]
                    pub fn $op(&self, $($arg: $ty),*) -> $crate::testing::Expect<'_, $builder> {
                        self.inner.expect(
                            self.client.$op($($arg),*),
                            ::std::stringify!($op),
                            $crate::__mock_example!($($example)?),
                        )
                    }
                )*
            }

            $(
                #[doc = concat!(
                    "Webhook deliveries that [`", stringify!($receiver), "`] accepts: signed with test keys and secrets ",
                    "(`receiver()` is a receiver that trusts them), with the token, timestamp and delivery id the ",
                    "receiver checks."
                )]
                #[derive(Debug, Clone)]
                pub struct TestWebhook {
                    signer: $crate::testing::DeliverySigner,
                }

                impl ::std::default::Default for TestWebhook {
                    fn default() -> Self {
                        Self::new()
                    }
                }

                impl TestWebhook {
                    /// Test keys made for this value, the test secret and token (`TEST_SECRET`).
                    pub fn new() -> Self {
                        let signer = $crate::testing::DeliverySigner::new();
                        $(let signer = $crate::__mock_check!(signer, $check($($spec)*));)*
                        TestWebhook { signer }
                    }

                    /// Signs HMAC deliveries with this secret and sends this payload token (your receiver's own).
                    pub fn secret(self, secret: impl Into<::std::string::String>) -> Self {
                        TestWebhook { signer: self.signer.secret(secret) }
                    }

                    #[doc = concat!("A [`", stringify!($receiver), "`] that trusts this value's keys, secret and token.")]
                    pub fn receiver(&self) -> $receiver {
                        $receiver::from_verifier(self.signer.verifier())
                    }

                    /// The test Ed25519 public key deliveries are signed with (for a receiver made by hand).
                    pub fn ed25519_key(&self) -> $crate::webhook::Ed25519Key {
                        self.signer.ed25519_key()
                    }

                    /// A delivery of `payload` as the vendor sends it now: body, signatures, token, timestamp, id.
                    pub fn delivery(&self, payload: &$payload) -> $crate::testing::TestDelivery {
                        self.signer.delivery(payload)
                    }

                    /// As [`delivery`](Self::delivery), with the vendor's clock at `at` (a stale or future delivery).
                    pub fn delivery_at(&self, payload: &$payload, at: ::std::time::SystemTime) -> $crate::testing::TestDelivery {
                        self.signer.delivery_at(payload, at)
                    }
                }
            )?
        }
    };
}

/// Without the `testing` feature: nothing.
#[cfg(not(feature = "testing"))]
#[doc(hidden)]
#[macro_export]
macro_rules! mock_server {
    ($($any:tt)*) => {};
}

/// An operation's example, if the spec has one.
#[cfg(feature = "testing")]
#[doc(hidden)]
#[macro_export]
macro_rules! __mock_example {
    () => {
        ::std::option::Option::None
    };
    ($example:literal) => {
        ::std::option::Option::Some($example)
    };
}

/// One check of a webhook section of `mock_server!`, as a `DeliverySigner` call.
#[cfg(feature = "testing")]
#[doc(hidden)]
#[macro_export]
macro_rules! __mock_check {
    ($signer:ident, ed25519($header:literal)) => {
        $signer.ed25519($header)
    };
    ($signer:ident, rsa_sha256($header:literal)) => {
        $signer.rsa_sha256($header)
    };
    ($signer:ident, hmac_sha256_hex($header:literal)) => {
        $signer.hmac_sha256_hex($header)
    };
    ($signer:ident, token($field:literal)) => {
        $signer.payload_token($field)
    };
    ($signer:ident, timestamp($place:ident, $name:literal, $format:ident)) => {
        $signer.timestamp($crate::webhook::Field::$place($name), $crate::webhook::TimestampFormat::$format)
    };
    ($signer:ident, required_timestamp($place:ident, $name:literal, $format:ident)) => {
        $signer
            .timestamp($crate::webhook::Field::$place($name), $crate::webhook::TimestampFormat::$format)
            .require_timestamp()
    };
    ($signer:ident, id($place:ident, $name:literal)) => {
        $signer.delivery_id($crate::webhook::Field::$place($name))
    };
}
