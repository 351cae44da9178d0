//! WGS 84 at the boundary, metres inside. (Work in progress.)
