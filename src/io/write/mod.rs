//! Pictures of a report: [`html`] (`report.html`, an interactive page
//! that works offline) and [`map_png`](mod@map_png) (`map.png`, a static
//! choropleth), with the colour classes they share in [`legend`].

mod frame;
pub mod html;
pub mod legend;
pub mod map_png;

pub use html::{report_html, write_report_html};
pub use map_png::{map_png, write_map_png};
