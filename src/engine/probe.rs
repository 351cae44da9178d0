//! Read access to the engine's prepared indexes for the planning module:
//! the same strips, projected shapes and line traces that the report uses,
//! so that gap maps and plans measure demand exactly as `report.json` does.

use geo::{MultiPolygon, Point};

use super::gap_rows::{CommuneGap, GapRows};
use super::rows::{layers_covering_box, measure_observed, trace_line, LocalShapes};
use super::{Options, Prepared, StripIndex, FLAG_BITS, FLAG_MOBILE_BROADBAND};
use crate::geodesy::TransverseMercator;
use crate::model::Scenario;
use crate::Result;

pub(crate) use crate::geodesy::antimeridian::{east, unwrapped, wrapped};
pub(crate) use crate::geodesy::inverse_lattice::inverse_near;

/// The engine's prepared state for one scenario.
pub(crate) struct Probe<'a> {
    prepared: Prepared<'a>,
}

impl<'a> Probe<'a> {
    /// Prepares the scenario as [`super::run`] does. The caller validates
    /// the scenario first ([`Scenario::validate`]), before its
    /// [`unwrapped`] copy (longitudes beyond 180°) is handed here.
    pub(crate) fn new(scenario: &'a Scenario, options: &Options) -> Result<Self> {
        Ok(Probe {
            prepared: Prepared::new(scenario, options)?,
        })
    }

    /// The probe of indexes the engine has already prepared (for the same
    /// scenario and options).
    pub(super) fn from_prepared(prepared: Prepared<'a>) -> Self {
        Probe { prepared }
    }

    /// The evaluation of `other` (the same communes, other sites) on the
    /// probe's strips and projected communes: see
    /// [`Prepared::evaluate_alongside`]; `None` when it cannot be done so.
    pub(crate) fn evaluate_alongside(
        &self,
        other: &Scenario,
        options: &Options,
    ) -> Result<Option<super::Evaluation>> {
        self.prepared.evaluate_alongside(other, options)
    }

    /// The evaluation of the scenario measured alongside this one by the
    /// uniform evaluation that prepared the probe ([`super::run_keeping`]
    /// with `alongside`): the figures [`Probe::evaluate_alongside`] gives
    /// for it; `None` when there was none (or it could not be measured so).
    pub(crate) fn take_alongside(&mut self) -> Option<super::Evaluation> {
        let n = self.prepared.scenario.communes.len();
        let alongside = self.prepared.alongside.take()?;
        (alongside.tallies.len() == n).then(|| alongside.into_evaluation())
    }

    /// Number of strips (projection frames).
    pub(crate) fn strips(&self) -> usize {
        self.prepared.indexes.len()
    }

    /// The frame of strip `strip`.
    pub(crate) fn frame(&self, strip: usize) -> TransverseMercator {
        self.prepared.indexes[strip].frame
    }

    /// Strip of commune `c` and its geometry in that strip's metres.
    pub(crate) fn project_commune(&self, c: usize) -> Option<(usize, MultiPolygon<f64>)> {
        let z = self.prepared.commune_strip[c]?;
        let (_, polygon) = self.prepared.project(c)?;
        Some((z, polygon))
    }

    /// Every commune's geometry in its strip's metres (`None` without
    /// one), as [`Probe::project_commune`] gives it: taken from the
    /// uniform evaluation that prepared the probe when it kept them,
    /// projected otherwise.
    pub(crate) fn take_projected(&mut self) -> Vec<Option<(usize, MultiPolygon<f64>)>> {
        use rayon::prelude::*;
        let n = self.prepared.scenario.communes.len();
        let kept = std::mem::take(&mut self.prepared.projected);
        if kept.len() == n {
            let strips = &self.prepared.commune_strip;
            return kept
                .into_iter()
                .enumerate()
                .map(|(c, p)| Some((strips[c]?, p?)))
                .collect();
        }
        (0..n)
            .into_par_iter()
            .map(|c| self.project_commune(c))
            .collect()
    }

    /// Every commune's gap pieces (`None` without geometry) as the uniform
    /// evaluation that prepared the probe collected them from its row
    /// sweep; `None` when it did not.
    pub(crate) fn take_gap_pieces(&mut self) -> Option<Vec<Option<[CommuneGap; FLAG_BITS]>>> {
        let kept = std::mem::take(&mut self.prepared.gap_pieces);
        (kept.len() == self.prepared.scenario.communes.len()).then_some(kept)
    }

