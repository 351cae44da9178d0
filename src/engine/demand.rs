//! Demand: where the people and households are.
//!
//! Two modes, as the scenario contract defines them:
//!
//! - **Uniform** (no `population.geojson`): each commune's people and
//!   households are spread evenly over its area, sampled at the centres of a
//!   square grid of `resolution_m`. The grid is global to a projection strip
//!   (cell centres at `((i + ½)·res, (j + ½)·res)` in the strip's metres), so
//!   neighbouring communes share one lattice. [`grid_rows`] finds, row by
//!   row, the runs of cell centres inside a polygon by scanline filling (edge
//!   crossings of the row, paired even–odd), which respects holes and
//!   multipolygons and costs about as much as writing the cells out.
//!   A commune that holds no cell centre (smaller than a cell, or a sliver)
//!   keeps its people on one representative point inside it.
//! - **Points** (`population.geojson` present): the given points are the
//!   demand; each belongs to the first commune in input order that contains
//!   it, boundary included, or is unassigned.

use geo::{BoundingRect, Coord, MultiPolygon};

/// One grid row of cell centres inside a polygon.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRow {
    /// Row index `j`: the row's centres lie at `y = (j + ½)·resolution_m`.
    pub j: i64,
    /// Half-open column ranges `[i0, i1)`: cell centres at
    /// `x = (i + ½)·resolution_m` for `i0 <= i < i1`, in increasing order.
    pub spans: Vec<(i64, i64)>,
}

impl GridRow {
    /// Number of cell centres in the row.
    pub fn cells(&self) -> u64 {
        self.spans.iter().map(|(a, b)| (b - a) as u64).sum()
    }
}

/// The cell centres of a `resolution_m` grid that fall inside `polygon`
/// (projected metres), row by row, by scanline filling with the even–odd
/// rule. Rows without cells are omitted.
///
/// A centre exactly on a boundary is decided by a half-open rule (inside on
/// the lower/left side), so two polygons sharing an edge never both claim a
/// centre on it.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use telecov::demand::grid_rows;
/// // a 1 km square with a 500 m hole, 100 m grid: 100 - 25 = 75 cells
/// let square = polygon!(
///     exterior: [(x: 0., y: 0.), (x: 1000., y: 0.), (x: 1000., y: 1000.), (x: 0., y: 1000.), (x: 0., y: 0.)],
///     interiors: [[(x: 250., y: 250.), (x: 750., y: 250.), (x: 750., y: 750.), (x: 250., y: 750.), (x: 250., y: 250.)]],
/// );
/// let rows = grid_rows(&MultiPolygon(vec![square]), 100.0);
/// assert_eq!(rows.iter().map(|r| r.cells()).sum::<u64>(), 75);
/// ```
pub fn grid_rows(polygon: &MultiPolygon<f64>, resolution_m: f64) -> Vec<GridRow> {
    let Some(bbox) = polygon.bounding_rect() else {
        return Vec::new();
    };
    let edges: Vec<(Coord<f64>, Coord<f64>)> = polygon
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.lines().map(|l| (l.start, l.end)))
        .filter(|(a, b)| a.y != b.y)
        .collect();
    let res = resolution_m;
    // rows whose centre y = (j + 0.5) res lies within [min.y, max.y]
    let j0 = (bbox.min().y / res - 0.5).ceil() as i64;
    let j1 = (bbox.max().y / res - 0.5).floor() as i64;
    let mut rows = Vec::new();
    let mut xs: Vec<f64> = Vec::new();
    for j in j0..=j1 {
        let y = (j as f64 + 0.5) * res;
        xs.clear();
        for (a, b) in &edges {
            // half-open in y: an edge counts when y is in [min, max)
            if (a.y <= y) != (b.y <= y) {
                xs.push(a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y));
            }
        }
        if xs.len() < 2 {
            continue;
        }
        xs.sort_by(f64::total_cmp);
        let mut spans = Vec::new();
        for pair in xs.chunks_exact(2) {
            // centres x = (i + 0.5) res with pair[0] <= x < pair[1]
            let i0 = (pair[0] / res - 0.5).ceil() as i64;
            let i1 = (pair[1] / res - 0.5).ceil() as i64;
            if i1 > i0 {
                spans.push((i0, i1));
            }
        }
        if !spans.is_empty() {
            rows.push(GridRow { j, spans });
        }
    }
    rows
}

/// Estimated number of grid cells of `resolution_m` needed to
/// cover an area of `area_m2`, used to refuse absurd requests before any
/// memory is taken or time spent.
pub fn estimate_cells(area_m2: f64, resolution_m: f64) -> f64 {
    area_m2 / (resolution_m * resolution_m)
}

