//! Validation of user-supplied names and ids, with the reference's rules.

use crate::limits::{
    MAX_EVENT_TYPE_LEN, MAX_INSTANCE_ID_LEN, MAX_STEP_NAME_LEN, MAX_WORKFLOW_NAME_LEN,
};

/// `^[a-zA-Z0-9_][a-zA-Z0-9-_]*$` with a maximum length.
fn id_pattern(s: &str, max: usize) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= max
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
}

/// Instance ids: 1 to 100 characters, `^[a-zA-Z0-9_][a-zA-Z0-9-_]*$`.
pub fn is_valid_instance_id(id: &str) -> bool {
    id_pattern(id, MAX_INSTANCE_ID_LEN)
}

/// Ids that can name an existing instance: the ids users may choose, and the ids the engine
/// gives a cron firing's instance (`<expression>-<scheduled time in ms>`, which has spaces
/// and may be longer than 100 characters).
pub fn is_existing_instance_id(id: &str) -> bool {
    if is_valid_instance_id(id) {
        return true;
    }
    let Some((expression, ms)) = id.rsplit_once('-') else {
        return false;
    };
    !expression.is_empty()
        && id.len() <= crate::limits::MAX_CRON_INSTANCE_ID_LEN
        && !ms.is_empty()
        && ms.bytes().all(|b| b.is_ascii_digit())
        && !expression.chars().any(char::is_control)
}

/// Workflow names: 1 to 64 characters, same pattern as ids.
pub fn is_valid_workflow_name(name: &str) -> bool {
    id_pattern(name, MAX_WORKFLOW_NAME_LEN)
}

/// Step names: at most 256 characters (counted as characters), no U+0000..U+001F.
/// Empty names and spaces are valid, as in the reference.
pub fn is_valid_step_name(name: &str) -> bool {
    name.chars().count() <= MAX_STEP_NAME_LEN && !name.chars().any(|c| (c as u32) < 0x20)
}

/// Event types: 1 to 100 characters, no control characters, no `/` (they travel in URL paths).
pub fn is_valid_event_type(t: &str) -> bool {
    let n = t.chars().count();
    (1..=MAX_EVENT_TYPE_LEN).contains(&n) && !t.chars().any(|c| c.is_control() || c == '/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids() {
        for ok in ["a", "_x", "abc-123_DEF", &"a".repeat(100)] {
            assert!(is_valid_instance_id(ok), "{ok}");
        }
        for bad in ["", "-a", "a b", "a#", "ü", &"a".repeat(101)] {
            assert!(!is_valid_instance_id(bad), "{bad}");
        }
    }

    #[test]
    fn cron_firing_ids_name_existing_instances() {
        for ok in ["a", "0 * * * *-1700000000000", "*/5 9-17 * * MON-FRI-60000"] {
            assert!(is_existing_instance_id(ok), "{ok}");
        }
        for bad in [
            "",
            "0 * * * *",
            "0 * * * *-",
            "0 * * * *-12a",
            "-5",
            "a\nb-5",
        ] {
            assert!(!is_existing_instance_id(bad), "{bad:?}");
        }
        assert!(!is_existing_instance_id(&format!("{}-1", "0".repeat(300))));
    }

    #[test]
    fn workflow_names() {
        assert!(is_valid_workflow_name("my-workflow"));
        assert!(!is_valid_workflow_name(&"w".repeat(65)));
        assert!(!is_valid_workflow_name("my workflow"));
    }

    #[test]
    fn step_names() {
        assert!(is_valid_step_name(""));
        assert!(is_valid_step_name("fetch data"));
        assert!(is_valid_step_name(&"é".repeat(256)));
        assert!(!is_valid_step_name(&"a".repeat(257)));
        assert!(!is_valid_step_name("a\nb"));
    }

    #[test]
    fn event_types() {
        assert!(is_valid_event_type("approval-response"));
        assert!(!is_valid_event_type(""));
        assert!(!is_valid_event_type("a/b"));
        assert!(!is_valid_event_type(&"t".repeat(101)));
    }
}
