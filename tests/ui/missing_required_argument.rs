// A required parameter is an argument of the client method: leaving one out
// (here Zoho's `ids`) is an error at the call, naming the missing argument.
use crm_clients::zoho_crm::records::Client;

async fn delete_leads(client: Client) {
    let _ = client.delete_records("Leads").await;
}

fn main() {
    let _ = delete_leads;
}