/// Refuses, before any allocation, a grid of `resolution_m` over
/// `area_m2` (grid square metres) with more than `limit` cells: the error
/// names `what` is being gridded, the limit (`limit_name`) and the
/// resolution that would fit.
pub(crate) fn refuse_oversized_grid(
    what: &str,
    area_m2: f64,
    resolution_m: f64,
    limit: u64,
    limit_name: &str,
) -> crate::Result<()> {
    let estimate = estimate_cells(area_m2, resolution_m);
    if estimate > limit as f64 {
        // not res·√(estimate/limit): res² underflows to 0 for tiny res
        let fit = (area_m2 / limit as f64).sqrt();
        return Err(crate::Error::TooLarge(format!(
            "{what} of resolution_m = {resolution_m} over {:.0} km² needs about {estimate:.3e} cells, more than the limit of {limit} ({limit_name}); use resolution_m = {} or coarser",
            area_m2 / 1e6,
            fit.ceil()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area, Contains, Point};

    fn brute_force(polygon: &MultiPolygon<f64>, res: f64) -> u64 {
        let bbox = polygon.bounding_rect().unwrap();
        let mut n = 0;
        let i0 = (bbox.min().x / res).floor() as i64 - 1;
        let i1 = (bbox.max().x / res).ceil() as i64 + 1;
        let j0 = (bbox.min().y / res).floor() as i64 - 1;
        let j1 = (bbox.max().y / res).ceil() as i64 + 1;
        for j in j0..=j1 {
            for i in i0..=i1 {
                let p = Point::new((i as f64 + 0.5) * res, (j as f64 + 0.5) * res);
                if polygon.contains(&p) {
                    n += 1;
                }
            }
        }
        n
    }

    #[test]
    fn scanline_matches_brute_force_on_irregular_polygons() {
        let mp = MultiPolygon(vec![
            polygon![
                (x: 13.0, y: 7.0), (x: 973.3, y: 101.0), (x: 620.0, y: 480.5),
                (x: 1011.0, y: 1212.0), (x: 88.0, y: 901.0), (x: 301.0, y: 455.0), (x: 13.0, y: 7.0)
            ],
            polygon!(
                exterior: [(x: 2003.0, y: -503.0), (x: 3507.0, y: -497.0), (x: 3499.0, y: 1013.0), (x: 1998.0, y: 1001.0), (x: 2003.0, y: -503.0)],
                interiors: [[(x: 2503.0, y: 3.0), (x: 3001.0, y: 11.0), (x: 2750.0, y: 601.0), (x: 2503.0, y: 3.0)]],
            ),
        ]);
        for res in [7.0, 25.0, 50.0, 133.0] {
            let n: u64 = grid_rows(&mp, res).iter().map(GridRow::cells).sum();
            assert_eq!(n, brute_force(&mp, res), "resolution {res}");
            // and the count estimates the area
            let est = n as f64 * res * res;
            let rel = (est - mp.unsigned_area()).abs() / mp.unsigned_area();
            assert!(rel < 0.5 * res / 300.0 + 0.002, "res {res}: rel {rel}");
        }
    }

    #[test]
    fn shared_edge_cells_are_claimed_once() {
        // two squares sharing the edge x = 500, which passes through centres
        // of a 100 m grid offset... centres are at 50, 150, ... so put the
        // shared edge on a centre line: x = 550
        let a = polygon![(x: 0.0, y: 0.0), (x: 550.0, y: 0.0), (x: 550.0, y: 1000.0), (x: 0.0, y: 1000.0), (x: 0.0, y: 0.0)];
        let b = polygon![(x: 550.0, y: 0.0), (x: 1000.0, y: 0.0), (x: 1000.0, y: 1000.0), (x: 550.0, y: 1000.0), (x: 550.0, y: 0.0)];
        let na: u64 = grid_rows(&MultiPolygon(vec![a]), 100.0)
            .iter()
            .map(GridRow::cells)
            .sum();
        let nb: u64 = grid_rows(&MultiPolygon(vec![b]), 100.0)
            .iter()
            .map(GridRow::cells)
            .sum();
        assert_eq!(na + nb, 100);
    }

    #[test]
    fn tiny_polygon_has_no_cells() {
        let p = polygon![(x: 10.0, y: 10.0), (x: 20.0, y: 10.0), (x: 20.0, y: 20.0), (x: 10.0, y: 10.0)];
        assert!(grid_rows(&MultiPolygon(vec![p]), 50.0).is_empty());
    }
}
