//! The reference provider agent.
