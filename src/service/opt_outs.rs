//! ListOptOuts and DeleteOptOut: opt-outs of the endpoints in the caller's accounts.

use crate::domain::{EndpointId, OptOut, PhoneNumber, Principal};
use crate::error::{Error, FieldError, Result};
use crate::store::Store;
use crate::wire::dto::{DeleteOptOut, ListOptOuts};

pub async fn list(store: &dyn Store, caller: &Principal, req: ListOptOuts) -> Result<Vec<OptOut>> {
    let endpoint = req
        .endpoint_id
        .map(EndpointId::from_string)
        .ok_or_else(|| Error::Validation(vec![FieldError::not_empty("EndpointId")]))?;
    Ok(store.list_opt_outs(&caller.scope(), &endpoint).await?)
}

pub async fn delete(store: &dyn Store, caller: &Principal, req: DeleteOptOut) -> Result<()> {
    let endpoint = req.endpoint_id.map(EndpointId::from_string);
    let address = address(req.address.as_deref());
    match (endpoint, address) {
        (Some(endpoint), Ok(address)) => Ok(store
            .remove_opt_out(&caller.scope(), &endpoint, &address)
            .await?),
        // Every problem at once, as the other operations report them.
        (endpoint, address) => Err(Error::Validation(
            [
                endpoint
                    .is_none()
                    .then(|| FieldError::not_empty("EndpointId")),
                address.err(),
            ]
            .into_iter()
            .flatten()
            .collect(),
        )),
    }
}

fn address(text: Option<&str>) -> std::result::Result<PhoneNumber, FieldError> {
    let text = text.ok_or_else(|| FieldError::not_empty("Address"))?;
    PhoneNumber::parse(text)
        .map_err(|e| FieldError::new("InvalidPhoneNumber", "Address", format!("'Address' {e}")))
}
