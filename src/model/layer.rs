//! Coverage layers: the four mobile technologies, mobile broadband, fibre
//! and public wifi.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Technology;

/// A coverage layer: one mobile technology, mobile broadband, fibre or
/// public wifi.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// 2G.
    G2,
    /// 3G.
    G3,
    /// 4G.
    G4,
    /// 5G.
    G5,
    /// 3G, 4G or 5G.
    MobileBroadband,
    /// Households within `fiber_drop_m` of a route.
    Fiber,
    /// People within reach of a public wifi point.
    Wifi,
}

impl Layer {
    /// Every layer, in report order.
    pub const ALL: [Layer; 7] = [
        Layer::G2,
        Layer::G3,
        Layer::G4,
        Layer::G5,
        Layer::MobileBroadband,
        Layer::Fiber,
        Layer::Wifi,
    ];

    /// The layer's position in [`Layer::ALL`]; also its bit in the
    /// engine's coverage flags.
    pub const fn bit(self) -> usize {
        self as usize
    }

    /// The name used in files: `2G` … `5G`, `mobile_broadband`, `fiber`,
    /// `wifi`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::G2 => "2G",
            Layer::G3 => "3G",
            Layer::G4 => "4G",
            Layer::G5 => "5G",
            Layer::MobileBroadband => "mobile_broadband",
            Layer::Fiber => "fiber",
            Layer::Wifi => "wifi",
        }
    }

    /// The technology of a single-technology layer.
    pub fn technology(self) -> Option<Technology> {
        match self {
            Layer::G2 => Some(Technology::G2),
            Layer::G3 => Some(Technology::G3),
            Layer::G4 => Some(Technology::G4),
            Layer::G5 => Some(Technology::G5),
            _ => None,
        }
    }

    /// Whether the layer is served by mobile sites.
    pub fn is_mobile(self) -> bool {
        self.bit() <= 4
    }

    /// The technologies whose sites serve the layer, as a bit mask
    /// (bit `i` = `Technology::ALL[i]`; empty for fibre and wifi).
    pub fn technology_bits(self) -> u8 {
        match self {
            Layer::MobileBroadband => 0b1110,
            Layer::Fiber | Layer::Wifi => 0,
            t => 1 << t.bit(),
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Layer {
    type Err = String;

    /// Parses `2G` … `5G`, `mobile_broadband` (or `mbb`), `fiber` (or
    /// `fibre`) and `wifi`, case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "2g" => Ok(Layer::G2),
            "3g" => Ok(Layer::G3),
            "4g" => Ok(Layer::G4),
            "5g" => Ok(Layer::G5),
            "mobile_broadband" | "mbb" => Ok(Layer::MobileBroadband),
            "fiber" | "fibre" => Ok(Layer::Fiber),
            "wifi" => Ok(Layer::Wifi),
            _ => Err(format!(
                "unknown layer {s:?} (expected 2G, 3G, 4G, 5G, mobile_broadband, fiber or wifi)"
            )),
        }
    }
}

/// A set of [`Layer`]s, e.g. the layers covering one place.
///
/// ```
/// use telecov::model::{Layer, LayerSet};
/// let set = LayerSet::EMPTY.with(Layer::G4).with(Layer::Fiber);
/// assert!(set.contains(Layer::G4) && !set.contains(Layer::Wifi));
/// assert_eq!(set.iter().collect::<Vec<_>>(), [Layer::G4, Layer::Fiber]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct LayerSet(u8);

impl LayerSet {
    /// No layer.
    pub const EMPTY: LayerSet = LayerSet(0);

    /// The set whose bit [`Layer::bit`] is set for each member (bits past
    /// the last layer are dropped).
    pub const fn from_bits(bits: u8) -> LayerSet {
        LayerSet(bits & ((1 << Layer::ALL.len()) - 1))
    }

    /// The members as bits (bit [`Layer::bit`] per member).
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether `layer` is a member.
    pub const fn contains(self, layer: Layer) -> bool {
        self.0 >> layer.bit() & 1 == 1
    }

    /// The set with `layer` added.
    #[must_use]
    pub const fn with(self, layer: Layer) -> LayerSet {
        LayerSet(self.0 | 1 << layer.bit())
    }

    /// The members, in [`Layer::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Layer> {
        Layer::ALL.into_iter().filter(move |l| self.contains(*l))
    }
}

/// A figure for each mobile layer: 2G, 3G, 4G, 5G and mobile broadband
/// (covered by 3G, 4G or 5G).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LayerFigures {
    /// Covered by a 2G site.
    #[serde(rename = "2G")]
    pub g2: f64,
    /// Covered by a 3G site.
    #[serde(rename = "3G")]
    pub g3: f64,
    /// Covered by a 4G site.
    #[serde(rename = "4G")]
    pub g4: f64,
    /// Covered by a 5G site.
    #[serde(rename = "5G")]
    pub g5: f64,
    /// Covered by a 3G, 4G or 5G site.
    pub mobile_broadband: f64,
}

impl LayerFigures {
    /// The figure of one technology.
    pub fn get(&self, tech: Technology) -> f64 {
        match tech {
            Technology::G2 => self.g2,
            Technology::G3 => self.g3,
            Technology::G4 => self.g4,
            Technology::G5 => self.g5,
        }
    }

    /// Adds `other` to `self`, figure by figure.
    pub fn add(&mut self, other: &LayerFigures) {
        self.g2 += other.g2;
        self.g3 += other.g3;
        self.g4 += other.g4;
        self.g5 += other.g5;
        self.mobile_broadband += other.mobile_broadband;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bits_follow_all() {
        for (i, l) in Layer::ALL.into_iter().enumerate() {
            assert_eq!(l.as_str().parse::<Layer>(), Ok(l));
            assert_eq!(l.bit(), i);
        }
        assert_eq!("fibre".parse::<Layer>(), Ok(Layer::Fiber));
        assert_eq!(Layer::MobileBroadband.technology_bits(), 0b1110);
        assert!("6G".parse::<Layer>().is_err());
    }
}
