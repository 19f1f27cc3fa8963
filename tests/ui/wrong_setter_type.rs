// An optional parameter's setter takes the parameter's type: `wf_trigger`
// is a boolean, not the text `"false"`.
use crm_clients::zoho_crm::records::Client;

async fn delete_leads(client: Client, ids: Vec<String>) {
    let _ = client.delete_records("Leads", ids).wf_trigger("false").await;
}

fn main() {
    let _ = delete_leads;
}
