//! The keeper: reads the indexer's tables, decides, and acts on chain only through transactions.
//!
//! This crate grows module by module (see DESIGN.md, "Keeper"). What is here now:
//!
//! - [`pricing`]: Swan's dynamic-pricing rule, which the keeper publishes as the suggested price
//!   per resource class and the CLI uses as the default price cap of new tasks.

pub mod pricing;
