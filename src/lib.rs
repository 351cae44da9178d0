//! # telecov: telecom coverage planning per administrative unit
//!
//! telecov answers, commune by commune, the questions a department of
//! information and communications asks of its networks: what share of the
//! population do 2G, 3G, 4G and 5G reach, what share of households is passed
//! by fibre, which communes have public wifi, and who lives in the gaps.
//!
//! (Crate documentation is completed in this file as the modules land.)
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod demand;
pub mod error;
pub mod io;
pub mod model;
pub mod projection;
pub mod propagation;
pub mod synth;

pub use error::{Error, Result};
