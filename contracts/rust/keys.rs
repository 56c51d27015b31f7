//! Signing keys for every component: from an encrypted JSON keystore (password from a file, or a
//! prompt on a terminal) or from an environment variable — never from a plain flag, where it
//! would land in shell history and process lists.

use std::path::Path;

use alloy::signers::local::PrivateKeySigner;

/// A key that cannot be had; the message says what was wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub String);

/// The signer from `keystore` (with `password_file`, or a prompt) or, without a keystore, from
/// the environment variable `env` (0x + 64 hex digits). `flag` names the keystore option in
/// messages (e.g. `--keystore`).
pub fn load_signer(
    keystore: Option<&Path>,
    password_file: Option<&Path>,
    env: &str,
    flag: &str,
) -> Result<PrivateKeySigner, KeyError> {
    if let Some(path) = keystore {
        if !path.exists() {
            return Err(KeyError(format!(
                "keystore {} does not exist: give the path of an encrypted JSON keystore",
                path.display()
            )));
        }
        let password = match password_file {
            Some(f) => std::fs::read_to_string(f)
                .map_err(|e| KeyError(format!("cannot read password file {}: {e}", f.display())))?
                .trim_end_matches(['\n', '\r'])
                .to_owned(),
            None => rpassword::prompt_password(format!("password for {}: ", path.display()))
                .map_err(|e| {
                    KeyError(format!(
                        "no password file and no terminal to ask for the password ({e})"
                    ))
                })?,
        };
        return PrivateKeySigner::decrypt_keystore(path, password).map_err(|e| {
            KeyError(format!(
                "cannot open keystore {}: {e} (wrong password, or not a keystore file)",
                path.display()
            ))
        });
    }
    match std::env::var(env) {
        Ok(k) => k.trim().parse().map_err(|_| {
            KeyError(format!(
                "{env} is not a private key: give 0x followed by 64 hex digits"
            ))
        }),
        Err(_) => Err(KeyError(format!(
            "no key: give {flag} (with a password file or a terminal) or set {env}"
        ))),
    }
}
