//! Walks of an R-tree without an iterator's stack.
//!
//! `rstar`'s selection iterators keep the nodes still to visit on a stack
//! (a small vector that moves to the heap beyond 24 entries), built anew
//! for every query. Where a search asks the tree many times, as the gap
//! maps' nearest-infrastructure gathers do, [`intersecting`] visits the same
//! objects in the same order by recursion instead: nothing is allocated and
//! the caller may stop the walk early.

use std::ops::ControlFlow;

use rstar::{Envelope, ParentNode, RTree, RTreeNode, RTreeObject, RTreeParams};

/// Hands `visit` the objects of `tree` whose envelopes meet `query`, in the
/// order of [`RTree::locate_in_envelope_intersecting`] (its iterator takes
/// the last child of a node first: a depth-first walk from each node's last
/// child), until `visit` breaks.
pub(crate) fn intersecting<'a, T, P>(
    tree: &'a RTree<T, P>,
    query: &T::Envelope,
    mut visit: impl FnMut(&'a T) -> ControlFlow<()>,
) where
    T: RTreeObject,
    P: RTreeParams,
{
    let root = tree.root();
    if !root.children().is_empty() && query.intersects(&root.envelope()) {
        let _ = below(root, query, &mut visit);
    }
}

/// [`intersecting`] below `node`.
fn below<'a, T: RTreeObject>(
    node: &'a ParentNode<T>,
    query: &T::Envelope,
    visit: &mut impl FnMut(&'a T) -> ControlFlow<()>,
) -> ControlFlow<()> {
    for child in node.children().iter().rev() {
        match child {
            RTreeNode::Leaf(t) => {
                if t.envelope().intersects(query) {
                    visit(t)?;
                }
            }
            RTreeNode::Parent(p) => {
                if query.intersects(&p.envelope()) {
                    below(p, query, visit)?;
                }
            }
        }
    }
    ControlFlow::Continue(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rstar::primitives::{GeomWithData, Line, Rectangle};
    use rstar::AABB;

    /// The walk visits the objects the iterator yields, in its order
    /// (points, segments and rectangles; trees of none, one and up to
    /// 5,000 objects; empty, small, large and missing query boxes), and stops
    /// where the visitor breaks.
    #[test]
    fn visits_what_the_iterator_yields_in_its_order() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for n in [0usize, 1, 2, 7, 40, 300, 5000] {
            let points: Vec<GeomWithData<[f64; 2], usize>> = (0..n)
                .map(|i| {
                    let p = [rng.random_range(0.0..1000.0), rng.random_range(0.0..1000.0)];
                    GeomWithData::new(p, i)
                })
                .collect();
            let lines: Vec<GeomWithData<Line<[f64; 2]>, usize>> = points
                .iter()
                .map(|p| {
                    let q = [p.geom()[0] + 30.0, p.geom()[1] - 12.0];
                    GeomWithData::new(Line::new(*p.geom(), q), p.data)
                })
                .collect();
            let rects: Vec<Rectangle<[f64; 2]>> = points
                .iter()
                .map(|p| Rectangle::from_corners(*p.geom(), [p.geom()[0] + 5.0, p.geom()[1] + 9.0]))
                .collect();
            let (points, lines, rects) = (
                RTree::bulk_load(points),
                RTree::bulk_load(lines),
                RTree::bulk_load(rects),
            );
            for _ in 0..60 {
                let (x, y) = (
                    rng.random_range(-100.0..1100.0),
                    rng.random_range(-100.0..1100.0),
                );
                let w = [0.0, 1.0, 50.0, 400.0, 3000.0][rng.random_range(0..5usize)];
                let query = AABB::from_corners([x - w, y - w], [x + w, y + w]);
                check(&points, &query);
                check(&lines, &query);
                check(&rects, &query);
            }
        }
    }

    /// The walk against the iterator on one query: the same objects (the
    /// same references) in the same order, and the first three when the
    /// visitor stops there.
    fn check<T: RTreeObject<Envelope = AABB<[f64; 2]>>>(tree: &RTree<T>, query: &AABB<[f64; 2]>) {
        let want: Vec<&T> = tree.locate_in_envelope_intersecting(query).collect();
        let mut got: Vec<&T> = Vec::new();
        intersecting(tree, query, |t| {
            got.push(t);
            ControlFlow::Continue(())
        });
        assert_eq!(got.len(), want.len());
        assert!(got.iter().zip(&want).all(|(a, b)| std::ptr::eq(*a, *b)));
        // stopped after the third
        let mut first: Vec<&T> = Vec::new();
        intersecting(tree, query, |t| {
            first.push(t);
            if first.len() == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!(first.len(), want.len().min(3));
        assert!(first.iter().zip(&want).all(|(a, b)| std::ptr::eq(*a, *b)));
    }
}
