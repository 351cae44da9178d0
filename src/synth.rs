//! Deterministic synthetic scenarios. (Work in progress.)
