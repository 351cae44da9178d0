use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A mobile radio generation carried by a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Technology {
    /// GSM.
    #[serde(rename = "2G")]
    G2,
    /// UMTS / HSPA.
    #[serde(rename = "3G")]
    G3,
    /// LTE.
    #[serde(rename = "4G")]
    G4,
    /// NR.
    #[serde(rename = "5G")]
    G5,
}

impl Technology {
    /// All technologies, oldest first.
    pub const ALL: [Technology; 4] = [
        Technology::G2,
        Technology::G3,
        Technology::G4,
        Technology::G5,
    ];

    /// The contract's name: `"2G"`, `"3G"`, `"4G"` or `"5G"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Technology::G2 => "2G",
            Technology::G3 => "3G",
            Technology::G4 => "4G",
            Technology::G5 => "5G",
        }
    }

    /// Position in [`Technology::ALL`] (0 for 2G … 3 for 5G).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether the technology counts as mobile broadband (3G, 4G or 5G).
    pub fn is_broadband(self) -> bool {
        self != Technology::G2
    }
}

impl fmt::Display for Technology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Technology {
    type Err = String;

    /// Parses `"2G"` … `"5G"` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().as_bytes() {
            [b'2', b'G' | b'g'] => Ok(Technology::G2),
            [b'3', b'G' | b'g'] => Ok(Technology::G3),
            [b'4', b'G' | b'g'] => Ok(Technology::G4),
            [b'5', b'G' | b'g'] => Ok(Technology::G5),
            _ => Err(format!(
                "unknown technology {s:?} (expected \"2G\", \"3G\", \"4G\" or \"5G\")"
            )),
        }
    }
}

/// A set of technologies, stored as a bit mask (bit `i` = `Technology::ALL[i]`).
///
/// ```
/// use telecov::model::{TechSet, Technology};
/// let set: TechSet = [Technology::G3, Technology::G4].into_iter().collect();
/// assert!(set.contains(Technology::G4));
/// assert!(set.has_broadband());
/// assert_eq!(set.iter().count(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TechSet(u8);

impl TechSet {
    /// The empty set.
    pub const EMPTY: TechSet = TechSet(0);

    /// The set from its bit mask (bits above 3 are ignored).
    pub fn from_bits(bits: u8) -> Self {
        TechSet(bits & 0b1111)
    }

    /// The bit mask.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Adds a technology.
    pub fn insert(&mut self, tech: Technology) {
        self.0 |= 1 << tech.index();
    }

    /// Whether the set holds `tech`.
    pub fn contains(self, tech: Technology) -> bool {
        self.0 & (1 << tech.index()) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the set holds 3G, 4G or 5G.
    pub fn has_broadband(self) -> bool {
        self.0 & 0b1110 != 0
    }

    /// The technologies in the set, oldest first.
    pub fn iter(self) -> impl Iterator<Item = Technology> {
        Technology::ALL
            .into_iter()
            .filter(move |t| self.contains(*t))
    }
}

impl FromIterator<Technology> for TechSet {
    fn from_iter<I: IntoIterator<Item = Technology>>(iter: I) -> Self {
        let mut set = TechSet::EMPTY;
        for t in iter {
            set.insert(t);
        }
        set
    }
}

/// The set of the listed technologies.
///
/// ```
/// use telecov::model::{TechSet, Technology};
/// let set = TechSet::from([Technology::G2, Technology::G4]);
/// assert_eq!(set, TechSet::from(&[Technology::G4, Technology::G2][..]));
/// assert!(!set.contains(Technology::G3));
/// ```
impl<const N: usize> From<[Technology; N]> for TechSet {
    fn from(techs: [Technology; N]) -> Self {
        techs.into_iter().collect()
    }
}

/// The set of the listed technologies.
impl From<&[Technology]> for TechSet {
    fn from(techs: &[Technology]) -> Self {
        techs.iter().copied().collect()
    }
}

impl std::ops::BitOr for TechSet {
    type Output = TechSet;
    fn bitor(self, rhs: TechSet) -> TechSet {
        TechSet(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for TechSet {
    fn bitor_assign(&mut self, rhs: TechSet) {
        self.0 |= rhs.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        for t in Technology::ALL {
            assert_eq!(t.as_str().parse::<Technology>().unwrap(), t);
        }
        assert_eq!("4g".parse::<Technology>().unwrap(), Technology::G4);
        assert!("6G".parse::<Technology>().is_err());
        assert_eq!(" 5G\t".parse::<Technology>().unwrap(), Technology::G5);
        for bad in ["", "G", "4", "4GG", "44G", "4 G", "４G", "4Ｇ"] {
            let e = bad.parse::<Technology>().unwrap_err();
            assert!(e.contains("unknown technology"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn broadband_excludes_2g() {
        let only_2g: TechSet = [Technology::G2].into_iter().collect();
        assert!(!only_2g.has_broadband());
        let mut s = only_2g;
        s.insert(Technology::G5);
        assert!(s.has_broadband());
    }
}
