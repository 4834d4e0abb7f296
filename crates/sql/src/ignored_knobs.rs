//! Settings of PostgreSQL's planner and commit path that applications,
//! test suites and tools set (`enable_seqscan`, `random_page_cost`,
//! `synchronous_commit`, ...). Borealis accepts and validates them as
//! PostgreSQL does and they change nothing: its planner has no such knobs,
//! and every commit waits for four of six replicas whatever
//! `synchronous_commit` says (stricter than `off`, never weaker).

/// A Boolean knob (its invalid values get PostgreSQL's "requires a
/// Boolean value").
pub fn is_boolean(name: &str) -> bool {
    name.starts_with("enable_") || name == "jit"
}

/// The stored form of `value` for knob `name`: None if `name` is not one of
/// these knobs, Some(None) if the value is invalid for it.
pub fn normalize(name: &str, value: &str) -> Option<Option<String>> {
    let v = value.trim();
    Some(match name {
        n if is_boolean(n) => {
            crate::datum::parse_bool(v).map(|b| if b { "on" } else { "off" }.to_string())
        }
        "cpu_index_tuple_cost"
        | "cpu_operator_cost"
        | "cpu_tuple_cost"
        | "parallel_setup_cost"
        | "parallel_tuple_cost"
        | "random_page_cost"
        | "seq_page_cost" => v
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(|x| x.to_string()),
        "max_parallel_workers_per_gather" => v
            .parse::<i32>()
            .ok()
            .filter(|n| (0..=1024).contains(n))
            .map(|n| n.to_string()),
        "effective_cache_size" => crate::spill::parse_memory_kb(v)
            .filter(|kb| *kb >= 8)
            .map(crate::spill::format_memory_kb),
        "synchronous_commit" => {
            let lower = v.to_ascii_lowercase();
            matches!(
                lower.as_str(),
                "on" | "off"
                    | "local"
                    | "remote_write"
                    | "remote_apply"
                    | "true"
                    | "false"
                    | "yes"
                    | "no"
                    | "1"
                    | "0"
            )
            .then(|| match lower.as_str() {
                "true" | "yes" | "1" => "on".to_string(),
                "false" | "no" | "0" => "off".to_string(),
                _ => lower,
            })
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn knobs_are_validated_and_normalized() {
        assert_eq!(
            normalize("enable_seqscan", "false"),
            Some(Some("off".into()))
        );
        assert_eq!(normalize("enable_seqscan", "maybe"), Some(None));
        assert_eq!(
            normalize("random_page_cost", "1.1"),
            Some(Some("1.1".into()))
        );
        assert_eq!(normalize("parallel_setup_cost", "-1"), Some(None));
        assert_eq!(
            normalize("synchronous_commit", "LOCAL"),
            Some(Some("local".into()))
        );
        assert_eq!(normalize("work_mem", "1MB"), None);
    }
}
