//! Naming conventions shared by the generators.

/// `vr_interface_req` → `VrInterfaceReq`.
pub fn upper_camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Doc comment lines with a prefix (`///`, ` *`), one per line of `doc`.
pub fn doc_lines(doc: &Option<String>, indent: &str, prefix: &str) -> String {
    let Some(doc) = doc else { return String::new() };
    doc.lines()
        .map(|l| if l.is_empty() { format!("{indent}{prefix}\n") } else { format!("{indent}{prefix} {l}\n") })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn camel() {
        assert_eq!(super::upper_camel("vr_interface_req"), "VrInterfaceReq");
        assert_eq!(super::upper_camel("vrouter_ops"), "VrouterOps");
        assert_eq!(super::upper_camel("sandesh_op"), "SandeshOp");
    }
}
