//! Rebuilds the crate when a migration is added (`sqlx::migrate!` embeds migrations/ but cannot
//! tell cargo about a new file in it).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