    /// The gap pieces of commune `c` (`polygon` in strip `strip`'s metres)
    /// for the flag bits of `bits`, from the report's row sweep of it
    /// ([`super::gap_rows`]).
    pub(crate) fn commune_gap_pieces(
        &self,
        strip: usize,
        c: usize,
        polygon: &MultiPolygon<f64>,
        res: f64,
        bits: u8,
    ) -> [CommuneGap; FLAG_BITS] {
        let mut rows = GapRows::new(strip, c, res, bits);
        measure_observed(
            polygon,
            &self.prepared.indexes[strip],
            res,
            Some(&mut rows),
            None,
        );
        rows.finish()
    }

    /// Strip of commune `c`.
    pub(crate) fn commune_strip(&self, c: usize) -> Option<usize> {
        self.prepared.commune_strip[c]
    }

    /// A tracer of the lines crossing the box `min`–`max` of strip `strip`
    /// (a commune's box), as the report's row integration sweeps it: the
    /// shapes reaching the box are gathered once and swept upwards, so
    /// lines must be traced in non-decreasing `y`. Only the flag bits of
    /// `bits` are traced: the other layers are neither gathered nor traced,
    /// and their bits come back as covering every line (mobile broadband
    /// traces 3G, 4G and 5G).
    pub(crate) fn line_tracer_for(
        &self,
        strip: usize,
        min: [f64; 2],
        max: [f64; 2],
        bits: u8,
    ) -> LineTracer<'_> {
        let index = &self.prepared.indexes[strip];
        let covered_whole = layers_covering_box(index, min, max);
        let mut needed = bits;
        if bits & FLAG_MOBILE_BROADBAND != 0 {
            use crate::model::Layer;
            needed |= 1 << Layer::G3.bit() | 1 << Layer::G4.bit() | 1 << Layer::G5.bit();
        }
        let skipped = covered_whole | !needed;
        LineTracer {
            index,
            local: (!index.exhaustive).then(|| LocalShapes::new(index, min, max, skipped)),
            covered_whole,
            skipped,
        }
    }

    /// Coverage flags of a point in strip `strip`'s metres.
    pub(crate) fn flags(&self, strip: usize, xy: [f64; 2]) -> u8 {
        self.prepared.indexes[strip].flags(xy)
    }

    /// Whether one of the flag bits of `mask` (not mobile broadband) holds
    /// at the point `xy` of strip `strip`: [`Probe::flags`] `& mask != 0`,
    /// searching those layers only.
    pub(crate) fn serves_any(&self, strip: usize, xy: [f64; 2], mask: u8) -> bool {
        self.prepared.indexes[strip].serves_any(xy, mask)
    }

    /// The first commune (input order) holding a WGS 84 point.
    pub(crate) fn locate(&self, p: Point<f64>) -> Option<usize> {
        self.prepared.locator.locate(p)
    }
}

/// Line traces over one commune's box ([`Probe::line_tracer_for`]).
pub(crate) struct LineTracer<'p> {
    index: &'p StripIndex,
    local: Option<LocalShapes<'p>>,
    covered_whole: u8,
    /// Bits not traced: covered over the whole box, or not asked for.
    skipped: u8,
}

impl LineTracer<'_> {
    /// Flag bits one convex shape covers over the whole box.
    pub(crate) fn covered_whole(&self) -> u8 {
        self.covered_whole
    }

    /// Covered intervals of the line `y` (non-decreasing from call to
    /// call) between `x_lo` and `x_hi` inside the box, per flag bit;
    /// returns the bits covering the whole line (their buffers empty).
    pub(crate) fn trace(
        &mut self,
        y: f64,
        x_lo: f64,
        x_hi: f64,
        bufs: &mut [Vec<(f64, f64)>; FLAG_BITS],
    ) -> u8 {
        match &mut self.local {
            Some(local) => local.trace(y, x_lo, x_hi, self.skipped, bufs),
            None => trace_line(self.index, y, x_lo, x_hi, self.skipped, bufs),
        }
    }
}
