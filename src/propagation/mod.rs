//! Radio propagation and link budgets. (Work in progress.)
