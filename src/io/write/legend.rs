//! The colour classes shared by `report.html` and `map.png`, and the
//! figure each layer shows.
//!
//! A commune's share of a layer (percent of residents; of households for
//! fibre) falls in one of [`CLASSES`]: a class holds its lower bound and
//! not its upper one, except the last, which holds 100 %. A commune whose
//! share has no meaning (no residents; no households for fibre) gets
//! [`NO_DATA_COLOUR`]. The palette is ColorBrewer's diverging RdYlBu
//! (six classes; readable with the common colour-vision deficiencies):
//! red where few are covered, blue where nearly all are.

use crate::model::Layer;
use crate::report::CommuneReport;

/// One colour class of the choropleth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColourClass {
    /// Lower bound, percent (included).
    pub lo: f64,
    /// Upper bound, percent (excluded, but for the last class: 100 included).
    pub hi: f64,
    /// Fill colour, RGB.
    pub rgb: [u8; 3],
}

impl ColourClass {
    /// The colour as `#rrggbb`.
    pub fn hex(&self) -> String {
        hex(self.rgb)
    }

    /// The bounds as a label, e.g. `90–99 %`.
    pub fn label(&self) -> String {
        format!("{}–{} %", self.lo, self.hi)
    }
}

/// The classes, from the lowest share to the highest.
pub const CLASSES: [ColourClass; 6] = [
    ColourClass {
        lo: 0.0,
        hi: 25.0,
        rgb: [0xd7, 0x30, 0x27],
    },
    ColourClass {
        lo: 25.0,
        hi: 50.0,
        rgb: [0xfc, 0x8d, 0x59],
    },
    ColourClass {
        lo: 50.0,
        hi: 75.0,
        rgb: [0xfe, 0xe0, 0x90],
    },
    ColourClass {
        lo: 75.0,
        hi: 90.0,
        rgb: [0xe0, 0xf3, 0xf8],
    },
    ColourClass {
        lo: 90.0,
        hi: 99.0,
        rgb: [0x91, 0xbf, 0xdb],
    },
    ColourClass {
        lo: 99.0,
        hi: 100.0,
        rgb: [0x45, 0x75, 0xb4],
    },
];

/// Fill of a commune whose share has no meaning (nobody to cover).
pub const NO_DATA_COLOUR: [u8; 3] = [0xbd, 0xbd, 0xbd];

/// `#rrggbb` of an RGB colour.
pub fn hex(rgb: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])
}

/// Index into [`CLASSES`] of a share in percent (below 0 counts as 0,
/// above 100 as 100; NaN as 0).
///
/// ```
/// use telecov::io::write::legend::{class_of, CLASSES};
/// assert_eq!(class_of(0.0), 0);
/// assert_eq!(class_of(99.0), CLASSES.len() - 1);
/// assert_eq!(class_of(100.0), CLASSES.len() - 1);
/// assert_eq!(class_of(98.99), CLASSES.len() - 2);
/// ```
pub fn class_of(pct: f64) -> usize {
    if pct.is_nan() {
        return 0;
    }
    let last = CLASSES.len() - 1;
    CLASSES[..last]
        .iter()
        .position(|c| pct < c.hi)
        .unwrap_or(last)
}

/// The share a layer's map shows for one commune, percent: people covered
/// for `2G` … `5G`, `mobile_broadband` and `wifi`, households passed for
/// `fiber`. `None` when the commune has nobody to cover (no residents; no
/// households for fibre).
pub fn layer_pct(row: &CommuneReport, layer: Layer) -> Option<f64> {
    let whole = if layer == Layer::Fiber {
        row.households
    } else {
        row.population
    };
    if whole <= 0.0 {
        return None;
    }
    Some(match layer {
        Layer::Fiber => row.fiber_pct(),
        Layer::Wifi => row.wifi_pct(),
        Layer::MobileBroadband => row.mobile_broadband_pct(),
        l => l
            .technology()
            .map_or(0.0, |t| row.population_covered_pct(t)),
    })
}

/// The fill of a commune for a layer: its class colour, or
/// [`NO_DATA_COLOUR`].
pub fn fill_of(row: &CommuneReport, layer: Layer) -> [u8; 3] {
    layer_pct(row, layer).map_or(NO_DATA_COLOUR, |p| CLASSES[class_of(p)].rgb)
}

/// What a layer's share is of, for legends: `residents` or `households`.
pub fn share_of(layer: Layer) -> &'static str {
    if layer == Layer::Fiber {
        "households"
    } else {
        "residents"
    }
}

/// A layer's name for people: `2G` … `5G`, `mobile broadband`, `fibre`,
/// `public wifi`.
pub fn layer_title(layer: Layer) -> &'static str {
    match layer {
        Layer::MobileBroadband => "mobile broadband",
        Layer::Fiber => "fibre",
        Layer::Wifi => "public wifi",
        l => l.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_tile_zero_to_a_hundred() {
        assert_eq!(CLASSES[0].lo, 0.0);
        assert_eq!(CLASSES[CLASSES.len() - 1].hi, 100.0);
        for w in CLASSES.windows(2) {
            assert_eq!(w[0].hi, w[1].lo);
            assert_ne!(w[0].rgb, w[1].rgb);
        }
        for (k, c) in CLASSES.iter().enumerate() {
            assert_eq!(class_of(c.lo), k);
            assert_eq!(class_of((c.lo + c.hi) / 2.0), k);
        }
        assert_eq!(class_of(-3.0), 0);
        assert_eq!(class_of(f64::NAN), 0);
        assert_eq!(class_of(250.0), CLASSES.len() - 1);
        assert_eq!(CLASSES[4].label(), "90–99 %");
        assert_eq!(CLASSES[0].hex(), "#d73027");
    }
}
