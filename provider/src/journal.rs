//! The agent's journal: what it has done for each replica, kept in a JSON file that is replaced
//! atomically (write, fsync, rename) after every change, so a restart neither loses finished
//! work nor runs it again. Results are kept by content hash in `results/` beside it.

use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
};

use alloy::primitives::B256;
use serde::{Deserialize, Serialize};

/// Where a replica stands for this agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Running (a restart runs it again: nothing of it was published).
    Running,
    /// The result is stored and served; not yet on chain.
    Published,
    /// The result (or, in quorum mode, its commit) is on chain.
    Submitted,
    /// Quorum: revealed.
    Revealed,
    /// A service is running.
    Serving,
    /// Nothing more to do (settled, ended, or failed).
    Done,
    /// The run failed; not retried.
    Failed,
}

/// One replica's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The stage.
    pub stage: Stage,
    /// The result's content hash.
    #[serde(default)]
    pub result: Option<B256>,
    /// Quorum: the salt of the commit (kept before the commit is sent).
    #[serde(default)]
    pub salt: Option<B256>,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Runs started (a restart mid-run starts another).
    #[serde(default)]
    pub runs: u32,
}

/// Why the journal could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// File system.
    #[error("journal {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a journal.
    #[error(
        "journal {path} is damaged ({source}); move it away to start over (finished work then runs again)"
    )]
    Damaged {
        /// The file.
        path: String,
        /// Why.
        source: serde_json::Error,
    },
}

/// The journal of one agent.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    results: PathBuf,
    entries: BTreeMap<String, Entry>,
}

/// A replica's key: `0x<task hex>/<replica>`.
pub fn key(task: &alloy::primitives::U256, replica: u32) -> String {
    format!("{task:#x}/{replica}")
}

impl Journal {
    /// Open (or create) the journal in `dir`.
    pub fn open(dir: &Path) -> Result<Self, JournalError> {
        let io = |p: &Path| {
            let p = p.display().to_string();
            move |source| JournalError::Io { path: p, source }
        };
        let results = dir.join("results");
        std::fs::create_dir_all(&results).map_err(io(&results))?;
        let path = dir.join("journal.json");
        let entries = match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|source| JournalError::Damaged {
                    path: path.display().to_string(),
                    source,
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(io(&path)(e)),
        };
        Ok(Self {
            path,
            results,
            entries,
        })
    }

    /// A replica's record.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// Every record.
    pub fn entries(&self) -> &BTreeMap<String, Entry> {
        &self.entries
    }

    /// Change a replica's record and write the journal through.
    pub fn put(&mut self, key: &str, entry: Entry) -> Result<(), JournalError> {
        self.entries.insert(key.to_owned(), entry);
        self.flush()
    }

    fn flush(&self) -> Result<(), JournalError> {
        let io = |source| JournalError::Io {
            path: self.path.display().to_string(),
            source,
        };
        let tmp = self.path.with_extension("json.tmp");
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(&serde_json::to_vec_pretty(&self.entries).expect("entries serialize"))
            .map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)
    }

    /// Store a result by its hash (before the journal says it is published).
    pub fn store_result(&self, hash: B256, bytes: &[u8]) -> Result<(), JournalError> {
        let path = self.result_path(hash);
        let io = |source| JournalError::Io {
            path: path.display().to_string(),
            source,
        };
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }

    /// Where a result is kept.
    pub fn result_path(&self, hash: B256) -> PathBuf {
        self.results.join(format!("{hash:#x}"))
    }

    /// The results directory.
    pub fn results_dir(&self) -> &Path {
        &self.results
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_results_survive_a_reopen_and_damage_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path()).unwrap();
        let k = key(&alloy::primitives::U256::from(7u64), 1);
        assert_eq!(k, "0x7/1");
        let h = B256::repeat_byte(3);
        j.store_result(h, b"result").unwrap();
        let e = Entry {
            stage: Stage::Published,
            result: Some(h),
            salt: None,
            error: None,
            runs: 1,
        };
        j.put(&k, e.clone()).unwrap();
        let j2 = Journal::open(dir.path()).unwrap();
        assert_eq!(j2.get(&k), Some(&e));
        assert_eq!(std::fs::read(j2.result_path(h)).unwrap(), b"result");
        std::fs::write(dir.path().join("journal.json"), b"{not json").unwrap();
        let err = Journal::open(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("is damaged") && err.contains("move it away"),
            "{err}"
        );
    }
}
