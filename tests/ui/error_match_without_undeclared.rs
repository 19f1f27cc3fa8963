// A call's error is `runtime::Error<E>`: the statuses the spec declares are
// `Error::Api` (its `body` holds the operation's error enum); an undeclared
// status, a timeout, a broken connection are other variants, which a match
// on the declared errors alone does not handle.
use crm_clients::highlevel::objects::{Client, GetRecordError};
use crm_clients::runtime::Error;

async fn record_status(client: Client) -> &'static str {
    match client.get_record("custom_objects.pet", "632c34b4c9b7da3358ac9891").await {
        Ok(_) => "found",
        Err(Error::Api(api)) => match api.body {
            GetRecordError::BadRequest(_) => "bad request",
            GetRecordError::Unauthorized(_) => "unauthorized",
        },
    }
}

fn main() {
    let _ = record_status;
}
