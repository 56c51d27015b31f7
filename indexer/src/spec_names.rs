//! The spec reader (`--fetch-specs`): reads the spec of every task by its URI, in the
//! background, and keeps the name it gives itself (`name:`) for the explorer's lists — only from
//! a document whose keccak256 is the spec hash the task committed to, and only as plain text of
//! bounded length: a spec is another party's input.

use std::time::Duration;

use alloy::primitives::{B256, keccak256};
use swan_spec::{TaskSpec, fetch::Fetcher};
use swan_store::spec_names::{SpecName, SpecToRead};

use crate::store::{Store, StoreError};

/// The largest spec document read (the explorer's `/api/tasks/{id}/spec` too).
pub const SPEC_MAX_BYTES: u64 = 256 << 10;
/// The longest name kept, in characters; a longer one is cut with an ellipsis.
pub const NAME_MAX_CHARS: usize = 80;
/// How long a spec that could not be read waits before it is read again.
pub const RETRY_AFTER: Duration = Duration::from_secs(600);
/// Specs read per round.
const PER_ROUND: u32 = 16;

/// What the document `body` says its name is, if it is the committed spec (`committed`, 0x-hex).
pub fn name_of(body: &[u8], committed: &str) -> SpecName {
    let Ok(committed) = committed.parse::<B256>() else {
        return SpecName::Refused(format!(
            "the stored spec hash {committed:?} is not 32 bytes"
        ));
    };
    let hash = keccak256(body);
    if hash != committed {
        return SpecName::Refused(format!(
            "not the committed spec: its keccak256 is {hash}, the task commits to {committed}"
        ));
    }
    match TaskSpec::parse(body) {
        Ok(parsed) => SpecName::Read(parsed.spec.name.as_deref().and_then(display_name)),
        Err(e) => SpecName::Refused(format!("not a task spec: {e}")),
    }
}

/// `raw` as a name to show: control characters (line breaks, escapes, bidirectional overrides)
/// dropped, white space collapsed, at most [`NAME_MAX_CHARS`]; `None` when nothing is left.
pub fn display_name(raw: &str) -> Option<String> {
    let bidi = |c: char| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    let clean: String = raw
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control() && !bidi(*c))
        .collect();
    let words: Vec<&str> = clean.split(' ').filter(|w| !w.is_empty()).collect();
    let name = words.join(" ");
    if name.is_empty() {
        return None;
    }
    if name.chars().count() <= NAME_MAX_CHARS {
        return Some(name);
    }
    let cut: String = name.chars().take(NAME_MAX_CHARS - 1).collect();
    Some(format!("{}…", cut.trim_end()))
}

/// The spec reader's place in the market: every task created up to `upto` has had its spec read
/// (or tried), so a round walks only the tasks after it — less a reorg's depth, whose blocks may
/// hold other tasks now — and the retries that are due.
#[derive(Debug, Default)]
pub struct SpecReader {
    upto: u64,
}

impl SpecReader {
    /// Blocks under `upto` walked again each round: a reorg may have replaced their tasks.
    const LOOK_BACK: u64 = 64;

    /// One round: read up to a round's worth of new specs and due retries, and record what each
    /// gave; how many were read.
    pub async fn round(
        &mut self,
        store: &Store,
        fetcher: &Fetcher,
        chain_id: u64,
        now: u64,
    ) -> Result<usize, StoreError> {
        let after = self.upto.saturating_sub(Self::LOOK_BACK);
        let fresh = store.unread_specs(chain_id, after, PER_ROUND).await?;
        if let Some(&(_, last)) = fresh.last() {
            // a full page may stop inside a block: that block is walked again next round
            let done = if fresh.len() == PER_ROUND as usize {
                last.saturating_sub(1)
            } else {
                last
            };
            self.upto = self.upto.max(done);
        }
        let retry_before = now.saturating_sub(RETRY_AFTER.as_secs());
        let retries = store
            .specs_to_retry(chain_id, retry_before, PER_ROUND)
            .await?;
        let mut due: Vec<SpecToRead> = fresh.into_iter().map(|(spec, _)| spec).collect();
        due.extend(retries);
        // tasks sharing a spec: read once
        let mut seen = std::collections::HashSet::new();
        due.retain(|s| seen.insert(s.spec_hash.clone()));
        for spec in &due {
            let got = match fetcher.fetch(&spec.uri, Some(SPEC_MAX_BYTES)).await {
                Ok(body) => name_of(&body, &spec.spec_hash),
                Err(e) if e.retryable() => SpecName::Unreadable(e.to_string()),
                Err(e) => SpecName::Refused(e.to_string()),
            };
            if let SpecName::Refused(why) | SpecName::Unreadable(why) = &got {
                tracing::debug!(spec = %spec.spec_hash, uri = %spec.uri, %why, "no name from this spec");
            }
            store.record_spec_name(&spec.spec_hash, &got, now).await?;
        }
        Ok(due.len())
    }
}

/// Read specs for ever, a round every `every` (at once again after a busy round); a database
/// error is logged and the round tried again.
pub async fn run(store: Store, fetcher: Fetcher, chain_id: u64, every: Duration) {
    let mut reader = SpecReader::default();
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        match reader.round(&store, &fetcher, chain_id, now).await {
            Ok(n) if n >= PER_ROUND as usize => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "the spec reader could not reach the database"),
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_bounded_text() {
        assert_eq!(display_name("word-count"), Some("word-count".into()));
        assert_eq!(
            display_name("  two\nlines\tand\u{1b}[31m red \u{202e}gnp.exe "),
            Some("two lines and[31m red gnp.exe".into())
        );
        assert_eq!(display_name(" \n\t\u{7}"), None);
        let long = "x".repeat(200);
        let cut = display_name(&long).unwrap();
        assert_eq!(cut.chars().count(), NAME_MAX_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn a_name_comes_only_from_the_committed_spec() {
        let doc = include_bytes!("../../examples/specs/sum.yaml");
        let hash = format!("{}", keccak256(doc));
        assert_eq!(name_of(doc, &hash), SpecName::Read(Some("sum".into())));
        // the name is cleaned as any other
        let text = std::str::from_utf8(doc).unwrap();
        let loud = text.replace("name: sum", "name: \"sum\\u001b[2J  all\"");
        let h = format!("{}", keccak256(loud.as_bytes()));
        assert_eq!(
            name_of(loud.as_bytes(), &h),
            SpecName::Read(Some("sum[2J all".into()))
        );
        // no name: read, nothing to show
        let nameless = text.replace("name: sum\n", "");
        let h = format!("{}", keccak256(nameless.as_bytes()));
        assert_eq!(name_of(nameless.as_bytes(), &h), SpecName::Read(None));
        // another document under the task's hash
        let other = format!("{}", keccak256(b"something else"));
        assert!(
            matches!(name_of(doc, &other), SpecName::Refused(w) if w.contains("not the committed spec"))
        );
        assert!(matches!(name_of(doc, "0x12"), SpecName::Refused(_)));
        let not_a_spec = b"just: text\n";
        let h = format!("{}", keccak256(not_a_spec));
        assert!(
            matches!(name_of(not_a_spec, &h), SpecName::Refused(w) if w.starts_with("not a task spec"))
        );
    }
}
