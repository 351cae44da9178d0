//! Pictures of a report: [`map_png`](mod@map_png) (`map.png`, a static
//! choropleth), with its colour classes in [`legend`].

mod frame;
pub mod legend;
pub mod map_png;

pub use map_png::{map_png, write_map_png};
