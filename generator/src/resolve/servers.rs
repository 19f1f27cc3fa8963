//! `servers`: the base URL template and its variables.

use crate::error::{escape_pointer, Result};
use crate::model::{EnumVariant, Server, ServerVariable};
use crate::naming::{pascal, snake};

use super::{enums::VariantNames, Resolver};

impl<'a> Resolver<'a> {
    pub(super) fn servers(&mut self) -> Result<Vec<Server>> {
        let mut out = Vec::new();
        for (i, s) in self.doc.servers.iter().enumerate() {
            let mut variables = Vec::new();
            if let Some(vars) = &s.variables {
                for (name, v) in vars {
                    let pointer = format!("#/servers/{i}/variables/{}", escape_pointer(name));
                    let mut names = VariantNames::new();
                    let mut values: Vec<EnumVariant> = v.enumeration.iter().map(|w| names.string(w)).collect();
                    if !values.is_empty() && !v.enumeration.contains(&v.default) {
                        self.warn(
                            &pointer,
                            format!("default `{}` is not one of the allowed values; it is added to them", v.default),
                        );
                        values.push(names.string(&v.default));
                    }
                    let type_name =
                        if values.is_empty() || i > 0 { None } else { Some(self.claim_type(&pascal(name, "T"))) };
                    variables.push(ServerVariable {
                        name: name.clone(),
                        // Only the first server's variables get builder methods.
                        method: if i == 0 { self.builder_methods.claim(&snake(name)) } else { snake(name) },
                        type_name,
                        default: v.default.clone(),
                        values,
                        description: v.description.clone(),
                    });
                }
            }
            out.push(Server { url: s.url.clone(), description: s.description.clone(), variables });
        }
        Ok(out)
    }
}
