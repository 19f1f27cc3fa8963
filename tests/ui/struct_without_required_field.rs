// A schema's required properties are plain fields of its struct: a value
// built without `notify_url` does not compile, and the compiler names it.
use crm_clients::zoho_crm::records::WatchChannel;

fn main() {
    let _ = WatchChannel {
        channel_id: 1,
        events: vec!["Leads.all".to_string()],
        channel_expiry: None,
        token: None,
        return_affected_field_values: None,
        notify_on_related_action: None,
    };
}
